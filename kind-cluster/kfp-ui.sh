#!/usr/bin/env bash
# Forwards the KFP UI and API to $KFP_HOST (default http://localhost:8080); Ctrl-C stops it.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
echo "KFP UI and API at $KFP_HOST"
exec kubectl -n "$KFP_NAMESPACE" port-forward svc/ml-pipeline-ui "$KFP_PORT:80"
