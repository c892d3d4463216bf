"""The feed-forward image transformation network of Johnson, Alahi & Fei-Fei (2016).

Follows "Perceptual Losses for Real-Time Style Transfer and Super-Resolution" (Johnson et
al., 2016, supplementary Table 1): a 9x9 convolution, two stride-2 convolutions, residual
blocks, two upsampling convolutions and a 9x9 convolution back to RGB, with instance
normalisation (Ulyanov et al. 2016) in place of batch normalisation and nearest-neighbour
upsampling before a convolution in place of transposed convolutions (Odena et al. 2016: no
checkerboard artefacts). Instance normalisation is ``GroupNormalization(groups=-1)``.
"""

import keras
from keras import layers

from kerasdl.layers.padding import CropToReference, PadToMultiple
from kerasdl.models.arguments import is_int
from kerasdl.registry import register_model


def _conv_norm(x, filters, kernel, *, strides=1, relu=True, name):
    """Convolution, instance normalisation and (optionally) ReLU."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", name=f"{name}_conv")(x)
    x = layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_in")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x) if relu else x


def residual_block(x, *, filters, name):
    """Two 3x3 convolutions with instance normalisation, added to the input (no ReLU after the sum)."""
    y = _conv_norm(x, filters, 3, name=f"{name}_a")
    y = _conv_norm(y, filters, 3, relu=False, name=f"{name}_b")
    return layers.Add(name=f"{name}_add")([x, y])


@register_model(family="style")
def fast_stylizer(*, input_shape=None, filters=32, residual_blocks=5, name="fast_stylizer"):
    """Johnson et al.'s feed-forward stylizer: one style, applied to any image in one forward pass.

    Follows "Perceptual Losses for Real-Time Style Transfer and Super-Resolution" (Johnson,
    Alahi & Fei-Fei, 2016) with instance normalisation (Ulyanov, Vedaldi & Lempitsky, 2016)
    and resize-convolutions. Images of any size are padded (mirrored) to a multiple of 4
    inside the model and cropped back, so the output has the input's size.

    Args:
        input_shape: ``(height, width, 3)``; default ``(None, None, 3)`` (any size).
        filters: width of the first convolution; the downsampled ones have 2x and 4x
            (the paper: 32).
        residual_blocks: residual blocks at a quarter of the resolution (the paper: 5).
        name: the model's name.

    Returns:
        A ``keras.Model`` from RGB images in [0, 1] to stylized RGB images in [0, 1].

    Example:
        >>> model = fast_stylizer(filters=8, residual_blocks=1)
        >>> model(keras.ops.zeros((1, 30, 42, 3))).shape
        TensorShape([1, 30, 42, 3])
    """
    if not is_int(filters):
        raise ValueError(f"filters must be a positive int; Received: filters={filters!r}")
    if not is_int(residual_blocks, 0):
        raise ValueError(f"residual_blocks must be an int >= 0; Received: residual_blocks={residual_blocks!r}")
    shape = tuple(input_shape) if input_shape is not None else (None, None, 3)
    if len(shape) != 3 or shape[-1] != 3:
        raise ValueError(f"input_shape must be (height, width, 3); Received: input_shape={input_shape!r}")
    image = keras.Input(shape, name="image")
    x = PadToMultiple(4, name="pad")(image)
    x = _conv_norm(x, filters, 9, name="down1")
    x = _conv_norm(x, 2 * filters, 3, strides=2, name="down2")
    x = _conv_norm(x, 4 * filters, 3, strides=2, name="down3")
    for i in range(residual_blocks):
        x = residual_block(x, filters=4 * filters, name=f"res{i + 1}")
    for i, width in enumerate((2 * filters, filters)):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"up{i + 1}_resize")(x)
        x = _conv_norm(x, width, 3, name=f"up{i + 1}")
    x = layers.Conv2D(3, 9, padding="same", activation="sigmoid", name="output_conv")(x)
    x = CropToReference(name="crop")([x, image])
    return keras.Model(image, x, name=name)
