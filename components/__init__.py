"""Code that runs inside the pipeline's components (locally or in the KFP container).

TensorFlow Transform only works with Keras 2 (the tf_keras package) and flips TF_USE_LEGACY_KERAS
on import if it is unset, so what `tf.keras` means would depend on import order. We choose Keras 2
once, here, before anything imports TensorFlow, and our own code imports `tf_keras` by name.
Here too, before anything imports TFX, ``tfx.components`` is set up to skip its package
``__init__`` until a name of it is used (components.lazy_tfx).
"""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"

from components import lazy_tfx  # noqa: E402  (after the Keras choice: TFX imports TensorFlow)

lazy_tfx.install()


def __getattr__(name: str) -> object:
    """``components.TuningStudy``, ``components.DataCheckReport``, ``components.DataGateReport``
    and ``components.GuardrailsReport`` are the artifact types' KFP names; imported only when
    asked."""
    if name == "TuningStudy":
        from components.tuner.component import TuningStudy

        return TuningStudy
    if name == "DataGateReport":
        from components.data_gate.component import DataGateReport

        return DataGateReport
    if name == "DataCheckReport":
        from components.data_check.component import DataCheckReport

        return DataCheckReport
    if name == "GuardrailsReport":
        from components.guardrails.component import GuardrailsReport

        return GuardrailsReport
    raise AttributeError(f"module 'components' has no attribute '{name}'")
