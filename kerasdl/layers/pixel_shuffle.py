"""Sub-pixel convolution's rearrangement (Shi et al., 2016): depth to space, its inverse, and its initializer."""

import keras

from kerasdl.layers.upscaling import IntegerUpscaling, check_scale


@keras.saving.register_keras_serializable(package="kerasdl")
class PixelShuffle(IntegerUpscaling):
    """Rearranges ``scale**2 * C`` channels into a ``scale``-times larger ``C``-channel image.

    The efficient sub-pixel layer of ESPCN ("Real-Time Single Image and Video
    Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network", Shi et al.,
    2016), as ``tf.nn.depth_to_space``. A layer rather than a ``Lambda`` so `.keras` files
    load with ``safe_mode=True``, XLA compiles it and LiteRT maps it to ``DEPTH_TO_SPACE``.

    Args:
        scale: integer upscaling factor, at least 2.

    Example:
        >>> y = PixelShuffle(3)(keras.ops.zeros((1, 8, 8, 9)))  # (1, 24, 24, 1)
    """

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is not None and channels % (self.scale**2):
            raise ValueError(
                f"PixelShuffle({self.scale}) needs channels divisible by {self.scale**2}; "
                f"Received: input_shape={input_shape}"
            )

    def call(self, inputs):
        return keras.ops.depth_to_space(inputs, self.scale, data_format="channels_last")

    def output_channels(self, channels):
        return channels // (self.scale * self.scale)


@keras.saving.register_keras_serializable(package="kerasdl")
class PixelUnshuffle(keras.layers.Layer):
    """Space to depth: ``(b, h, w, c)`` to ``(b, h/r, w/r, r*r*c)``, the inverse of pixel shuffle.

    FFDNet's reversible downsampling ("FFDNet: Toward a Fast and Flexible Solution for
    CNN-Based Image Denoising", Zhang, Zuo and Zhang, 2018): the network runs on ``r*r``
    sub-images at ``1/r`` of the resolution, so each convolution costs ``r*r`` times less
    and sees ``r`` times farther. LiteRT's ``SPACE_TO_DEPTH``. Sides must be multiples of
    ``r`` (see :class:`~kerasdl.layers.PadToMultiple`).

    Args:
        scale: the downsampling factor, an int >= 2.

    Example:
        >>> PixelUnshuffle(2)(keras.ops.zeros((1, 8, 8, 1))).shape  # (1, 4, 4, 4)
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        check_scale(scale)
        self.scale = scale

    def call(self, inputs):
        return keras.ops.space_to_depth(inputs, self.scale, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        s = self.scale
        return (b, None if h is None else h // s, None if w is None else w // s, None if c is None else c * s * s)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="kerasdl")
class ICNR(keras.initializers.Initializer):
    """Initializes the convolution before a ``PixelShuffle(scale)`` free of checkerboard artifacts.

    "Checkerboard artifact free sub-pixel convolution" (Aitken et al., 2017): each group of
    ``scale**2`` output channels that the shuffle spreads over one ``scale x scale`` block
    starts with the same kernel, so at initialisation the convolution and the shuffle are a
    convolution then nearest-neighbour upsampling. Randomly initialised sub-kernels start
    each block's pixels apart, a periodic pattern that training on MSE does not fully remove
    and that an adversarial loss amplifies.

    Args:
        scale: the ``PixelShuffle`` factor that follows, an int >= 2.
        initializer: the initializer of the shared kernel (default: Keras' ``glorot_uniform``,
            ``Conv2D``'s own).

    Example:
        >>> conv = keras.layers.Conv2D(4 * 8, 3, padding="same", kernel_initializer=ICNR(2))
    """

    def __init__(self, scale, initializer="glorot_uniform"):
        check_scale(scale)
        self.scale = scale
        self.initializer = keras.initializers.get(initializer)

    def __call__(self, shape, dtype=None):
        *kernel, channels = shape
        blocks = self.scale**2
        if channels % blocks:
            raise ValueError(f"ICNR({self.scale}) needs output channels divisible by {blocks}; Received: shape={shape}")
        shared = self.initializer((*kernel, channels // blocks), dtype=dtype)
        # depth_to_space reads channel (i * scale + j) * C + c for block position (i, j)
        return keras.ops.tile(shared, [1] * len(kernel) + [blocks])

    def get_config(self):
        return {"scale": self.scale, "initializer": keras.initializers.serialize(self.initializer)}
