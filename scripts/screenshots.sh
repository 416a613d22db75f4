#!/usr/bin/env bash
# Screenshots of the demo site for the README: the home page, an article page, the article
# on a phone-sized screen, and a search, taken with headless Chromium (Debian's `chromium`).
#
#   scripts/screenshots.sh [OUTPUT_DIR]      (default docs/screenshots)
#   PROFILE=dev scripts/screenshots.sh       (use a debug build; faster to build)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshots}"
profile="${PROFILE:-release}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "error: Chromium is not installed; install Debian's package: apt-get install chromium" >&2
  exit 1
fi

echo "==> building freewire ($profile)"
cargo build --locked --profile "$profile" -p freewire
case "$profile" in dev) dir=debug ;; *) dir="$profile" ;; esac
bin="target/$dir/freewire"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
echo "==> starting the demo on $base"
FREEWIRE_DATA_DIR="$work/demo" FREEWIRE_BASE_URL="$base" "$bin" demo --listen "127.0.0.1:$port" >"$work/demo.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('$base/', timeout=1)" 2>/dev/null && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "error: the demo stopped; its log:" >&2
    cat "$work/demo.log" >&2
    exit 1
  fi
  sleep 0.2
done

# The first article the home page lists.
article="$(python3 - "$base" <<'PY'
import re, sys, urllib.request
html = urllib.request.urlopen(sys.argv[1] + "/").read().decode()
print(re.search(r'<h2><a href="([^"]+)"', html).group(1))
PY
)"

mkdir -p "$out"
shoot() { # name url width height
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$3,$4" --screenshot="$out/$1.png" "$2" >/dev/null 2>&1
  echo "    $out/$1.png"
}
echo "==> screenshots"
shoot home "$base/" 1280 1400
shoot article "$base$article" 1280 1500
shoot article-phone "$base$article" 390 1600
# Search, once the demo's index holds its articles.
for _ in $(seq 1 50); do
  python3 -c "import json, urllib.request, sys; sys.exit(0 if json.load(urllib.request.urlopen('$base/api/search?q=harbour'))['total'] else 1)" 2>/dev/null && break
  sleep 0.2
done
shoot search "$base/search?q=harbour" 1280 1100
