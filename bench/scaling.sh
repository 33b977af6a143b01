#!/usr/bin/env bash
# usage: bench/scaling.sh
#
# How onus's cost grows: with resources (N = 10k ... 1M, the ten checks) and
# with controls (10 ... 1,000 generated copies of the checks over 100k
# resources), plus loading and checking a 10,000-control policy without facts,
# and with policy files (2,500 ... 10,000 files of one control each).
# Prints markdown tables (median of hyperfine runs, peak RSS of one run).
#
# env: HARNESS (default ../shared/bench beside this repository, for
#      gen_facts.py), RUNS (default 3).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
HARNESS=${HARNESS:-$(cd "$ROOT/.." && pwd)/shared/bench}
RUNS=${RUNS:-3}
DATA=${BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/onus-bench/data}
ONUS=$ROOT/target/release/onus
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DATA"
cargo build --release --locked --manifest-path "$ROOT/Cargo.toml" >&2

facts() { # facts file for N resources, generated once
  local f="$DATA/facts-$1.json"
  [ -f "$f" ] || python3 "$HARNESS/gen_facts.py" "$1" "$f"
  echo "$f"
}
median() { # command... -> "seconds"
  hyperfine -N -i --runs "$RUNS" --warmup 1 --export-json "$WORK/hf.json" "$*" >/dev/null 2>&1
  jq -r '.results[0].median' "$WORK/hf.json"
}
rss() { # command... -> MiB
  /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
  tail -n1 "$WORK/rss" | awk '{printf "%.0f", $1/1024}'
}

echo "host: $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo); runs=$RUNS; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| resources | facts MiB | wall s | µs per resource | peak RSS MiB |"
echo "|---:|---:|---:|---:|---:|"
for n in 10000 100000 1000000; do
  f=$(facts "$n")
  cmd="$ONUS check $ROOT/bench/checks.onus --facts $f --format json"
  t=$(median $cmd)
  awk -v n="$n" -v b="$(stat -L -c %s "$f")" -v t="$t" -v r="$(rss $cmd)" \
    'BEGIN{printf "| %d | %.1f | %.3f | %.2f | %s |\n", n, b/1048576, t, t*1e6/n, r}'
done
echo
echo "| controls (over 100k resources) | wall s | ms per control |"
echo "|---:|---:|---:|"
f=$(facts 100000)
for k in 10 100 1000; do
  python3 "$HERE/gen_controls.py" "$k" >"$WORK/policy-$k.onus"
  t=$(median "$ONUS" check "$WORK/policy-$k.onus" --facts "$f" --format json)
  awk -v k="$k" -v t="$t" 'BEGIN{printf "| %d | %.3f | %.2f |\n", k, t, t*1000/k}'
done
echo
python3 "$HERE/gen_controls.py" 10000 >"$WORK/policy-10000.onus"
t=$(median "$ONUS" check "$WORK/policy-10000.onus" --format json)
awk -v t="$t" 'BEGIN{printf "Loading and checking a generated 10,000-control policy (no facts): %.0f ms\n", t*1000}'
echo
echo "| policy files (one control each) | wall s | ms per file |"
echo "|---:|---:|---:|"
for k in 2500 5000 10000; do
  mkdir -p "$WORK/files-$k"
  printf 'use std\nservice s: iaas {}\n' >"$WORK/files-$k/main.onus"
  for i in $(seq 1 "$k"); do
    printf 'use std\ncontrol c%d {\n  service = s\n  layer = config\n  require true\n}\n' "$i" >"$WORK/files-$k/c$i.onus"
  done
  t=$(median "$ONUS" check "$WORK/files-$k" --format json)
  awk -v k="$k" -v t="$t" 'BEGIN{printf "| %d | %.3f | %.3f |\n", k, t, t*1000/k}'
done
