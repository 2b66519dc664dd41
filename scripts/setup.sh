#!/usr/bin/env bash
# Installs what Earshot needs on a fresh Debian/Ubuntu machine: system packages (apt), a maintained
# Node.js and pnpm (scripts/toolchain.sh), and the workspace's npm dependencies.
# Usage: bash scripts/setup.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

# libatomic1: Node.js 26's binary links against it.
runtime_pkgs=(ffmpeg libatomic1)
# python3-torch and python3-onnx build the tiny random-weight Whisper the Whisper engine tests load;
# podman, runc and debootstrap build and run the container image; nginx fronts the server in the
# reverse-proxy test; openssl makes the test certificates.
test_pkgs=(ffmpeg libatomic1 espeak-ng sox sctk chromium python3-torch python3-onnx openssl nginx podman runc debootstrap)
pkgs=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--for-tests" ]] && pkgs=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "earshot setup: installing system packages: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "earshot setup: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

source scripts/toolchain.sh
pnpm install --frozen-lockfile
