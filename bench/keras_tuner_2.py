"""KerasTuner bound to Keras 2 (tf_keras), the Keras that TFX 1.16 models use.

KerasTuner 1.4 switches to Keras 3 whenever ``import keras`` finds Keras 3, and then rejects
Keras 2 models. Its single-backend mode (``tf.keras``, which TF_USE_LEGACY_KERAS makes
tf_keras) is the one TFX's own Tuner relies on, so KerasTuner is imported once while
``keras`` names tf_keras, before anything imports ``tfx.components`` (whose Tuner imports
KerasTuner).
"""

from __future__ import annotations

import sys
from typing import Any

import components  # noqa: F401  (Keras 2 before TensorFlow)
import tf_keras


def import_keras_tuner() -> Any:
    if "keras_tuner" in sys.modules:
        import keras_tuner

        if keras_tuner.src.backend.config.multi_backend():
            raise RuntimeError("keras_tuner was imported for Keras 3 before the benchmark")
        return keras_tuner
    keras_3 = sys.modules.get("keras")
    sys.modules["keras"] = tf_keras
    try:
        import keras_tuner
    finally:
        if keras_3 is not None:
            sys.modules["keras"] = keras_3
        else:
            del sys.modules["keras"]
    return keras_tuner


kt = import_keras_tuner()
