"""Pad images to a multiple of a size inside a model, and crop back: fully convolutional
networks that downsample (U-Net, pixel-unshuffled DnCNN) take any image size this way."""

import keras

PAD_MODES = ("reflect", "symmetric", "constant")


@keras.saving.register_keras_serializable(package="kerasdl")
class PadToMultiple(keras.layers.Layer):
    """Pads the bottom and right of ``(b, h, w, c)`` images so ``h`` and ``w`` are multiples.

    Networks that downsample ``n`` times by 2 need sides divisible by ``2**n``; padding
    inside the model (and :class:`CropToReference` at the end) lets them take any size.
    ``"symmetric"`` mirrors the edge pixels themselves, so it pads up to the image side
    (``"reflect"`` one less); both are LiteRT's ``MIRROR_PAD``.

    Args:
        multiple: the sides become multiples of this positive int.
        mode: ``"symmetric"``, ``"reflect"`` or ``"constant"`` (zeros).

    Example:
        >>> PadToMultiple(8)(keras.ops.ones((1, 13, 16, 3))).shape  # (1, 16, 16, 3)
    """

    def __init__(self, multiple, mode="symmetric", **kwargs):
        super().__init__(**kwargs)
        if isinstance(multiple, bool) or not isinstance(multiple, int) or multiple < 1:
            raise ValueError(f"multiple must be a positive int; Received: multiple={multiple!r}")
        if mode not in PAD_MODES:
            raise ValueError(f"mode must be one of {PAD_MODES}; Received: mode={mode!r}")
        self.multiple, self.mode = multiple, mode

    def call(self, inputs):
        if self.multiple == 1:
            return inputs
        shape = keras.ops.shape(inputs)
        m = self.multiple
        pad_h, pad_w = (m - shape[1] % m) % m, (m - shape[2] % m) % m
        padded = keras.ops.pad(inputs, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode=self.mode)
        # Padding by computed amounts loses the static channel count in TensorFlow's graph,
        # which LiteRT's convolutions need: state it again.
        return keras.ops.reshape(padded, (-1, shape[1] + pad_h, shape[2] + pad_w, inputs.shape[-1]))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        m = self.multiple
        return (b, None if h is None else -(-h // m) * m, None if w is None else -(-w // m) * m, c)

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple, "mode": self.mode}


@keras.saving.register_keras_serializable(package="kerasdl")
class CropToReference(keras.layers.Layer):
    """Crops ``x`` to the height and width of ``reference``, keeping the top-left corner.

    Called as ``CropToReference()([x, reference])``; undoes :class:`PadToMultiple`.

    Example:
        >>> CropToReference()([keras.ops.ones((1, 16, 16, 2)), keras.ops.ones((1, 13, 15, 3))]).shape
        (1, 13, 15, 2)
    """

    def call(self, inputs):
        x, reference = inputs
        shape = keras.ops.shape(reference)
        return x[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, input_shape):
        x_shape, ref_shape = input_shape
        return (x_shape[0], ref_shape[1], ref_shape[2], x_shape[3])


def minimum_side(model) -> int:
    """The smallest image side ``model`` takes, given its :class:`PadToMultiple` layers.

    Mirror padding cannot add more pixels than the image has: ``"symmetric"`` to a multiple
    ``m`` needs a side of ``m / 2`` (``"reflect"`` one more); zeros need none. A U-Net of
    depth ``d`` pads to ``2**d``.
    """
    sides = [1]
    for layer in model.layers:
        if isinstance(layer, PadToMultiple) and layer.multiple > 1 and layer.mode != "constant":
            sides.append(-(-(layer.multiple + (layer.mode == "reflect")) // 2))
    return max(sides)
