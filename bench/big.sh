#!/usr/bin/env bash
# usage: bench/big.sh json N [N...]   the ten checks over N resources (1M, 10M)
#        bench/big.sh stream SIZE     a JSON-lines stream of SIZE (e.g. 4G)
#        bench/big.sh shards K N      N resources split into K files, --shard
#
# The large runs of issue 16, each once, on a quiet machine (they take
# minutes and several GiB; never under a timed test):
#   json    onus check over gen_facts.py N (cached in $DATA), with --jobs 1
#           and --jobs 2, beside the parse floors (serde_json Value and
#           simd-json borrowed value, when the peer harness has built them;
#           jq and regorus are left out: at 10M they need more memory than
#           the machine has). Prints wall s, CPU s, peak RSS and the ratios.
#   stream  gen_stream.py writes a stream of at least SIZE (not committed,
#           cached in $DATA), checked by stream.onus streamed with the JSON
#           and the text report: wall s, MB/s, peak RSS; then its first PREFIX lines (default 200,000) streamed
#           against the same records read whole as one JSON array, which
#           must give the same controls, and the in-memory path's MB/s.
#   shards  N resources split into K facts files (one per "account"), one
#           `onus check --shard` over all of them against one run over the
#           whole file: wall s, peak RSS, and the same summary.
#
# env: HARNESS (default ../shared/bench, for gen_facts.py and the floors),
#      BENCH_DIR (where the harness built its floors), BENCH_DATA (generated
#      facts, default ~/.cache/onus-bench/data), PREFIX, ONUS (default the
#      release build, built first).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
HARNESS=${HARNESS:-$(cd "$ROOT/.." && pwd)/shared/bench}
DATA=${BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/onus-bench/data}
PREFIX=${PREFIX:-200000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DATA"
[ $# -ge 2 ] || { sed -n '2,4p' "$0" >&2; exit 2; }
if [ -z "${ONUS:-}" ]; then
  cargo build --release --locked --manifest-path "$ROOT/Cargo.toml" >&2
  ONUS=$ROOT/target/release/onus
fi
FLOOR=""
for f in "${BENCH_DIR:-$HARNESS}/target/release/floor" "$HOME/.cache/onus-bench/target/release/floor"; do
  [ -x "$f" ] && { FLOOR=$f; break; }
done

measure() { # command... -> "wall CPU peakMiB" of one run (its exit code ignored)
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$@" >"$WORK/out" 2>"$WORK/err" || true
  tail -n1 "$WORK/t" | awk '{printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024}'
}
mib() { stat -L -c %s "$1" | awk '{printf "%.1f", $1 / 1048576}'; }
row() { # label wall cpu rss input-MiB base-wall
  awk -v l="$1" -v w="$2" -v c="$3" -v r="$4" -v m="$5" -v b="$6" \
    'BEGIN{printf "| %s | %.2f | %.2f | %d | %.2f | %s |\n", l, w, c, r, r / m, (b > 0 ? sprintf("%.2f", w / b) : "-")}'
}
header() {
  echo "host: $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
}

case $1 in
json)
  shift
  header
  for n in "$@"; do
    f="$DATA/facts-$n.json"
    [ -f "$f" ] || python3 "$HARNESS/gen_facts.py" "$n" "$f"
    m=$(mib "$f")
    echo "### $n resources ($m MiB)"
    echo
    echo "| run | wall s | CPU s | peak RSS MiB | RSS / input | wall / serde floor |"
    echo "|---|---:|---:|---:|---:|---:|"
    base=0
    if [ -n "$FLOOR" ]; then
      read -r w c r < <(measure "$FLOOR" serde "$f"); base=$w
      row "floor: serde_json Value" "$w" "$c" "$r" "$m" "$base"
      read -r w c r < <(measure "$FLOOR" simd "$f")
      row "floor: simd-json borrowed" "$w" "$c" "$r" "$m" "$base"
    fi
    for j in 1 2; do
      read -r w c r < <(measure "$ONUS" check "$HERE/checks.onus" --facts "$f" --format json --jobs "$j")
      row "onus check --format json --jobs $j" "$w" "$c" "$r" "$m" "$base"
    done
    echo
  done
  ;;
stream)
  size=$2
  f="$DATA/stream-$size.jsonl"
  [ -f "$f" ] || python3 "$HERE/gen_stream.py" "$f" "$size"
  header
  m=$(mib "$f")
  echo "| run | wall s | CPU s | peak RSS MiB | MB/s |"
  echo "|---|---:|---:|---:|---:|"
  read -r w c r < <(measure "$ONUS" check "$HERE/stream.onus" --facts "resources=$f" --format json --max-facts-size 1T)
  grep -q F015 "$WORK/err" && { echo "the stream was read whole (F015):" >&2; cat "$WORK/err" >&2; exit 1; }
  awk -v w="$w" -v c="$c" -v r="$r" -v m="$m" 'BEGIN{printf "| streamed, %.0f MiB | %.2f | %.2f | %d | %.1f |\n", m, w, c, r, m * 1.048576 / w}'
  read -r w c r < <(measure "$ONUS" check "$HERE/stream.onus" --facts "resources=$f" --format text --max-facts-size 1T)
  awk -v w="$w" -v c="$c" -v r="$r" -v m="$m" 'BEGIN{printf "| the same, --format text | %.2f | %.2f | %d | %.1f |\n", w, c, r, m * 1.048576 / w}'
  head -n "$PREFIX" "$f" >"$WORK/prefix.jsonl"
  python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$WORK/prefix.jsonl" >"$WORK/prefix.json"
  pm=$(mib "$WORK/prefix.jsonl")
  read -r w c r < <(measure "$ONUS" check "$HERE/stream.onus" --facts "resources=$WORK/prefix.jsonl" --format json)
  cp "$WORK/out" "$WORK/streamed.json"
  awk -v w="$w" -v c="$c" -v r="$r" -v m="$pm" -v n="$PREFIX" 'BEGIN{printf "| first %d lines streamed, %.0f MiB | %.2f | %.2f | %d | %.1f |\n", n, m, w, c, r, m * 1.048576 / w}'
  read -r w c r < <(measure "$ONUS" check "$HERE/stream.onus" --facts "resources=$WORK/prefix.json" --format json)
  awk -v w="$w" -v c="$c" -v r="$r" -v m="$pm" -v n="$PREFIX" 'BEGIN{printf "| the same lines in memory (a JSON array) | %.2f | %.2f | %d | %.1f |\n", w, c, r, m * 1.048576 / w}'
  python3 - "$WORK/streamed.json" "$WORK/out" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
same = a["controls"] == b["controls"] and a["summary"] == b["summary"]
print(f"\nstreamed and in-memory prefix reports: {'the same controls and summary' if same else 'DIFFERENT'}")
sys.exit(0 if same else 1)
PY
  ;;
shards)
  k=$2 n=$3
  f="$DATA/facts-$n.json"
  [ -f "$f" ] || python3 "$HARNESS/gen_facts.py" "$n" "$f"
  mkdir -p "$WORK/shards"
  python3 - "$f" "$k" "$WORK/shards" <<'PY'
import json, sys
facts, k, out = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
lists = {name: v for name, v in facts.items() if isinstance(v, list)}
for s in range(k):
    part = {name: v[s::k] for name, v in lists.items()}
    part["account"] = facts.get("account")
    json.dump(part, open(f"{out}/account-{s:04d}.json", "w"))
PY
  header
  echo "| run | wall s | CPU s | peak RSS MiB |"
  echo "|---|---:|---:|---:|"
  read -r w c r < <(measure "$ONUS" check "$HERE/checks.onus" --facts "$f" --format json)
  cp "$WORK/out" "$WORK/whole.json"
  echo "| one run over the whole file | $w | $c | $r |"
  shards=()
  for s in "$WORK"/shards/*.json; do shards+=(--shard "$s"); done
  read -r w c r < <(measure "$ONUS" check "$HERE/checks.onus" "${shards[@]}" --format json)
  echo "| --shard, $k files | $w | $c | $r |"
  python3 - "$WORK/whole.json" "$WORK/out" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
same = a["summary"] == b["summary"]
print(f"\nwhole and sharded summaries: {'the same' if same else 'DIFFERENT'}")
sys.exit(0 if same else 1)
PY
  ;;
*)
  sed -n '2,4p' "$0" >&2
  exit 2
  ;;
esac
