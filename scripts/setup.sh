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
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
if ((${#missing[@]})); then
  echo "earshot setup: installing system packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The GPU-path tests run ONNX Runtime's WebGPU provider on Mesa's software Vulkan driver (lavapipe).
# Dawn refuses Debian 12's own Mesa 22, so there it comes from bookworm-backports (Mesa 25).
if [[ "${1:-}" == "--for-tests" ]]; then
  mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  if [[ -z "$mesa" || "$mesa" == 2[0-2].* ]] || ! dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q "install ok installed"; then
    target=()
    if grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release 2>/dev/null; then
      target=(-t bookworm-backports)
      if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        echo "earshot setup: adding Debian's bookworm-backports suite (for Mesa's Vulkan drivers)"
        printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
          "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
      fi
    fi
    echo "earshot setup: installing the Vulkan loader and Mesa's Vulkan drivers (lavapipe) ${target[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${target[@]}" \
      mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
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
