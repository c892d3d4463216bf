"""Token accuracy over real (non-padding) target tokens, in ``keras.ops`` (any backend)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasdl")
class MaskedAccuracy(keras.metrics.Mean):
    """Share of real (non-padding) target tokens predicted exactly, over all tokens seen."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # The padding mask comes from the labels; Keras' output mask (same positions) is not needed.
        y_true = ops.cast(y_true, "int32")
        hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
        return super().update_state(hit, sample_weight=ops.cast(ops.not_equal(y_true, 0), "float32"))
