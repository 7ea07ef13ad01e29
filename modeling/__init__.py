"""The model code: search spaces (spaces/), the families that build, train and save models
(model/), and the naming contract with Transform's output (features.py). TFX components use
it; it holds no component of its own.

TensorFlow Transform only works with Keras 2 (the tf_keras package) and flips TF_USE_LEGACY_KERAS
on import if it is unset, so what `tf.keras` means would depend on import order. We choose Keras 2
once, here, before anything imports TensorFlow, and our own code imports `tf_keras` by name.
``components`` imports this package first for the same reason.
"""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
