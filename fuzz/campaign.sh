#!/usr/bin/env bash
# A fuzzing campaign: builds the targets, seeds the corpora, runs each
# target for SECONDS (nice'd, one job, one worker) and prints a row per
# target for tests/fuzz-regressions/README.md.
# Usage: fuzz/campaign.sh [SECONDS] [TARGET...]   (default: 3600, every target)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-3600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse check fmt facts eval report)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none -a

# Seed corpora (README: Seed corpora); existing inputs are kept.
mkdir -p corpus/parse corpus/check corpus/fmt corpus/facts corpus/eval corpus/report logs
for f in $(find ../tests/cases ../examples ../stdlib ../bench ../grammar -name '*.onus'); do
  for t in parse check fmt; do cp -n "$f" "corpus/$t/$(echo "${f#../}" | tr / _)"; done
done
for f in $(find ../tests ../examples \( -name '*.json' -o -name '*.jsonl' \) -size -200k); do
  cp -n "$f" "corpus/facts/$(echo "${f#../}" | tr / _)"
done
for f in ../examples/*/report*.json ../tests/cases/diff/lib/*.json; do
  cp -n "$f" "corpus/report/$(echo "${f#../}" | tr / _)"
done

commit=$(git rev-parse --short HEAD)
rows=()
for t in "${targets[@]}"; do
  case $t in
    facts) flags=(-dict=facts.dict -max_len=16384) ;;
    eval) flags=(-dict=facts.dict -max_len=4096) ;;
    report) flags=(-dict=facts.dict -max_len=16384) ;;
    *) flags=(-dict=onus.dict -max_len=8192) ;;
  esac
  before=$(ls "artifacts/$t" 2>/dev/null | wc -l)
  rm -f fuzz-0.log
  nice -n 10 cargo fuzz run -s none -a "$t" "corpus/$t" -- "${flags[@]}" \
    -timeout=20 -rss_limit_mb=4096 -jobs=1 -workers=1 -max_total_time="$seconds" || true
  cp fuzz-0.log "logs/$t-$commit.log"
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' fuzz-0.log | tail -1 | grep -o '[0-9]*$' || echo "?")
  after=$(ls "artifacts/$t" 2>/dev/null | wc -l)
  if [ "$after" -gt "$before" ]; then
    result="crash: $(ls -t "artifacts/$t" | head -1)"
  else
    result=clean
  fi
  rows+=("| \`$commit\` | \`$t\` | $(printf "%'d" "$runs" 2>/dev/null || echo "$runs") | $result |")
done
printf '%s\n' "${rows[@]}"
