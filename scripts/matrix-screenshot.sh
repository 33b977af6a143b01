#!/usr/bin/env bash
# Renders the shared responsibility matrix of an example policy as HTML and
# takes a screenshot of it in headless Chromium (Debian package `chromium`).
#
#   scripts/matrix-screenshot.sh [POLICY] [FACTS] [OUT.png]
#
# Paths are relative to the repository root. Defaults: the matrix test policy and its facts, written to docs/matrix.png.
# WIDTH and HEIGHT set the window (default 1400x1000). With KEEP_HTML=1 the
# page is kept next to the PNG (same name, .html) for a look in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."

policy=${1:-examples/iaas_fleet/policy.onus}
facts=${2:-examples/iaas_fleet/inventory.json}
png=${3:-docs/matrix.png}
width=${WIDTH:-1400}
height=${HEIGHT:-1000}

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "no Chromium found: apt-get install -y chromium" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
html=$work/matrix.html
if [ "${KEEP_HTML:-}" = 1 ]; then
  html=${png%.png}.html
fi
case $html in
  /*) url="file://$html" ;;
  *) url="file://$PWD/$html" ;;
esac
profile=$work/profile

rm -f "$png"
cargo run --quiet -- matrix "$policy" --facts "$facts" --now 2026-11-22 --format html --output "$html"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size="$width,$height" \
  --screenshot="$png" "$url" 2>/dev/null
if [ ! -s "$png" ]; then
  echo "Chromium wrote no screenshot to $png" >&2
  exit 1
fi
echo "wrote $png"
