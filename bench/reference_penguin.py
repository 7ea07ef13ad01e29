"""TFX's own penguin pipeline from the tfx wheel (tfx/examples/penguin), run as the reference.

The wheel ships the pipeline and its module file but not the processed CSV, so we rebuild that
CSV from the palmerpenguins package the way TFX's example data was made (rows with missing
measurements dropped, species as 0/1/2, measurements min-max scaled). Everything else is the
example's own ``create_pipeline`` with tuning on and its default DirectRunner arguments.

Usage: python bench/reference_penguin.py WORKDIR [--in-memory]

--in-memory replaces the example's Beam arguments (multi-processing DirectRunner, one worker per
core) with none at all, i.e. Beam's in-memory runner, which is what `automl run` uses: the
fairest comparison of the pipelines themselves.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

COLUMNS = {
    "bill_length_mm": "culmen_length_mm",
    "bill_depth_mm": "culmen_depth_mm",
    "flipper_length_mm": "flipper_length_mm",
    "body_mass_g": "body_mass_g",
}


def write_processed_csv(target: Path) -> None:
    import palmerpenguins

    source = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    with source.open() as handle:
        rows = [r for r in csv.DictReader(handle) if all(r[c] != "NA" for c in COLUMNS)]
    species = sorted({r["species"] for r in rows})
    lo = {c: min(float(r[c]) for r in rows) for c in COLUMNS}
    hi = {c: max(float(r[c]) for r in rows) for c in COLUMNS}
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["species", *COLUMNS.values()])
        for r in rows:
            writer.writerow(
                [species.index(r["species"])]
                + [round((float(r[c]) - lo[c]) / (hi[c] - lo[c]), 6) for c in COLUMNS]
            )


def main(workdir: Path, in_memory: bool) -> None:
    from tfx import v1 as tfx
    from tfx.examples.penguin import penguin_pipeline_local as reference

    data_root = workdir / "data"
    write_processed_csv(data_root / "labelled" / "penguins_processed.csv")
    module_file = os.path.join(os.path.dirname(reference.__file__), "penguin_utils_keras.py")
    pipeline = reference.create_pipeline(
        pipeline_name="penguin_local_keras",
        pipeline_root=str(workdir / "pipeline_root"),
        data_root=str(data_root),
        module_file=module_file,
        accuracy_threshold=0.6,
        serving_model_dir=str(workdir / "serving_model"),
        metadata_path=str(workdir / "metadata.db"),
        user_provided_schema_path=None,
        enable_tuning=True,
        enable_bulk_inferrer=False,
        enable_example_diff=False,
        examplegen_input_config=None,
        examplegen_range_config_date=None,
        resolver_range_config=None,
        beam_pipeline_args=[]
        if in_memory
        else ["--direct_running_mode=multi_processing", "--direct_num_workers=0"],
        enable_transform_input_cache=True,
    )
    tfx.orchestration.LocalDagRunner().run(pipeline)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), in_memory="--in-memory" in sys.argv[2:])
