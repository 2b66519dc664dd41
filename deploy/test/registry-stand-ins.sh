#!/usr/bin/env bash
# Makes the registry images compose.cluster.yaml names besides Earshot's own (the official
# docker.io/library/redis:7 and haproxy:2.6) out of Debian's packages, for machines that reach
# Debian's archive but no image registry: stand-ins under the same names (deploy/test/stand-ins/),
# built on the Debian base image debian-base-image.sh makes. An image already there under a name is
# kept, so where the registry's own can be pulled, those are what run.
# Usage: bash deploy/test/registry-stand-ins.sh [podman build options, e.g. --runtime runc]
set -euo pipefail
cd "$(dirname "$0")"
bash debian-base-image.sh
for pair in docker.io/library/redis:7=redis docker.io/library/haproxy:2.6=haproxy; do
  name=${pair%=*} file=stand-ins/${pair#*=}.Containerfile
  podman image exists "$name" && continue
  echo "registry-stand-ins: building $name from Debian's packages" >&2
  podman build "$@" --pull=never --format docker --file "$file" --tag "$name" stand-ins >/dev/null
done
