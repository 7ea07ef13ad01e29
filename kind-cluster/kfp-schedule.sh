#!/usr/bin/env bash
# Creates the recurring run for scheduled retrains: compiles the retrain (automl compile
# --retrain: warm-started search, retrain.compute_fraction of the budget) and schedules it.
# KFP cron has six fields (seconds first):
#   KFP_CRON="0 0 3 * * *" kfp-schedule.sh [automl compile options, e.g. --data spans --label y]
# Each run reads data_root on the volume: with a span folder, add span-N/ folders there
# between runs (the run takes the newest); with one CSV, replace data/<dataset>/data.csv. The
# data gates compare the span with the previous accepted one, and the Evaluator judges the
# model against the last pushed one. Needs the port-forward of kfp-ui.sh.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
[ -x "$AUTOML" ] || die "$AUTOML not found: run make venv first"
package="${PIPELINE_PACKAGE%.*}-retrain.yaml"
"$AUTOML" compile --retrain --image "$IMAGE" --output "$package" \
  --volume-dir "$(dirname "$PIPELINE_PACKAGE")/volume" "$@"
"$PYTHON" "$HERE/submit.py" schedule --host "$KFP_HOST" --package "$package" \
  --cron "${KFP_CRON:-0 0 3 * * *}" ${KFP_PARAMS:+--params "$KFP_PARAMS"}
