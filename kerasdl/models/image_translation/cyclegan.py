"""CycleGAN's generator: Johnson et al.'s residual network with reflection padding and instance norm."""

import keras
from keras import layers

from kerasdl.layers import CropToReference, PadToMultiple
from kerasdl.models.arguments import check_int_at_least, check_positive_int
from kerasdl.models.image_translation.pix2pix import (
    check_input_shape,
    check_mirror_padding,
    normal_init,
    tanh_image,
    to_tanh_range,
)
from kerasdl.registry import register_model


@keras.saving.register_keras_serializable(package="kerasdl")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads the height and width of ``(b, h, w, c)`` maps by mirroring, the edge pixel not repeated.

    Each side must be longer than ``padding``.

    Args:
        padding: pixels added on every side, a positive int.

    Example:
        >>> ReflectionPadding2D(3)(keras.ops.ones((1, 8, 5, 2))).shape
        TensorShape([1, 14, 11, 2])
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("padding", padding)
        self.padding = padding

    def call(self, inputs):
        p = self.padding
        return keras.ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        p = 2 * self.padding
        return (b, None if h is None else h + p, None if w is None else w + p, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _conv_norm(x, filters, kernel, *, strides=1, relu=True, name):
    """Reflection-padded (7x7 and 3x3 stride 1) or zero-padded (stride 2) convolution, instance norm, ReLU."""
    if strides == 1 and kernel > 1:
        x = ReflectionPadding2D(kernel // 2, name=f"{name}_pad")(x)
    x = layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding="valid" if strides == 1 else "same",
        use_bias=False,
        kernel_initializer=normal_init(),
        name=f"{name}_conv",
    )(x)
    x = layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_in")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def residual_block(x, *, filters, name):
    """``R256``: two reflection-padded 3x3 convolutions with instance norm, added to the input."""
    y = _conv_norm(x, filters, 3, name=f"{name}_a")
    y = _conv_norm(y, filters, 3, relu=False, name=f"{name}_b")
    return layers.Add(name=f"{name}_add")([x, y])


@register_model(family="image_translation")
def cyclegan_generator(
    *,
    input_shape=(None, None, 3),
    output_channels=3,
    filters=64,
    num_blocks=9,
    downsamplings=2,
    name="cyclegan_generator",
):
    """CycleGAN's generator: two stride-2 convolutions, residual blocks, two transposed convolutions.

    Follows "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
    Networks" (Zhu, Park, Isola and Efros, 2017, appendix 7.2), after Johnson et al. (2016):
    ``c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3`` for 256x256 images (6 blocks for
    128x128). ``c7s1-k`` is a reflection-padded 7x7 convolution-InstanceNorm-ReLU, ``dk`` a
    3x3 stride-2 convolution-InstanceNorm-ReLU, ``Rk`` a residual block of two reflection-
    padded 3x3 convolutions, ``uk`` a 3x3 stride-1/2 transposed convolution-InstanceNorm-ReLU;
    the last layer ends in tanh. Instance normalisation is
    ``GroupNormalization(groups=-1)``. Images of any size run: they are padded (mirrored) to
    a multiple of ``2**downsamplings`` inside the model and the output cropped back; the
    residual blocks' reflection padding needs at least 2x2 maps, so sides of at least
    ``2**downsamplings + 1`` (and 4).

    Args:
        input_shape: ``(height, width, channels)`` of the source domain; sides may be ``None``.
        output_channels: channels of the target domain.
        filters: the first layer's width (the paper: 64); each downsampling doubles it.
        num_blocks: residual blocks (the paper: 9 at 256x256, 6 at 128x128).
        downsamplings: stride-2 convolutions down, and transposed ones up (the paper: 2).
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` images in [0, 1] to
        ``(h, w, output_channels)`` images in [0, 1].

    Example:
        >>> model = cyclegan_generator(filters=4, num_blocks=1)
        >>> model(keras.ops.zeros((1, 18, 21, 3))).shape
        TensorShape([1, 18, 21, 3])
    """
    shape = check_input_shape(input_shape)
    check_positive_int("output_channels", output_channels)
    check_positive_int("filters", filters)
    check_int_at_least("num_blocks", num_blocks, 0)
    check_int_at_least("downsamplings", downsamplings, 0)
    check_mirror_padding(shape, 2**downsamplings)
    multiple = 2**downsamplings
    smallest = max(4, 2 * multiple) - multiple + 1  # reflection padding needs 4 pixels, then 2 at the bottom
    if any(side is not None and side < smallest for side in shape[:2]):
        raise ValueError(
            f"input_shape sides must be at least {smallest} with downsamplings={downsamplings}; "
            f"Received: input_shape={shape!r}"
        )

    image = keras.Input(shape, name="image")
    x = to_tanh_range(PadToMultiple(2**downsamplings, name="pad")(image))
    x = _conv_norm(x, filters, 7, name="stem")
    for i in range(1, downsamplings + 1):
        x = _conv_norm(x, filters * 2**i, 3, strides=2, name=f"down{i}")
    for i in range(1, num_blocks + 1):
        x = residual_block(x, filters=filters * 2**downsamplings, name=f"block{i}")
    for i in range(1, downsamplings + 1):
        x = layers.Conv2DTranspose(
            filters * 2 ** (downsamplings - i),
            3,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=normal_init(),
            name=f"up{i}_deconv",
        )(x)
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"up{i}_in")(x)
        x = layers.ReLU(name=f"up{i}_relu")(x)
    x = ReflectionPadding2D(3, name="output_pad")(x)
    x = layers.Conv2D(output_channels, 7, kernel_initializer=normal_init(), name="output_conv")(x)
    x = CropToReference(name="crop")([x, image])
    return keras.Model(image, tanh_image(x), name=name)
