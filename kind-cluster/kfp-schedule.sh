#!/usr/bin/env bash
# Creates the recurring run for scheduled retrains. KFP cron has six fields (seconds first):
#   KFP_CRON="0 0 3 * * *" kfp-schedule.sh      (default: 03:00 every day)
# Each run reads data_root on the volume: replace data/<dataset>/data.csv there between runs;
# the run warm-starts its search from the last study and is judged against the last pushed
# model. Needs the port-forward of kfp-ui.sh.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
[ -f "$PIPELINE_PACKAGE" ] || die "$PIPELINE_PACKAGE not found: make kfp-run (or make compile) first"
"$PYTHON" "$HERE/submit.py" schedule --host "$KFP_HOST" --package "$PIPELINE_PACKAGE" \
  --cron "${KFP_CRON:-0 0 3 * * *}" ${KFP_PARAMS:+--params "$KFP_PARAMS"}
