"""ResNet builders: ResNet-18/34 (basic blocks) and ResNet-50/101/152 (bottleneck v1).

Follows "Deep Residual Learning for Image Recognition" (He et al., 2015), Table 1. One family
builder takes a block function and a depth table. ResNet-50/101/152 create the layers of
``keras.applications.ResNet50/101/152`` with the same names in the same order
(``conv1_pad`` ... ``conv2_block1_0_conv`` ... ``avg_pool``, ``predictions``), so its weights
and weight files load unchanged.
"""

import keras
from keras import layers

from kerasdl.models.vision import common
from kerasdl.registry import register_model

DEFAULT_SIZE = 224
MIN_SIZE = 32
WIDTHS = (64, 128, 256, 512)  # conv2_x ... conv5_x
BN_EPSILON = 1.001e-5  # keras.applications' value, kept for its weights

# Blocks per stage, Table 1 of the paper.
DEPTHS = {
    "resnet18": (2, 2, 2, 2),
    "resnet34": (3, 4, 6, 3),
    "resnet50": (3, 4, 6, 3),
    "resnet101": (3, 4, 23, 3),
    "resnet152": (3, 8, 36, 3),
}


def _bn(x, name):
    return layers.BatchNormalization(epsilon=BN_EPSILON, name=name)(x)


def _shortcut(x, *, filters, stride, use_bias, name):
    """Identity, or a strided 1x1 projection with batch norm where the shape changes (option B)."""
    if stride == 1 and x.shape[-1] == filters:
        return x
    shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=use_bias, name=f"{name}_0_conv")(x)
    return _bn(shortcut, f"{name}_0_bn")


def basic_block(x, *, filters, stride=1, use_bias=False, name):
    """Two 3x3 convolutions with batch norm around an identity or projection shortcut.

    ResNet-18/34's block. The stride is on the first 3x3 convolution, padded by one pixel on
    every side (as the paper's Torch code, not TensorFlow's asymmetric ``"same"``).

    Args:
        x: input tensor.
        filters: the block's width (its output channels).
        stride: 2 in the first block of conv3_x ... conv5_x.
        use_bias: whether the convolutions have biases (redundant before batch norm).
        name: prefix of the block's layer names, e.g. ``"conv2_block1"``.

    Returns:
        The block's output tensor.
    """
    shortcut = _shortcut(x, filters=filters, stride=stride, use_bias=use_bias, name=name)
    if stride == 1:
        x = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, name=f"{name}_1_conv")(x)
    else:
        x = layers.ZeroPadding2D(1, name=f"{name}_1_pad")(x)
        x = layers.Conv2D(filters, 3, strides=stride, use_bias=use_bias, name=f"{name}_1_conv")(x)
    x = _bn(x, f"{name}_1_bn")
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, name=f"{name}_2_conv")(x)
    x = _bn(x, f"{name}_2_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def bottleneck_block(x, *, filters, stride=1, use_bias=True, name):
    """1x1 reduce, 3x3, 1x1 expand to ``4 * filters``, with batch norm, around a shortcut.

    ResNet-50/101/152's block as keras.applications' ``residual_block_v1``: the stride is on
    the first 1x1 convolution (the original "v1"; torchvision's "v1.5" puts it on the 3x3).

    Args:
        x: input tensor.
        filters: the bottleneck width; the block outputs ``4 * filters`` channels.
        stride: 2 in the first block of conv3_x ... conv5_x.
        use_bias: whether the convolutions have biases (keras.applications' weights have them).
        name: prefix of the block's layer names, e.g. ``"conv2_block1"``.

    Returns:
        The block's output tensor.
    """
    shortcut = _shortcut(x, filters=4 * filters, stride=stride, use_bias=use_bias, name=name)
    x = layers.Conv2D(filters, 1, strides=stride, use_bias=use_bias, name=f"{name}_1_conv")(x)
    x = _bn(x, f"{name}_1_bn")
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, name=f"{name}_2_conv")(x)
    x = _bn(x, f"{name}_2_bn")
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, use_bias=use_bias, name=f"{name}_3_conv")(x)
    x = _bn(x, f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _resnet(block_fn, depths, *, use_bias, reference=None, **vocabulary):
    """The ResNet family: stem, four stages of ``depths`` blocks, pooling and classifier.

    ``vocabulary`` is the public builder's keras.applications arguments.
    """
    args = common.Arguments(**vocabulary)
    common.check_arguments(args, imagenet=reference is not None)
    image = common.image_input(args, default_size=DEFAULT_SIZE, min_size=MIN_SIZE)
    # conv1: 7x7/2, 64; then 3x3/2 max pooling, both padded symmetrically.
    x = layers.ZeroPadding2D(3, name="conv1_pad")(image)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    x = _bn(x, "conv1_bn")
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip(WIDTHS, depths), start=2):
        for block in range(1, blocks + 1):
            stride = 2 if block == 1 and stage > 2 else 1
            x = block_fn(x, filters=filters, stride=stride, use_bias=use_bias, name=f"conv{stage}_block{block}")
    x = common.classifier_head(x, args)
    return common.finish(image, x, args, reference=reference)


_DOC = """ResNet-{depth}: {blocks} {kind} blocks in four stages, global average pooling, then a dense layer.

    Follows "Deep Residual Learning for Image Recognition" (He et al., 2015), Table 1:
    {depths} blocks in conv2_x ... conv5_x, projection shortcuts where the shape changes
    (option B). {note}

    Args:
        include_top: whether to include the pooling and dense classifier.
        weights: ``None`` (random initialisation){imagenet} or the path to a weights file.
        input_tensor: optional Keras tensor to build the model on.
        input_shape: optional ``(height, width, channels)`` with 1, 3 or 4 channels; sides of
            at least {min_size}. The network is fully convolutional: by default any size.
        pooling: without the top, ``None`` (4D feature maps), ``"avg"`` or ``"max"``.
        classes: number of classes of the top.
        classifier_activation: activation of the last layer; ``None`` gives logits.
        name: the model's name.

    Returns:
        A ``keras.Model``.

    Example:
        >>> model = {builder}(include_top=False, input_shape=(32, 32, 3), pooling="avg")
        >>> model.output_shape
        (None, {features})
    """


def _document(builder, depth, block_fn, imagenet):
    if imagenet:
        note = (
            f"The layers, their names and order are those of ``keras.applications.ResNet{depth}``"
            " (convolutions with biases, stride on the first 1x1), so its weights load unchanged."
        )
    else:
        note = (
            "As in the paper and torchvision, convolutions have no biases (batch norm follows"
            " each); no ImageNet weights are published for Keras."
        )
    depths = DEPTHS[builder.__name__]
    builder.__doc__ = _DOC.format(
        depth=depth,
        blocks=sum(depths),
        kind="basic" if block_fn is basic_block else "bottleneck",
        depths=", ".join(map(str, depths)),
        note=note,
        imagenet=', ``"imagenet"``' if imagenet else "",
        min_size=MIN_SIZE,
        builder=builder.__name__,
        features=WIDTHS[-1] * (1 if block_fn is basic_block else 4),
    )
    return builder


@register_model(family="vision")
def resnet18(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet18",
):
    """ResNet-18: 8 basic blocks in four stages, global average pooling, then a dense layer."""
    return _resnet(basic_block, DEPTHS["resnet18"], use_bias=False, **locals())


@register_model(family="vision")
def resnet34(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet34",
):
    """ResNet-34: 16 basic blocks in four stages, global average pooling, then a dense layer."""
    return _resnet(basic_block, DEPTHS["resnet34"], use_bias=False, **locals())


@register_model(family="vision")
def resnet50(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet50",
):
    """ResNet-50: 16 bottleneck blocks in four stages, global average pooling, then a dense layer."""
    return _resnet(
        bottleneck_block, DEPTHS["resnet50"], use_bias=True, reference=keras.applications.ResNet50, **locals()
    )


@register_model(family="vision")
def resnet101(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet101",
):
    """ResNet-101: 33 bottleneck blocks in four stages, global average pooling, then a dense layer."""
    return _resnet(
        bottleneck_block, DEPTHS["resnet101"], use_bias=True, reference=keras.applications.ResNet101, **locals()
    )


@register_model(family="vision")
def resnet152(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet152",
):
    """ResNet-152: 50 bottleneck blocks in four stages, global average pooling, then a dense layer."""
    return _resnet(
        bottleneck_block, DEPTHS["resnet152"], use_bias=True, reference=keras.applications.ResNet152, **locals()
    )


_document(resnet18, 18, basic_block, imagenet=False)
_document(resnet34, 34, basic_block, imagenet=False)
_document(resnet50, 50, bottleneck_block, imagenet=True)
_document(resnet101, 101, bottleneck_block, imagenet=True)
_document(resnet152, 152, bottleneck_block, imagenet=True)
