"""VGG builders: configurations A, B, D and E as one depth table (VGG-11, 13, 16, 19).

Follows "Very Deep Convolutional Networks for Large-Scale Image Recognition" (Simonyan &
Zisserman, 2014). Layer names are keras.applications' (``block1_conv1`` ... ``block5_pool``,
``flatten``, ``fc1``, ``fc2``, ``predictions``), so VGG-16 and VGG-19 take its weights and
weight files unchanged.
"""

import keras
from keras import layers

from kerasdl.models.arguments import check_bool, check_rate
from kerasdl.models.vision import common
from kerasdl.registry import register_model

DEFAULT_SIZE = 224
MIN_SIZE = 32
FILTERS = (64, 128, 256, 512, 512)

# Convolutions per block, Table 1 of the paper: configurations A, B, D and E.
DEPTHS = {
    "vgg11": (1, 1, 2, 2, 2),
    "vgg13": (2, 2, 2, 2, 2),
    "vgg16": (2, 2, 3, 3, 3),
    "vgg19": (2, 2, 4, 4, 4),
}


def vgg_block(x, *, filters, convs, batch_norm, name):
    """``convs`` 3x3 convolutions with ReLU (batch norm before it if asked), then 2x2 max pooling."""
    for i in range(1, convs + 1):
        conv = f"{name}_conv{i}"
        if batch_norm:
            x = layers.Conv2D(filters, 3, padding="same", name=conv)(x)
            x = layers.BatchNormalization(name=f"{conv}_bn")(x)
            x = layers.Activation("relu", name=f"{conv}_relu")(x)
        else:
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=conv)(x)
    return layers.MaxPooling2D(2, strides=2, name=f"{name}_pool")(x)


def _fully_connected_top(x, args, *, dropout):
    """VGG's top: the maps flattened, two 4096-unit layers ``fc1`` and ``fc2``, then the output layer."""
    x = layers.Flatten(name="flatten")(x)
    for fc in ("fc1", "fc2"):
        x = layers.Dense(4096, activation="relu", name=fc)(x)
        if dropout:  # no weights: keras.applications' weight files still load
            x = layers.Dropout(dropout, name=f"{fc}_dropout")(x)
    return common.predictions(x, args)


def _vgg(depths, *, batch_norm, dropout, reference=None, **vocabulary):
    """The VGG family: five blocks of ``depths`` convolutions, then the dense top or pooling.

    ``vocabulary`` is the public builder's keras.applications arguments.
    """
    args = common.Arguments(**vocabulary)
    common.check_arguments(args, imagenet=reference is not None)
    check_bool("batch_norm", batch_norm)
    check_rate("dropout", dropout, noun="rate")
    if args.weights == "imagenet" and batch_norm:
        raise ValueError(f"ImageNet weights are published without batch norm; Received: batch_norm={batch_norm!r}")
    image = common.image_input(args, default_size=DEFAULT_SIZE, min_size=MIN_SIZE, fixed_size=True)
    x = image
    for i, (filters, convs) in enumerate(zip(FILTERS, depths)):
        x = vgg_block(x, filters=filters, convs=convs, batch_norm=batch_norm, name=f"block{i + 1}")
    x = common.classifier_head(x, args, _fully_connected_top, dropout=dropout)
    return common.finish(image, x, args, reference=reference)


_DOC = """VGG-{depth} (configuration {config}): {convs} convolution layers of 3x3 in five blocks, then three dense layers.

    Follows "Very Deep Convolutional Networks for Large-Scale Image Recognition" (Simonyan &
    Zisserman, 2014), configuration {config}. The top flattens the last feature maps, so with
    ``include_top=True`` the input size is fixed ({size}x{size} unless ``input_shape`` says
    otherwise). The paper's dropout of 0.5 after ``fc1`` and ``fc2`` is on by default: it has
    no weights and does nothing at inference.{parity}

    Args:
        include_top: whether to include the three dense layers.
        weights: ``None`` (random initialisation){imagenet} or the path to a weights file.
        input_tensor: optional Keras tensor to build the model on.
        input_shape: optional ``(height, width, channels)`` with 1, 3 or 4 channels; sides of
            at least {min_size}.
        pooling: without the top, ``None`` (4D feature maps), ``"avg"`` or ``"max"``.
        classes: number of classes of the top.
        classifier_activation: activation of the last layer; ``None`` gives logits.
        name: the model's name.
        batch_norm: batch normalisation after every convolution (as torchvision's ``vgg*_bn``).
        dropout: dropout rate after ``fc1`` and ``fc2``; ``0`` for none.

    Returns:
        A ``keras.Model``.

    Example:
        >>> model = {builder}(include_top=False, input_shape=(32, 32, 3), pooling="avg")
        >>> model.output_shape
        (None, 512)
    """


def _document(builder, depth, config, imagenet):
    depths = DEPTHS[builder.__name__]
    builder.__doc__ = _DOC.format(
        depth=depth,
        config=config,
        convs=sum(depths),
        size=DEFAULT_SIZE,
        min_size=MIN_SIZE,
        builder=builder.__name__,
        imagenet=', ``"imagenet"``' if imagenet else "",
        parity=f" Weights and outputs are those of ``keras.applications.VGG{depth}``." if imagenet else "",
    )
    return builder


@register_model(family="vision")
def vgg11(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg11",
    batch_norm=False,
    dropout=0.5,
):
    """VGG-11 (configuration A): 8 convolution layers of 3x3 in five blocks, then three dense layers."""
    return _vgg(DEPTHS["vgg11"], **locals())


@register_model(family="vision")
def vgg13(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg13",
    batch_norm=False,
    dropout=0.5,
):
    """VGG-13 (configuration B): 10 convolution layers of 3x3 in five blocks, then three dense layers."""
    return _vgg(DEPTHS["vgg13"], **locals())


@register_model(family="vision")
def vgg16(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg16",
    batch_norm=False,
    dropout=0.5,
):
    """VGG-16 (configuration D): 13 convolution layers of 3x3 in five blocks, then three dense layers."""
    return _vgg(DEPTHS["vgg16"], reference=keras.applications.VGG16, **locals())


@register_model(family="vision")
def vgg19(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg19",
    batch_norm=False,
    dropout=0.5,
):
    """VGG-19 (configuration E): 16 convolution layers of 3x3 in five blocks, then three dense layers."""
    return _vgg(DEPTHS["vgg19"], reference=keras.applications.VGG19, **locals())


_document(vgg11, 11, "A", imagenet=False)
_document(vgg13, 13, "B", imagenet=False)
_document(vgg16, 16, "D", imagenet=True)
_document(vgg19, 19, "E", imagenet=True)
