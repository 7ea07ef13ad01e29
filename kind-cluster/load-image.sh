#!/usr/bin/env bash
# Loads our image into the kind node (no registry needed); builds it first if missing.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  make -C "$REPO" image IMAGE="$IMAGE"
fi
kind load docker-image "$IMAGE" --name "$KIND_CLUSTER"
