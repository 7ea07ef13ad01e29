"""``tfx.components``' package __init__ (every TFX component, the Kubernetes client and
KerasTuner among them) runs only when one of its top-level names is used
(components/common/lazy_tfx.py); its modules import as usual. A fresh interpreter each: what was
imported is the point."""

import subprocess
import sys

SKIPPED = ("tfx.components.infra_validator", "tfx.components.bulk_inferrer", "kubernetes")


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_component_module_imports_without_the_components_it_does_not_need():
    loaded = _run(
        "import sys, components\n"
        "from tfx.components.trainer import fn_args_utils\n"
        "from tfx.orchestration.portable import inputs_utils\n"  # TFX's input resolution
        f"print(sorted(m for m in {SKIPPED!r} if m in sys.modules))"
    )
    assert loaded == "[]"


def test_the_package_names_still_resolve_once_used():
    names = _run(
        "import components\n"
        "import tfx.components as tc\n"
        "from tfx.components import Evaluator\n"
        "from tfx.components.evaluator.component import Evaluator as Direct\n"
        "print(Evaluator is Direct, tc.InfraValidator.__name__, hasattr(tc, 'NoSuchThing'))"
    )
    assert names == "True InfraValidator False"
