# Shared settings of the kind-cluster scripts (sourced). Every value can be overridden from
# the environment; versions are pinned here and in the README.
# shellcheck shell=bash
KIND_CLUSTER=${KIND_CLUSTER:-automl}
KFP_VERSION=${KFP_VERSION:-2.5.0}           # Kubeflow Pipelines standalone release
KFP_NAMESPACE=${KFP_NAMESPACE:-kubeflow}
KFP_PORT=${KFP_PORT:-8080}                  # local port of the UI/API port-forward
KFP_HOST=${KFP_HOST:-http://localhost:${KFP_PORT}}
IMAGE=${IMAGE:-automl:dev}
PIPELINE_PACKAGE=${PIPELINE_PACKAGE:-automl-output/kfp/pipeline.yaml}
VOLUME_POD=${VOLUME_POD:-automl-volume}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
AUTOML=${AUTOML:-$REPO/.venv/bin/automl}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}

die() {
  echo "error: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"
}
