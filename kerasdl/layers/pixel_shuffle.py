"""Sub-pixel convolution's rearrangement (Shi et al., 2016): depth to space."""

import keras

from kerasdl.layers.upscaling import IntegerUpscaling


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
