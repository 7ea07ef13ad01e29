"""``tfx.components`` imported without its package ``__init__``, which it runs only when asked.

Importing any TFX component module (``tfx.components.trainer.fn_args_utils``, or the
latest-blessed-model strategy that TFX's own input resolution imports on every run) first
runs ``tfx/components/__init__.py``, and that imports every component TFX ships: the bulk
inferrer, the infra validator with the Kubernetes client, the example differ, TFX's Tuner with
KerasTuner. On 2 cores that is 2-5 s of every `automl run`'s start and of every KFP task's,
for components no pipeline of ours uses. The package's modules are imported as usual; only
its top-level names (``tfx.components.Trainer``) wait for the first use, which then runs the
real ``__init__`` once (PEP 562's module ``__getattr__``), so code that uses them still works.
"""

from __future__ import annotations

import importlib.util
import sys

PACKAGE = "tfx.components"


def install() -> None:
    """Registers the package without running its ``__init__`` (nothing if already imported)."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not TFX as we know it: import it the usual way
    module = importlib.util.module_from_spec(spec)
    loaded = False

    def __getattr__(name: str) -> object:
        nonlocal loaded
        if loaded or name.startswith("__"):
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
        loaded = True
        spec.loader.exec_module(module)  # the real __init__: binds BulkInferrer, Trainer, ...
        return getattr(module, name)

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[PACKAGE] = module
    parent = importlib.import_module("tfx")
    parent.components = module  # type: ignore[attr-defined]
