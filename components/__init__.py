"""The pipeline's TFX components (locally or in the KFP container); the model code they
train is the ``modeling`` package.

``modeling`` is imported first: it chooses Keras 2 before anything imports TensorFlow.
Then, before anything imports TFX, ``tfx.components`` is set up to skip its package
``__init__`` until a name of it is used (components.common.lazy_tfx).
"""

import modeling  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from components.common import lazy_tfx  # after the Keras choice: TFX imports TensorFlow

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
