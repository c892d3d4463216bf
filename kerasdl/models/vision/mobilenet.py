"""MobileNet builders: MobileNet (v1, depthwise separable convolutions) and MobileNetV2.

Both create the layers of ``keras.applications.MobileNet`` / ``MobileNetV2`` with the same
names in the same order, so its weights and weight files load unchanged. The architectures
are depth tables: one row per block.
"""

import keras
from keras import layers

from kerasdl.models.arguments import check_positive_int, check_rate
from kerasdl.models.vision import common
from kerasdl.registry import register_model

MIN_SIZE = 32

# MobileNet v1, Table 1 of Howard et al.: (pointwise filters, stride) of the 13 depthwise
# separable blocks after the first 3x3/2 convolution with 32 filters.
MOBILENET_BLOCKS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)
MOBILENET_SIZES = (128, 160, 192, 224)  # the input sides ImageNet weights exist for
MOBILENET_ALPHAS = (0.25, 0.5, 0.75, 1.0)

# MobileNetV2, Table 2 of Sandler et al.: expansion t, output channels c, repeats n, stride s
# of the first repeat, after the first 3x3/2 convolution with 32 filters.
MOBILENET_V2_BLOCKS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
MOBILENET_V2_SIZES = (96, 128, 160, 192, 224)
MOBILENET_V2_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)


def _image_input(args, sizes):
    """The image input, its default size chosen by keras.applications' rule.

    The rule: a square input of a published size (one of ``sizes``) is the default size, else 224.
    """
    shape = tuple(args.input_tensor.shape[1:]) if args.input_tensor is not None else args.input_shape
    square = shape is not None and len(shape) == 3 and shape[0] == shape[1] and shape[0] in sizes
    return common.image_input(args, default_size=shape[0] if square else 224, min_size=MIN_SIZE)


def _check_alpha(alpha, weights, published):
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
        raise ValueError(f"alpha must be a positive number; Received: alpha={alpha!r}")
    if weights == "imagenet" and alpha not in published:
        raise ValueError(f"ImageNet weights exist for alpha in {published}; Received: alpha={alpha!r}")


def make_divisible(value, divisor=8):
    """``value`` rounded to the nearest multiple of ``divisor``, never below 90% of it (MobileNetV2)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _stride_padding(x, kernel_size=3):
    """Zero padding before a strided 'valid' convolution that keeps TensorFlow's 'same' output size.

    keras.applications' ``correct_pad``, with each unknown side padded as an even one.
    """
    pads = []
    for side in x.shape[1:3]:
        odd = side is not None and side % 2 == 1
        pads.append((kernel_size // 2 - (0 if odd else 1), kernel_size // 2))
    return tuple(pads)


def depthwise_separable_block(x, *, filters, stride, depth_multiplier, block_id):
    """MobileNet v1's block: 3x3 depthwise convolution and 1x1 pointwise one, each with batch norm and ReLU6.

    Args:
        x: input tensor.
        filters: the pointwise convolution's filters (already scaled by ``alpha``).
        stride: 1, or 2 with one row and column of zeros padded at the end.
        depth_multiplier: depthwise outputs per input channel.
        block_id: the block's number in layer names (``conv_dw_1`` ... ``conv_pw_13_relu``).

    Returns:
        The block's output tensor.
    """
    if stride == 1:
        padding = "same"
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(
        3,
        strides=stride,
        padding=padding,
        depth_multiplier=depth_multiplier,
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = layers.BatchNormalization(name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def _convolutional_top(x, args, *, dropout):
    """MobileNet's top, as keras.applications': the pooled 1x1 map, dropout, a 1x1 convolution as the classifier."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Conv2D(args.classes, 1, padding="same", name="conv_preds")(x)
    x = layers.Reshape((args.classes,), name="reshape_2")(x)
    return layers.Activation(args.classifier_activation, dtype="float32", name="predictions")(x)


@register_model(family="vision")
def mobilenet(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="mobilenet",
    alpha=1.0,
    depth_multiplier=1,
    dropout=1e-3,
):
    """MobileNet: a 3x3 convolution, then 13 depthwise separable blocks, pooling and a 1x1 classifier.

    Follows "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
    Applications" (Howard et al., 2017), Table 1, with its width multiplier ``alpha``. The
    layers, their names and order are those of ``keras.applications.MobileNet``, so its
    weights load unchanged; ImageNet weights exist for square inputs of 128, 160, 192 or 224
    and ``alpha`` in 0.25, 0.5, 0.75, 1.0.

    Args:
        include_top: whether to include the pooling, dropout and 1x1 convolution classifier.
        weights: ``None`` (random initialisation), ``"imagenet"`` or the path to a weights file.
        input_tensor: optional Keras tensor to build the model on.
        input_shape: optional ``(height, width, channels)`` with 1, 3 or 4 channels; sides of
            at least 32. The network is fully convolutional: by default any size.
        pooling: without the top, ``None`` (4D feature maps), ``"avg"`` or ``"max"``.
        classes: number of classes of the top.
        classifier_activation: activation of the last layer; ``None`` gives logits.
        name: the model's name.
        alpha: width multiplier: every layer has ``int(filters * alpha)`` filters.
        depth_multiplier: depthwise outputs per input channel (1 in the paper).
        dropout: dropout rate before the classifier.

    Returns:
        A ``keras.Model``.

    Example:
        >>> model = mobilenet(include_top=False, input_shape=(32, 32, 3), pooling="avg", alpha=0.25)
        >>> model.output_shape
        (None, 256)
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args)
    _check_alpha(alpha, weights, MOBILENET_ALPHAS)
    check_positive_int("depth_multiplier", depth_multiplier)
    if weights == "imagenet" and depth_multiplier != 1:
        raise ValueError(f"ImageNet weights need depth_multiplier=1; Received: depth_multiplier={depth_multiplier!r}")
    check_rate("dropout", dropout, noun="rate")
    image = _image_input(args, MOBILENET_SIZES)
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="conv1")(image)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(MOBILENET_BLOCKS, start=1):
        x = depthwise_separable_block(
            x, filters=int(filters * alpha), stride=stride, depth_multiplier=depth_multiplier, block_id=block_id
        )
    x = common.classifier_head(x, args, _convolutional_top, dropout=dropout)
    return common.finish(
        image,
        x,
        args,
        reference=keras.applications.MobileNet,
        alpha=alpha,
        depth_multiplier=depth_multiplier,
        dropout=dropout,
    )


def inverted_residual_block(x, *, expansion, filters, stride, block_id):
    """MobileNetV2's block: 1x1 expansion, 3x3 depthwise, linear 1x1 projection, residual if shapes allow.

    Args:
        x: input tensor.
        expansion: expansion factor ``t`` of the first 1x1 convolution (none in block 0).
        filters: output channels (already scaled by ``alpha`` and made divisible by 8).
        stride: 1, or 2 with the zero padding of keras.applications' ``correct_pad``.
        block_id: the block's number in layer names (``expanded_conv_*`` for block 0,
            ``block_1_expand`` ... after it).

    Returns:
        The block's output tensor.
    """
    inputs = x
    in_channels = x.shape[-1]
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    if stride == 2:
        x = layers.ZeroPadding2D(_stride_padding(x), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(
        3, strides=stride, padding="same" if stride == 1 else "valid", use_bias=False, name=f"{prefix}depthwise"
    )(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=f"{prefix}project_BN")(x)
    if stride == 1 and in_channels == filters:
        x = layers.Add(name=f"{prefix}add")([inputs, x])
    return x


@register_model(family="vision")
def mobilenet_v2(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="mobilenet_v2",
    alpha=1.0,
):
    """MobileNetV2: a 3x3 convolution, 17 inverted residual blocks, a 1x1 convolution, pooling, a dense layer.

    Follows "MobileNetV2: Inverted Residuals and Linear Bottlenecks" (Sandler et al., 2018),
    Table 2, with its width multiplier ``alpha`` (channels rounded to multiples of 8; the
    last convolution keeps 1280 filters unless ``alpha > 1``). The layers, their names and
    order are those of ``keras.applications.MobileNetV2``, so its weights load unchanged;
    ImageNet weights exist for square inputs of 96, 128, 160, 192 or 224 and ``alpha`` in
    0.35, 0.5, 0.75, 1.0, 1.3, 1.4.

    Args:
        include_top: whether to include the pooling and dense classifier.
        weights: ``None`` (random initialisation), ``"imagenet"`` or the path to a weights file.
        input_tensor: optional Keras tensor to build the model on.
        input_shape: optional ``(height, width, channels)`` with 1, 3 or 4 channels; sides of
            at least 32. The network is fully convolutional: by default any size.
        pooling: without the top, ``None`` (4D feature maps), ``"avg"`` or ``"max"``.
        classes: number of classes of the top.
        classifier_activation: activation of the last layer; ``None`` gives logits.
        name: the model's name.
        alpha: width multiplier.

    Returns:
        A ``keras.Model``.

    Example:
        >>> model = mobilenet_v2(include_top=False, input_shape=(32, 32, 3), pooling="avg", alpha=0.35)
        >>> model.output_shape
        (None, 1280)
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args)
    _check_alpha(alpha, weights, MOBILENET_V2_ALPHAS)
    image = _image_input(args, MOBILENET_V2_SIZES)
    x = layers.Conv2D(make_divisible(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="Conv1")(image)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    block_id = 0
    for expansion, channels, repeats, first_stride in MOBILENET_V2_BLOCKS:
        filters = make_divisible(int(channels * alpha))
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            x = inverted_residual_block(x, expansion=expansion, filters=filters, stride=stride, block_id=block_id)
            block_id += 1
    # The last convolution is not narrowed for alpha < 1 (Section 5.1 of the paper).
    last_filters = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = common.classifier_head(x, args)
    return common.finish(image, x, args, reference=keras.applications.MobileNetV2, alpha=alpha)
