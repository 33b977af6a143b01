#!/usr/bin/env bash
# usage: bench/run.sh N [N...]
#
# Builds onus in release mode and runs the shared peer harness
# (../shared/bench/run_peers.sh, or $HARNESS) with onus included, once per
# size N. The harness first verifies that onus reports the same violation
# counts as every peer, then times all of them in one hyperfine run and
# prints a markdown table (also saved in its results/ folder).
#
# env: HARNESS (default ../shared/bench beside this repository), RUNS
#      (hyperfine runs per tool, default 3), and the harness's own variables.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
HARNESS=${HARNESS:-$(cd "$ROOT/.." && pwd)/shared/bench}
[ $# -gt 0 ] || { echo "usage: $0 N [N...]" >&2; exit 2; }
[ -x "$HARNESS/run_peers.sh" ] || { echo "no peer harness at $HARNESS (set HARNESS)" >&2; exit 2; }

cargo build --release --locked --manifest-path "$ROOT/Cargo.toml"
"$HARNESS/build.sh"
for n in "$@"; do
  ONUS_CMD="$ROOT/target/release/onus check $ROOT/bench/checks.onus --facts {facts} --format json" \
    "$HARNESS/run_peers.sh" "$n"
done
