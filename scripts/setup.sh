#!/usr/bin/env bash
# Installs what Earshot needs on a fresh Debian/Ubuntu machine with Node.js >= 20.19:
# system packages (apt) and the workspace's npm dependencies (pnpm through corepack).
# Usage: bash scripts/setup.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(ffmpeg)
# python3-torch and python3-onnx build the tiny random-weight Whisper the Whisper engine tests load.
test_pkgs=(ffmpeg espeak-ng sox sctk chromium python3-torch python3-onnx)
pkgs=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--for-tests" ]] && pkgs=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "earshot setup: installing system packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`earshot setup: Node.js >= 20.19 is required, found ${process.versions.node}`); process.exit(1) }'

# The registry mirror may serve packages without signatures; corepack still checks the
# sha512 pinned in package.json's packageManager field.
export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# The workspace scripts call `pnpm` by name (pnpm -r ...), so it must be on PATH, not only behind corepack.
if ! command -v pnpm >/dev/null; then
  corepack enable pnpm 2>/dev/null || sudo corepack enable pnpm
fi
corepack pnpm install --frozen-lockfile
