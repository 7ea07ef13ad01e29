#!/usr/bin/env bash
# Makes the base image the Dockerfile builds on available locally, and prints its name.
#
#   deploy/image/base-image.sh [IMAGE]     (default: $BASE_IMAGE, else python:3.11-slim-bookworm)
#
# An image already present is used as is; otherwise it is pulled. Where no registry answers
# (as on our build machines), a Debian bookworm root file system is made with debootstrap
# from the Debian mirror and imported with `docker import` as automl-base:bookworm, whose
# python3 is 3.11 like the lock's. Needs root for debootstrap.
set -euo pipefail

image=${1:-${BASE_IMAGE:-python:3.11-slim-bookworm}}
fallback=automl-base:bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
if timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
if docker image inspect "$fallback" >/dev/null 2>&1; then
  echo "$fallback"
  exit 0
fi
echo "no registry gives $image: building $fallback with debootstrap from $mirror" >&2
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
rootfs=$(mktemp -d /tmp/automl-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$rootfs" "$mirror" >&2
# What a slim image leaves out too: package lists and caches, docs, man pages.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
tar -C "$rootfs" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$fallback" >&2
echo "$fallback"
