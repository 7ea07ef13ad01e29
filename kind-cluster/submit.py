"""Starts a run or a recurring run of a compiled package on Kubeflow Pipelines (kfp.Client).

    submit.py run --host URL --package pipeline.yaml [--params k=v,k=v] [--wait]
    submit.py schedule --host URL --package pipeline.yaml --cron "0 0 3 * * *"

The package is uploaded as a new version of the pipeline named in it (created the first
time), so the UI keeps the history of what was deployed; runs go to the experiment of the
same name. Exits 1 with one line when the API cannot be reached or the run fails, and 75 when
a run of the experiment is still going (two runs would publish to the same serving folder and
train over each other's study; `--allow-overlap` starts one anyway).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

import yaml

RUN_TIMEOUT_S = 3 * 3600
EXIT_BUSY = 75  # as `automl run` when another run holds its output folder
ACTIVE = frozenset({"PENDING", "RUNNING", "CANCELING", "PAUSED"})


def active_runs(runs) -> list[str]:
    """The ids of the runs (kfp_server_api runs) that have not ended."""
    return [run.run_id for run in runs or [] if str(run.state) in ACTIVE]


def parse_params(text: str | None) -> dict[str, object]:
    params: dict[str, object] = {}
    for item in filter(None, (text or "").split(",")):
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --params takes name=value pairs, not '{item}'")
        params[name.strip()] = yaml.safe_load(value)  # numbers as numbers
    return params


def upload(client, package: str) -> tuple[str, str, str]:
    """(pipeline id, version id, pipeline name) after uploading the package as a new version."""
    with open(package) as handle:
        name = next(yaml.safe_load_all(handle))["pipelineInfo"]["name"]
    version_name = time.strftime(f"{name}-%Y%m%d-%H%M%S")
    pipeline_id = client.get_pipeline_id(name)
    if pipeline_id is None:
        pipeline = client.upload_pipeline(package, pipeline_name=name)
        pipeline_id = pipeline.pipeline_id
    version = client.upload_pipeline_version(
        package, pipeline_version_name=version_name, pipeline_id=pipeline_id
    )
    return pipeline_id, version.pipeline_version_id, name


def main(argv: list[str]) -> int:
    # kfp warns about its own version support and urllib3 logs each retry: the one line below
    # says what went wrong.
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    import kfp

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "schedule"])
    parser.add_argument("--host", required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--params", help="run-time parameters: name=value,name=value")
    parser.add_argument("--cron", help="schedule: six-field cron (seconds first)")
    parser.add_argument("--wait", action="store_true", help="run: wait for the run to end")
    parser.add_argument(
        "--allow-overlap", action="store_true",
        help="start even while a run of the experiment is still going",
    )  # fmt: skip
    parser.add_argument(
        "--cache",
        action="store_true",
        help="let KFP reuse earlier task results; off by default because KFP's cache key does "
        "not see a changed file behind the same data_root (Vertex runs ExampleGen's driver "
        "for that, open-source KFP does not)",
    )
    args = parser.parse_args(argv)
    params = parse_params(args.params)
    if args.action == "schedule" and not args.cron:
        parser.error("schedule needs --cron")
    try:
        client = kfp.Client(host=args.host)
        pipeline_id, version_id, name = upload(client, args.package)
        experiment = client.create_experiment(name)
        recent = client.list_runs(
            experiment_id=experiment.experiment_id, page_size=100, sort_by="created_at desc"
        ).runs
    except Exception as exc:  # noqa: BLE001  (one line for any API failure)
        print(f"error: KFP at {args.host}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    if (going := active_runs(recent)) and not args.allow_overlap:
        print(
            f"error: run {going[0]} of {name} is still going; runs never overlap: try again "
            "when it has ended (or --allow-overlap)", file=sys.stderr,
        )  # fmt: skip
        return EXIT_BUSY
    if args.action == "schedule":
        job = client.create_recurring_run(
            experiment_id=experiment.experiment_id,
            job_name=f"{name}-retrain",
            cron_expression=args.cron,
            pipeline_id=pipeline_id,
            version_id=version_id,
            params=params,
            max_concurrency=1,  # a retrain never overlaps the previous one
            no_catchup=True,
            enable_caching=args.cache,
        )
        print(f"recurring run {job.recurring_run_id}: '{args.cron}', {name} version {version_id}")
        return 0
    run = client.run_pipeline(
        experiment_id=experiment.experiment_id,
        job_name=time.strftime(f"{name}-%Y%m%d-%H%M%S"),
        pipeline_id=pipeline_id,
        version_id=version_id,
        params=params,
        enable_caching=args.cache,
    )
    print(f"run {run.run_id} started: {args.host}/#/runs/details/{run.run_id}")
    if not args.wait:
        return 0
    done = client.wait_for_run_completion(run.run_id, timeout=RUN_TIMEOUT_S)
    print(f"run {run.run_id}: {done.state}")
    return 0 if done.state == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
