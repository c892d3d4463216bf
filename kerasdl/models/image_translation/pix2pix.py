"""Pix2Pix's networks: the U-Net generator and the PatchGAN discriminator.

Both follow "Image-to-Image Translation with Conditional Adversarial Networks" (Isola, Zhu,
Zhou and Efros, 2017, appendix 6.1.1), with its notation: ``Ck`` is a 4x4
convolution-BatchNorm-ReLU layer with ``k`` filters, ``CDk`` the same with dropout 0.5;
convolutions halve or double the size (stride 2), encoder ReLUs are leaky (slope 0.2),
weights start from N(0, 0.02). Images are in [0, 1] in and out; the networks work in the
paper's [-1, 1] inside.
"""

import keras
from keras import layers

from kerasdl.layers import CropToReference, PadToMultiple
from kerasdl.models.arguments import check_choice, check_int_at_least, check_positive_int, check_rate, is_int
from kerasdl.registry import register_model

# PatchGAN receptive field -> number of stride-2 4x4 convolutions (then two stride-1 ones).
# 1 is the paper's "PixelGAN" (1x1 convolutions only); 16, 70 and 286 are the paper's
# other discriminators, 34 and 142 the depths in between.
RECEPTIVE_FIELDS = {1: 0, 16: 1, 34: 2, 70: 3, 142: 4, 286: 5}
NORMALIZATIONS = ("batch", "instance")


def normal_init():
    """N(0, 0.02), the initialisation of the DCGAN, Pix2Pix and CycleGAN papers."""
    return keras.initializers.RandomNormal(stddev=0.02)


def check_input_shape(input_shape, argument="input_shape"):
    """``(height, width, channels)``: sides ``None`` or positive ints, a positive channel count; returns a tuple."""
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 3
        or not is_int(shape[-1])
        or not all(side is None or is_int(side) for side in shape[:2])
    ):
        raise ValueError(
            f"{argument} must be (height, width, channels), sides None or positive ints; "
            f"Received: {argument}={input_shape!r}"
        )
    return shape


def check_mirror_padding(shape, multiple, argument="input_shape"):
    """Known sides must be large enough to be mirror-padded up to a multiple of ``multiple``."""
    for side in shape[:2]:
        if side is not None and (multiple - side % multiple) % multiple > side:
            raise ValueError(
                f"{argument} sides must be at least {multiple // 2} to be mirror-padded to a multiple of "
                f"{multiple}; Received: {argument}={shape!r}"
            )


def to_tanh_range(x, name="to_tanh_range"):
    """[0, 1] -> [-1, 1], the range the papers' networks work in."""
    return layers.Rescaling(2.0, offset=-1.0, name=name)(x)


def tanh_image(x, name="output_image"):
    """tanh, then [-1, 1] -> [0, 1]; both float32, so mixed precision keeps the output exact."""
    x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return layers.Rescaling(0.5, offset=0.5, dtype="float32", name=name)(x)


@register_model(family="image_translation")
def pix2pix_generator(
    *,
    input_shape=(None, None, 3),
    output_channels=3,
    filters=64,
    depth=8,
    max_filters=512,
    dropout=0.5,
    name="pix2pix_generator",
):
    """Pix2Pix's U-Net generator: 4x4 stride-2 encoder, transposed-convolution decoder, skips.

    Follows "Image-to-Image Translation with Conditional Adversarial Networks" (Isola et al.,
    2017), the U-Net of appendix 6.1.1. Encoder ``C64-C128-C256-C512-C512-C512-C512-C512``
    (widths ``filters * 2**i`` capped at ``max_filters``; leaky ReLU 0.2; no batch norm on
    the first layer, nor on the innermost, as the authors' code: batch norm of a 1x1 map is
    zero at batch size 1). Decoder ``CD512-CD1024-CD1024-C1024-C1024-C512-C256-C128``: each
    level a ReLU, a 4x4 stride-2 transposed convolution and batch norm, dropout on the first
    three levels, then the mirror encoder level concatenated; the last level maps to
    ``output_channels`` with tanh. The paper also keeps dropout on at test time as noise;
    here inference is deterministic (dropout acts in training only).

    Images of any size run: they are padded (mirrored) to a multiple of ``2**depth`` inside
    the model and the output cropped back, so a side must be at least ``2**(depth - 1)``.

    Args:
        input_shape: ``(height, width, channels)`` of the source images; sides may be ``None``.
        output_channels: channels of the generated images.
        filters: the first layer's width (the paper: 64).
        depth: stride-2 levels (the paper: 8, down to 1x1 from 256x256).
        max_filters: the widest level's width (the paper: 512).
        dropout: the dropout rate of the first three decoder levels, in [0, 1) (the paper: 0.5).
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` images in [0, 1] to
        ``(h, w, output_channels)`` images in [0, 1].

    Example:
        >>> model = pix2pix_generator(filters=4, depth=3, max_filters=8)
        >>> model(keras.ops.zeros((1, 20, 24, 3))).shape
        TensorShape([1, 20, 24, 3])
    """
    shape = check_input_shape(input_shape)
    check_positive_int("output_channels", output_channels)
    check_positive_int("filters", filters)
    check_positive_int("depth", depth)
    check_int_at_least("max_filters", max_filters, filters)
    check_rate("dropout", dropout)
    check_mirror_padding(shape, 2**depth)

    image = keras.Input(shape, name="image")
    x = to_tanh_range(PadToMultiple(2**depth, name="pad")(image))
    widths = [min(filters * 2**i, max_filters) for i in range(depth)]
    skips = []
    for level in range(1, depth + 1):
        norm = 1 < level < depth
        if level > 1:
            x = layers.LeakyReLU(0.2, name=f"down{level}_leaky_relu")(x)
        x = layers.Conv2D(
            widths[level - 1],
            4,
            strides=2,
            padding="same",
            use_bias=not norm,
            kernel_initializer=normal_init(),
            name=f"down{level}_conv",
        )(x)
        if norm:
            x = layers.BatchNormalization(name=f"down{level}_bn")(x)
        skips.append(x)
    for level in range(depth, 0, -1):
        x = layers.ReLU(name=f"up{level}_relu")(x)
        width = widths[level - 2] if level > 1 else output_channels
        x = layers.Conv2DTranspose(
            width,
            4,
            strides=2,
            padding="same",
            use_bias=level == 1,
            kernel_initializer=normal_init(),
            name=f"up{level}_deconv",
        )(x)
        if level == 1:
            break
        x = layers.BatchNormalization(name=f"up{level}_bn")(x)
        if dropout and level > depth - 3:
            x = layers.Dropout(dropout, name=f"up{level}_dropout")(x)
        x = layers.Concatenate(name=f"up{level}_concat")([x, skips[level - 2]])
    x = CropToReference(name="crop")([x, image])
    return keras.Model(image, tanh_image(x), name=name)


def _patchgan_side(side, layers_stride2):
    """The output side of a PatchGAN on ``side`` pixels (4x4 convolutions, zero padding 1)."""
    if layers_stride2 == 0:
        return side
    for _ in range(layers_stride2):
        side = (side + 2 - 4) // 2 + 1
    return side - 2  # two stride-1 4x4 convolutions, each one pixel narrower


def _normalization(kind, name):
    if kind == "batch":
        return layers.BatchNormalization(name=f"{name}_bn")
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_in")


@register_model(family="image_translation")
def patchgan_discriminator(
    *,
    input_shape=(None, None, 3),
    condition_channels=None,
    filters=64,
    receptive_field=70,
    normalization="batch",
    name="patchgan_discriminator",
):
    """PatchGAN: a convolutional discriminator that classifies every NxN patch as real or fake.

    Follows "Image-to-Image Translation with Conditional Adversarial Networks" (Isola et al.,
    2017, section 3.2.2 and appendix 6.1.2): the 70x70 discriminator is ``C64-C128-C256-C512``
    (4x4 convolutions, the first three stride 2, the fourth stride 1; leaky ReLU 0.2; no
    batch norm on ``C64``), then a stride-1 4x4 convolution to one logit per patch. The
    number of stride-2 layers sets the receptive field: 0 (the paper's 1x1 "PixelGAN", 1x1
    convolutions), 1, 2, 3, 4 or 5 give 1, 16, 34, 70, 142 or 286 pixels. Every 4x4
    convolution pads its input by one zero pixel on each side, as the authors' code: a
    256x256 image gives a 30x30 logit map, and each logit sees exactly a
    ``receptive_field`` square of the input (see :func:`patchgan_receptive_field`).

    With ``condition_channels`` it is pix2pix's conditional discriminator: the source image
    is concatenated to the (real or generated) target along the channels.

    Args:
        input_shape: ``(height, width, channels)`` of the judged images; sides may be ``None``.
        condition_channels: channels of the condition image (pix2pix: the source image's),
            or ``None`` for an unconditional discriminator (CycleGAN's).
        filters: the first layer's width; each stride-2 layer doubles it, up to 8x.
        receptive_field: one of 1, 16, 34, 70, 142 and 286 (the paper: 70).
        normalization: ``"batch"`` (pix2pix) or ``"instance"`` (CycleGAN).
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``image`` (or ``[condition, image]``), in [0, 1], to a map of
        float32 logits ``(batch, h', w', 1)``.

    Example:
        >>> model = patchgan_discriminator(filters=4, receptive_field=34)
        >>> model(keras.ops.zeros((1, 64, 64, 3))).shape  # 64 -> 32 -> 16 -> 15 -> 14
        TensorShape([1, 14, 14, 1])
    """
    shape = check_input_shape(input_shape)
    if condition_channels is not None:
        check_positive_int("condition_channels", condition_channels)
    check_positive_int("filters", filters)
    if isinstance(receptive_field, bool) or receptive_field not in RECEPTIVE_FIELDS:
        raise ValueError(
            f"receptive_field must be one of {', '.join(map(str, RECEPTIVE_FIELDS))}; "
            f"Received: receptive_field={receptive_field!r}"
        )
    check_choice("normalization", normalization, NORMALIZATIONS)
    strided = RECEPTIVE_FIELDS[receptive_field]
    minimum = next(side for side in range(1, 1024) if _patchgan_side(side, strided) >= 1)
    if any(side is not None and side < minimum for side in shape[:2]):
        raise ValueError(
            f"input_shape sides must be at least {minimum} for receptive_field={receptive_field}; "
            f"Received: input_shape={shape!r}"
        )

    image = keras.Input(shape, name="image")
    inputs = image
    x = to_tanh_range(image)
    if condition_channels is not None:
        condition = keras.Input((*shape[:2], condition_channels), name="condition")
        inputs = [condition, image]
        x = layers.Concatenate(name="concat_condition")([to_tanh_range(condition, "condition_to_tanh_range"), x])

    def conv(x, width, *, kernel, strides, norm, name, **kwargs):
        if kernel > 1:
            x = layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
        x = layers.Conv2D(
            width, kernel, strides=strides, use_bias=not norm, kernel_initializer=normal_init(), name=name, **kwargs
        )(x)
        if norm:
            x = _normalization(normalization, name)(x)
        return x

    kernel = 4 if strided else 1
    for i in range(strided + 1):  # the stride-2 layers, then one stride-1 layer
        width = filters * min(2**i, 8)
        x = conv(x, width, kernel=kernel, strides=2 if i < strided else 1, norm=i > 0, name=f"conv{i + 1}")
        x = layers.LeakyReLU(0.2, name=f"conv{i + 1}_leaky_relu")(x)
    logits = conv(x, 1, kernel=kernel, strides=1, norm=False, name="logits", dtype="float32")
    return keras.Model(inputs, logits, name=name)


def _conv_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _conv_layers(layer)
        elif isinstance(layer, (layers.Conv2D, layers.MaxPooling2D, layers.AveragePooling2D)):
            yield layer


def patchgan_receptive_field(model):
    """The receptive field, in pixels, of one logit of a PatchGAN, computed from its layers.

    Walks the model's 2-D convolutions (and poolings) in order: each adds
    ``(kernel - 1) * jump`` pixels, where ``jump`` is the product of the strides before it
    (a dilated kernel counts as ``dilation * (kernel - 1) + 1``). Padding changes where the
    window lies, not its size. Assumes a chain of layers with square kernels, as
    :func:`patchgan_discriminator` builds.

    Args:
        model: a ``keras.Model``, e.g. from :func:`patchgan_discriminator`.

    Returns:
        The side of the square of input pixels that one output value depends on.

    Example:
        >>> patchgan_receptive_field(patchgan_discriminator(filters=2, receptive_field=70))
        70
    """
    field, jump = 1, 1
    for layer in _conv_layers(model):
        if isinstance(layer, layers.Conv2D):
            kernel, strides, dilation = layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0]
        else:
            kernel, strides, dilation = layer.pool_size[0], layer.strides[0], 1
        field += dilation * (kernel - 1) * jump
        jump *= strides
    return field
