"""U-Net: an encoder-decoder with skip connections, for segmentation and image restoration.

The builder takes keras.applications' vocabulary where it applies (``weights, input_tensor,
input_shape, classes, ... name``); ``classes`` is the number of output maps: classes for
segmentation, image channels for denoising. The model runs on any image size: the input
is padded (mirrored) to a multiple of ``2**depth`` inside the model and the output cropped
back, with layers that XLA, SavedModel and LiteRT all handle.
"""

import os

import keras
from keras import layers

from kerasdl.layers import CropToReference, PadToMultiple
from kerasdl.models.arguments import check_int_at_least, load_weights_file
from kerasdl.models.inputs import image_input, model_inputs
from kerasdl.registry import register_model


def conv_block(x, *, filters, convs=2, batch_norm=False, name):
    """``convs`` times: 3x3 convolution, optional batch norm, ReLU (U-Net's double convolution)."""
    for i in range(convs):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm, name=f"{name}_conv{i + 1}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"{name}_bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"{name}_relu{i + 1}")(x)
    return x


@register_model(family="segmentation")
def unet(
    *,
    weights=None,
    input_tensor=None,
    input_shape=None,
    classes=1,
    output_activation=None,
    depth=4,
    filters=64,
    convs_per_level=2,
    batch_norm=False,
    residual=False,
    zero_init_output=False,
    name="unet",
):
    """U-Net: a contracting path, an expanding path and skip connections between them.

    Follows "U-Net: Convolutional Networks for Biomedical Image Segmentation" (Ronneberger,
    Fischer and Brox, 2015): per level two 3x3 convolutions with ReLU, 2x2 max pooling
    down, 2x2 transposed convolution up, the encoder's maps concatenated in, the width
    doubling at every level (64 to 1024 with the defaults), and a 1x1 convolution to the
    outputs. Convolutions are ``"same"``-padded (the paper's are unpadded and crop the
    skips), so the output has the input's size. ``residual=True`` adds the input to the
    output (the network learns a correction, as denoisers do; the paper has none).

    Args:
        weights: ``None`` or the path to a weights file saved from this architecture.
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``; defaults to ``(None, None, 1)``.
        classes: output maps: classes for segmentation, image channels for restoration.
        output_activation: activation of the last layer (``"softmax"``, ``"sigmoid"``, ``None``).
        depth: number of 2x downsamplings (the paper: 4).
        filters: width of the first level; level ``i`` has ``filters * 2**i``.
        convs_per_level: 3x3 convolutions per level and side (the paper: 2).
        batch_norm: batch normalisation after every convolution (not in the paper).
        residual: add the input to the output; needs ``classes`` equal to the input channels.
        zero_init_output: start the last convolution at zero, so with ``residual`` the
            untrained model is the identity.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` to ``(h, w, classes)``, any ``h`` and ``w``.

    Example:
        >>> segmenter = unet(input_shape=(None, None, 3), classes=5, output_activation="softmax")
        >>> denoiser = unet(classes=1, depth=3, filters=32, residual=True)
    """
    if not (weights is None or (isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights))):
        raise ValueError(f"weights must be None or the path to an existing weights file; Received: weights={weights!r}")
    check_int_at_least("classes", classes, 1)
    check_int_at_least("depth", depth, 0)
    check_int_at_least("filters", filters, 1)
    check_int_at_least("convs_per_level", convs_per_level, 1)
    image = image_input(input_tensor=input_tensor, input_shape=input_shape, default_shape=(None, None, 1), name="image")
    if residual and image.shape[-1] != classes:
        raise ValueError(
            f"residual=True adds the input to the output, so classes must equal the input channels ({image.shape[-1]});"
            f" Received: classes={classes!r}"
        )
    x = PadToMultiple(2**depth, name="pad")(image) if depth else image
    skips = []
    for level in range(depth):
        x = conv_block(
            x, filters=filters * 2**level, convs=convs_per_level, batch_norm=batch_norm, name=f"down{level + 1}"
        )
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"down{level + 1}_pool")(x)
    x = conv_block(x, filters=filters * 2**depth, convs=convs_per_level, batch_norm=batch_norm, name="bottleneck")
    for level in reversed(range(depth)):
        width = filters * 2**level
        x = layers.Conv2DTranspose(width, 2, strides=2, name=f"up{level + 1}_upconv")(x)
        x = layers.Concatenate(name=f"up{level + 1}_concat")([skips[level], x])
        x = conv_block(x, filters=width, convs=convs_per_level, batch_norm=batch_norm, name=f"up{level + 1}")
    init = "zeros" if zero_init_output else "glorot_uniform"
    x = layers.Conv2D(classes, 1, kernel_initializer=init, name="output_conv")(x)
    if depth:
        x = CropToReference(name="crop")([x, image])
    if residual:
        x = layers.Add(name="residual_add")([image, x])
    # float32 output so mixed-precision training keeps the loss and the outputs exact.
    x = layers.Activation(output_activation, dtype="float32", name="predictions")(x)
    model = keras.Model(model_inputs(image), x, name=name)
    if weights is not None:
        load_weights_file(model, weights)
    return model
