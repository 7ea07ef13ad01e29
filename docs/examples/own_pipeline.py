"""AutoMLTuner in a TFX pipeline of your own: TFX's standard ExampleGen, StatisticsGen,
SchemaGen, Transform and Trainer around our search, run by TFX's LocalDagRunner.

The Tuner stands where TFX's Tuner would: it reads Transform's output and hands the Trainer
``best_hyperparameters``. Two things of ours come with it: the Transform's preprocessing_fn
(the Tuner and the Trainer read the features and the label as it writes them) and the
Trainer's run_fn (it trains, and ensembles, what the search selected).

    python docs/examples/own_pipeline.py --data penguins.csv --label species --root runs/own

tests/e2e/test_own_pipeline.py runs this file as it is.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from tfx import v1 as tfx
from tfx.proto import trainer_pb2

from components.tuner.component import AutoMLTuner
from pipeline.definition.config import TrainerConfig, TunerConfig

PREPROCESSING_FN = "components.transform.preprocessing.preprocessing_fn"
RUN_FN = "components.trainer.run_fn.run_fn"


def create_pipeline(data_dir: str, label: str, task: str, root: Path, trials: int):
    example_gen = tfx.components.CsvExampleGen(input_base=data_dir)  # train 2 : eval 1
    statistics = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema = tfx.components.SchemaGen(statistics=statistics.outputs["statistics"])
    transform = tfx.components.Transform(
        examples=example_gen.outputs["examples"],
        schema=schema.outputs["schema"],
        preprocessing_fn=PREPROCESSING_FN,
        custom_config={"label": label, "task": task, "categorical_features": []},
    )
    tuner = AutoMLTuner(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema.outputs["schema"],
        # Every setting of the config's tuner section (docs/search.md), here two trials.
        settings=TunerConfig(max_trials=trials).model_dump(mode="json"),
        task=task,
    )
    trainer = tfx.components.Trainer(
        run_fn=RUN_FN,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema.outputs["schema"],
        hyperparameters=tuner.outputs["best_hyperparameters"],
        train_args=trainer_pb2.TrainArgs(),
        eval_args=trainer_pb2.EvalArgs(),
        custom_config={"label": label, "task": task, "seed": 42,
                       **TrainerConfig().model_dump(mode="json")},
    )  # fmt: skip
    return tfx.dsl.Pipeline(
        pipeline_name="own-pipeline",
        pipeline_root=str(root / "pipeline_root"),
        components=[example_gen, statistics, schema, transform, tuner, trainer],
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            str(root / "metadata.sqlite")
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="A CSV file.")
    parser.add_argument("--label", required=True)
    parser.add_argument("--task", default="classification", help="or regression")
    parser.add_argument("--root", required=True, help="Where the run's files go.")
    parser.add_argument("--trials", type=int, default=2)
    args = parser.parse_args()
    root = Path(args.root)
    data_dir = root / "data"  # ExampleGen reads a folder
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(args.data, data_dir / "data.csv")
    pipeline = create_pipeline(str(data_dir), args.label, args.task, root, args.trials)
    tfx.orchestration.LocalDagRunner().run(pipeline)


if __name__ == "__main__":
    main()
