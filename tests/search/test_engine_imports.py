"""The engine's promise: importing any module of search/ imports no TensorFlow, Keras,
KerasTuner or TFX, so a strategy, scheduler or store can be used (and its contract suites run)
without them, and a trial supervisor does not pay their import time or memory."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import search

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (
    "tensorflow", "keras", "tf_keras", "keras_tuner", "tfx", "tensorflow_decision_forests",
    "tensorflow_transform", "tensorflow_model_analysis", "tensorflow_data_validation", "ydf",
)  # fmt: skip

PROBE = """
import importlib, json, pkgutil, sys
import search
names = ["search"] + [m.name for m in pkgutil.walk_packages(search.__path__, "search.")
                      if not m.name.startswith("search.store_migrations")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def engine_modules() -> list[str]:
    """Every module but the Alembic migration scripts, which only Alembic runs (they import
    its ``op`` and ``context``, set up only inside a migration)."""
    modules = pkgutil.walk_packages(search.__path__, "search.")
    return [m.name for m in modules if not m.name.startswith("search.store_migrations")]


def test_every_engine_module_imports_without_tensorflow_keras_or_tfx():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(found["imported"]) >= set(engine_modules()) and len(found["imported"]) > 20
    assert not set(FORBIDDEN) & set(found["loaded"]), set(FORBIDDEN) & set(found["loaded"])
