"""Beam options (`--beam-arg`, beam.args) reach every Beam component of the local pipeline,
as TFX's own compiler lays it out for LocalDagRunner; the compiled KFP pipeline's tasks are
checked in tests/kubeflow/test_compile.py."""

from __future__ import annotations

import pytest

from pipeline.definition import layout
from pipeline.definition.config import ConfigError, build_config

BEAM = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def beam_args_by_node(config, tmp_path) -> dict[str, list[str]]:
    from tfx.dsl.compiler.compiler import Compiler
    from tfx.proto.orchestration import executable_spec_pb2, pipeline_pb2

    from pipeline.runners import local_run

    profile = layout.profile_data(config)
    built = local_run.local_pipeline(config, profile, layout.Layout(tmp_path / "out"))
    ir = Compiler().compile(built)
    deployment = pipeline_pb2.IntermediateDeploymentConfig()
    ir.deployment_config.Unpack(deployment)
    found = {}
    for node, spec in deployment.executor_specs.items():
        beam = executable_spec_pb2.BeamExecutableSpec()
        if spec.Unpack(beam):
            found[node] = list(beam.beam_pipeline_args)
    return found


def test_beam_options_reach_every_beam_component(tmp_path):
    config = build_config(output=tmp_path / "out", **{"beam.args": tuple(BEAM)})
    found = beam_args_by_node(config, tmp_path)
    assert {"CsvExampleGen", "StatisticsGen", "Transform", "Evaluator"} <= set(found)
    for node, args in found.items():
        assert args == BEAM, node


def test_without_options_beam_runs_in_memory(tmp_path):
    found = beam_args_by_node(build_config(output=tmp_path / "out"), tmp_path)
    assert found and all(args == [] for args in found.values())


@pytest.mark.parametrize("bad", ["runner=Flink", "-x", "--", "-- spaced"])
def test_a_beam_option_must_look_like_one(bad):
    with pytest.raises(ConfigError, match="is not a Beam option"):
        build_config(**{"beam.args": (bad,)})


def test_a_large_table_runs_beam_on_a_pool_of_one_process_per_core(tmp_path):
    """From POOL_FROM_ROWS rows up (where bench-scale --runners found the pool faster), every
    Beam component runs on one worker process per core; options given win over the choice."""
    from components.tuner.workers import available_cores
    from pipeline.runners import local_run

    rows = local_run.POOL_FROM_ROWS
    data = tmp_path / "large.csv"
    with data.open("w") as handle:
        handle.write("x,z,y\n")
        handle.writelines(f"{i % 97},{i % 13},{'ab'[i % 2]}\n" for i in range(rows))
    cores = available_cores()
    pool = ["--direct_running_mode=multi_processing", f"--direct_num_workers={cores}"]
    config = build_config(data=data, label="y", output=tmp_path / "out")
    found = beam_args_by_node(config, tmp_path)
    assert {"CsvExampleGen", "StatisticsGen", "Transform", "Evaluator"} <= set(found)
    in_memory = ["--direct_running_mode=in_memory"] if cores > 1 else []
    assert found.pop("CsvExampleGen") == (pool + in_memory if cores > 1 else [])  # one file
    assert all(args == (pool if cores > 1 else []) for args in found.values()), found
    given = build_config(
        data=data,
        label="y",
        output=tmp_path / "out",
        **{"beam.args": ("--direct_running_mode=in_memory",)},
    )
    assert all(
        args == ["--direct_running_mode=in_memory"]
        for args in beam_args_by_node(given, tmp_path).values()
    )


def test_the_reserve_after_the_search_follows_the_runner(tmp_path):
    """What follows the search is reserved at the pool's rate a row where the Beam stages run
    on the pool (chosen for the size or given), at the in-memory runner's otherwise."""
    from pipeline.runners import local_run

    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(200)))

    def reserve(*beam: str) -> float:
        config = build_config(data=data, label="y", output=tmp_path / "out",
                              time_budget_s=600, **{"beam.args": beam})  # fmt: skip
        profile = layout.profile_data(config)
        return local_run.run_deadline(config, profile).reserve_s - local_run.AFTER_SEARCH_S

    assert reserve() == pytest.approx(200 * local_run.AFTER_SEARCH_S_PER_ROW)
    assert reserve(*BEAM) == pytest.approx(200 * local_run.AFTER_SEARCH_S_PER_ROW_ON_POOL)
    assert reserve("--direct_running_mode=in_memory") == reserve()
