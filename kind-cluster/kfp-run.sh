#!/usr/bin/env bash
# Compiles the pipeline, puts its data on the cluster's volume, uploads the package and starts
# a run, then waits for it:  kfp-run.sh [automl compile options, e.g. --data x.csv --label y]
# Needs the port-forward of kfp-ui.sh running (or KFP_HOST pointing at the API).
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
[ -x "$AUTOML" ] || die "$AUTOML not found: run make venv first"

package_dir=$(dirname "$PIPELINE_PACKAGE")
"$AUTOML" compile --image "$IMAGE" --output "$PIPELINE_PACKAGE" \
  --volume-dir "$package_dir/volume" "$@"
# The volume's contents as compile laid them out (data/<dataset>/data.csv), replacing what
# was there (a tar pipe: kubectl cp nests folders that already exist).
tar -C "$package_dir/volume" -c data |
  kubectl -n "$KFP_NAMESPACE" exec -i "$VOLUME_POD" -- tar -x -C /automl
"$PYTHON" "$HERE/submit.py" run --host "$KFP_HOST" --package "$PIPELINE_PACKAGE" \
  ${KFP_PARAMS:+--params "$KFP_PARAMS"} --wait
