#!/usr/bin/env bash
# Creates the kind cluster, installs Kubeflow Pipelines standalone (pinned), our manifests,
# and loads our image. Idempotent: an existing cluster is reused.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need docker "bash kind-cluster/docker-engine.sh"

if ! kind get clusters | grep -qx "$KIND_CLUSTER"; then
  kind create cluster --name "$KIND_CLUSTER" --config "$HERE/kind-config.yaml" --wait 120s
fi
kubectl config use-context "kind-$KIND_CLUSTER" >/dev/null

echo "installing Kubeflow Pipelines $KFP_VERSION ..."
base="github.com/kubeflow/pipelines/manifests/kustomize"
kubectl apply -k "$base/cluster-scoped-resources?ref=$KFP_VERSION"
kubectl wait --for condition=established --timeout=120s crd/applications.app.k8s.io
kubectl apply -k "$base/env/platform-agnostic?ref=$KFP_VERSION"

bash "$HERE/load-image.sh"
kubectl apply -k "$HERE/manifests"
echo "waiting for Kubeflow Pipelines to be ready (first time: several minutes) ..."
kubectl -n "$KFP_NAMESPACE" wait --for=condition=Available --timeout=900s deployment --all
kubectl -n "$KFP_NAMESPACE" wait --for=condition=Ready --timeout=300s "pod/$VOLUME_POD"
echo "ready: make kfp-ui (port-forward), make kfp-run, make kfp-schedule"
