#!/usr/bin/env bash
# usage: bench/lang.sh [N]
#
# The language cases of issue 10, side by side in one run (medians of RUNS
# wall-clock runs, and instruction counts when valgrind is installed):
#   - join.onus against join_baseline.onus over N buckets and their access
#     blocks (default 100,000 x 100,000): the cost of the join itself;
#   - fn_calls.onus over N/3 firewall rules with --jobs 1 and --jobs 2,
#     and the mmap calls each makes (strace, when installed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
N=${1:-100000}
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# ONUS=path/to/onus skips the release build (e.g. a debug build, to prove
# the script at a small N; its figures are then no measurement).
if [ -z "${ONUS:-}" ]; then
  cargo build --release --locked --manifest-path "$ROOT/Cargo.toml" >&2
  ONUS=$ROOT/target/release/onus
fi
python3 "$HERE/gen_lang.py" join "$N" "$WORK/join.json"
python3 "$HERE/gen_lang.py" fns "$((N / 3))" "$WORK/fns.json"

median() { # command... -> "median wall s | median CPU s" of RUNS runs
  : >"$WORK/runs"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S" -o "$WORK/t" "$@" >/dev/null 2>&1 || true
    tail -n1 "$WORK/t" >>"$WORK/runs"
  done
  mid() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "$(awk '{print $1}' "$WORK/runs" | mid) | $(awk '{printf "%.2f\n", $2+$3}' "$WORK/runs" | mid)"
}
instructions() { # command... -> instructions (callgrind), or "-"
  if command -v valgrind >/dev/null; then
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
      awk '/Collected/ {print $4}'
  else
    echo -
  fi
}
mmaps() { # command... -> mmap calls (strace), or "-"
  if command -v strace >/dev/null; then
    strace -f -c -e trace=mmap "$@" 2>&1 >/dev/null | awk '$NF == "mmap" {print $4}'
  else
    echo -
  fi
}

echo "host: $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo); load $(cut -d' ' -f1-3 /proc/loadavg); runs=$RUNS; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| case | median wall s | median CPU s | instructions |"
echo "|---|---:|---:|---:|"
for p in join join_baseline; do
  cmd=("$ONUS" check "$HERE/$p.onus" --facts "$WORK/join.json" --now 2026-11-22)
  echo "| $p.onus, $N buckets | $(median "${cmd[@]}") | $(instructions "${cmd[@]}") |"
done
echo
echo "| fn_calls.onus, $((N / 3)) rules | median wall s | median CPU s | mmap calls |"
echo "|---|---:|---:|---:|"
for j in 1 2; do
  cmd=("$ONUS" check "$HERE/fn_calls.onus" --facts "$WORK/fns.json" --now 2026-11-22 --jobs "$j")
  echo "| --jobs $j | $(median "${cmd[@]}") | $(mmaps "${cmd[@]}") |"
done
