#!/usr/bin/env bash
# Makes the Debian base image the Dockerfile starts from (docker.io/library/debian:bookworm-slim by
# default) out of Debian's own packages, for machines that reach Debian's archive but no image
# registry: debootstrap (minbase) from the mirror apt uses here, imported into podman under the name
# the Dockerfile's FROM expects. An image already there under that name is kept.
# Usage: bash deploy/test/debian-base-image.sh [image name]
set -euo pipefail
name="${1:-docker.io/library/debian:bookworm-slim}"
podman image exists "$name" && exit 0

# The mirrors apt reads bookworm and its security updates from, as apt itself lists them.
mirror_of() { apt-cache policy | awk -v suite="$1/main" '$3 == suite { print $2; exit }'; }
mirror=$(mirror_of bookworm)
security=$(mirror_of bookworm-security)
[[ -n "$mirror" ]] || { echo "debian-base-image: apt has no source for bookworm main (run apt-get update)" >&2; exit 1; }

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "debian-base-image: debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
{
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
  [[ -n "$security" ]] &&
    printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security"
} > "$rootfs/etc/apt/sources.list.d/debian.sources"
rm -f "$rootfs/etc/apt/sources.list"
# Certificate authorities this machine adds to Debian's (a TLS-inspecting egress proxy's, say): an
# image that installs ca-certificates then reaches what this machine reaches, as an operator's own
# base image would.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
fi
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$name" >/dev/null
echo "debian-base-image: imported $name" >&2
