"""Between one row per image and one row per caption, for training on all references at once."""

import keras


@keras.saving.register_keras_serializable(package="kerasdl")
class CaptionGroups(keras.layers.Layer):
    """Between one row per image and one row per caption.

    ``mode="split"``: ``(features (b, n, c), ids (b, r, length))`` to ``(features repeated to
    (b*r, n, c), ids (b*r, length))``. ``mode="merge"``: logits ``(b*r, length, v)`` to
    ``(b, r, length, v)``, its padding mask reshaped alike.
    """

    def __init__(self, captions_per_image, mode, **kwargs):
        super().__init__(**kwargs)
        self.captions_per_image, self.mode = int(captions_per_image), mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        r = self.captions_per_image
        if self.mode == "split":
            features, ids = inputs
            return keras.ops.repeat(features, r, axis=0), keras.ops.reshape(ids, (-1, keras.ops.shape(ids)[-1]))
        shape = keras.ops.shape(inputs)
        return keras.ops.reshape(inputs, (-1, r, shape[1], shape[2]))

    def compute_mask(self, inputs, mask=None):
        if self.mode == "split" or mask is None:
            return None
        return keras.ops.reshape(mask, (-1, self.captions_per_image, keras.ops.shape(mask)[1]))

    def compute_output_shape(self, input_shape):
        r = self.captions_per_image
        if self.mode == "split":
            (b, n, c), (_, _, length) = input_shape
            return (None if b is None else b * r, n, c), (None if b is None else b * r, length)
        b, length, v = input_shape
        return (None if b is None else b // r, r, length, v)

    def get_config(self):
        return {**super().get_config(), "captions_per_image": self.captions_per_image, "mode": self.mode}
