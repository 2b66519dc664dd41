#!/usr/bin/env bash
# One command on a fresh machine: install everything the tests need, then run every test
# (unit, integration with real ffmpeg/ONNX Runtime/HTTP/nginx/podman, and end-to-end in real Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
source scripts/toolchain.sh --quiet
echo "earshot: testing on Node.js $(node --version)"
pnpm run lint
pnpm run typecheck
exec node scripts/run-tests.mjs
