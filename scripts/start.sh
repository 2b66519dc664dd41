#!/usr/bin/env bash
# One command on a fresh machine: install, build the extension, start the backend.
# Extra arguments go to `earshot serve` (e.g. --model tiny-en, --device cuda, --port 8001).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/toolchain.sh --quiet
pnpm run build
echo
echo "earshot: extension built in extension/.output/chrome-mv3 — load it in Chrome via"
echo "         chrome://extensions → Developer mode → Load unpacked."
echo
exec pnpm earshot serve "$@"
