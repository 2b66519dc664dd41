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
# reverse-proxy test; openssl makes the test certificates; redis-server and haproxy run the cluster
# tests (three workers sharing jobs, usage and keys through Redis, behind HAProxy; one e2e test with the
# extension in Chromium); podman-compose runs compose.cluster.yaml, whose containers find each other by
# name through podman's dnsname plugin.
test_pkgs=(ffmpeg libatomic1 espeak-ng sox sctk chromium python3-torch python3-onnx openssl nginx podman runc debootstrap
  redis-server haproxy podman-compose golang-github-containernetworking-plugin-dnsname)
pkgs=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--for-tests" ]] && pkgs=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The GPU-path tests run ONNX Runtime's WebGPU provider on Mesa's software Vulkan driver (lavapipe).
# Dawn refuses Debian 12's own Mesa 22, so there it comes from bookworm-backports (Mesa 25).
vulkan=()
if [[ "${1:-}" == "--for-tests" ]]; then
  mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  if [[ -z "$mesa" || "$mesa" == 2[0-2].* ]] || ! dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q "install ok installed"; then
    vulkan=(mesa-vulkan-drivers libvulkan1)
  fi
fi
sudo_cmd=()
if ((${#missing[@]} + ${#vulkan[@]})) && [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "earshot setup: run as root or install sudo to install: ${missing[*]} ${vulkan[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
if ((${#missing[@]})); then
  echo "earshot setup: installing system packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((${#vulkan[@]})); then
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
    "${vulkan[@]}" >/dev/null
fi

source scripts/toolchain.sh
pnpm install --frozen-lockfile
