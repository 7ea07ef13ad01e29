#!/usr/bin/env bash
# Deletes the kind cluster (and with it KFP, the volume and every run's artifacts).
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
kind delete cluster --name "$KIND_CLUSTER"
