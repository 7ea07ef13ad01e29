"""Model building, training and export, on Keras 2 (tf_keras).

TensorFlow's autograph leaves the `keras` package alone but not `tf_keras`: without the rule
below, the first `fit` of every process spends ~30 s (measured on 2 cores) transpiling
tf_keras' own training loop, which is already graph-safe. Registering tf_keras as
"do not convert" is what TensorFlow does for `keras` itself.
"""

from tensorflow.python.autograph.core import config as _autograph

if not any(
    rule.matches("tf_keras")
    for rule in _autograph.CONVERSION_RULES
    if isinstance(rule, _autograph.DoNotConvert)
):
    _autograph.CONVERSION_RULES = (
        _autograph.DoNotConvert("tf_keras"),
        *_autograph.CONVERSION_RULES,
    )
