#!/usr/bin/env bash
# One command on a fresh machine: install everything the tests need, then run every test
# (unit, integration with real ffmpeg/ONNX Runtime/HTTP, and end-to-end in real Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --for-tests
export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
corepack pnpm run lint
corepack pnpm run typecheck
exec node scripts/run-tests.mjs
