"""GoogLeNet (Inception-v1): a stem, nine inception modules and global average pooling."""

from keras import layers

from kerasdl.layers import LocalResponseNormalization
from kerasdl.models.arguments import check_rate
from kerasdl.models.vision import common
from kerasdl.registry import register_model

# Table 1 of Szegedy et al. (2014): per module, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5,
# pool proj; None marks the 3x3/2 max pooling between stages.
GOOGLENET_MODULES = (
    ("3a", (64, 96, 128, 16, 32, 32)),
    ("3b", (128, 128, 192, 32, 96, 64)),
    None,
    ("4a", (192, 96, 208, 16, 48, 64)),
    ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)),
    ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)),
    None,
    ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
)

# The auxiliary classifiers sit on top of these modules (Section 5).
GOOGLENET_AUX_AFTER = ("4a", "4d")


def _conv(x, filters, kernel, *, name, strides=1):
    """A convolution with ReLU, as every convolution in GoogLeNet ("including those inside
    the Inception modules, use rectified linear activation")."""
    return layers.Conv2D(filters, kernel, strides=strides, padding="same", activation="relu", name=name)(x)


def inception_module(x, widths, *, name):
    """Four parallel branches concatenated: 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pool then 1x1.

    Args:
        x: the input maps.
        widths: ``(#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)`` as in Table 1.
        name: the prefix of the module's layer names (``inception_3a`` ...).

    Returns:
        The ``#1x1 + #3x3 + #5x5 + pool proj`` concatenated maps.
    """
    n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj = widths
    branch1 = _conv(x, n1x1, 1, name=f"{name}_1x1")
    branch2 = _conv(x, n3x3_reduce, 1, name=f"{name}_3x3_reduce")
    branch2 = _conv(branch2, n3x3, 3, name=f"{name}_3x3")
    branch3 = _conv(x, n5x5_reduce, 1, name=f"{name}_5x5_reduce")
    branch3 = _conv(branch3, n5x5, 5, name=f"{name}_5x5")
    branch4 = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch4 = _conv(branch4, pool_proj, 1, name=f"{name}_pool_proj")
    return layers.Concatenate(name=f"{name}_output")([branch1, branch2, branch3, branch4])


def auxiliary_classifier(x, args, *, name):
    """Section 5's side classifier: 5x5/3 average pooling, 1x1 conv 128, FC 1024, 70% dropout, output.

    Its loss is added with weight 0.3 during training; at inference it is discarded.
    """
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    x = _conv(x, 128, 1, name=f"{name}_conv")
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return common.predictions(x, args, name=f"{name}_predictions")


def _top(x, args, *, dropout):
    """The top: global average pooling, dropout, and the linear output layer."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return common.predictions(x, args)


@register_model(family="vision")
def googlenet(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="googlenet",
    aux_classifiers=False,
    dropout=0.4,
    local_response_norm=False,
):
    """GoogLeNet (Inception-v1): the 22-layer network of nine inception modules.

    Follows "Going Deeper with Convolutions" (Szegedy et al., 2014), Table 1 and Figure 3:
    a stem (7x7/2 conv 64, 3x3/2 max pool, 1x1 conv 64, 3x3 conv 192, 3x3/2 max pool), the
    inception modules 3a-3b, 4a-4e and 5a-5b with Table 1's widths
    (``GOOGLENET_MODULES``), 3x3/2 max pooling between stages, global average pooling,
    40% dropout and a linear ``classes``-way layer. As in the paper there is no batch
    normalisation and every convolution has a bias and ReLU. At 224x224 and 1000 classes
    it has 6,998,552 parameters (Table 1's weights plus biases).

    ``aux_classifiers=True`` adds the two training-time side classifiers on 4a and 4d
    (Section 5); the model then has three outputs ``[predictions, aux1, aux2]``, the aux
    losses weighted 0.3 in the paper. They flatten 4x4x128 maps at 224x224, so they need
    a known input size of at least 65x65. ``local_response_norm=True`` adds Figure 3's
    LocalRespNorm after the first max pooling and after the 3x3 conv of the stem.

    Args:
        include_top: whether to add dropout and the output layer after the average pooling;
            without it the model ends with 5b's 1024 maps.
        weights: ``None`` or the path to a weights file (no ImageNet weights are published
            for this architecture without batch normalisation).
        input_tensor: optional Keras tensor to build on.
        input_shape: ``(height, width, channels)`` with 1, 3 or 4 channels, at least 32x32
            (65x65 with ``aux_classifiers``); defaults to ``(224, 224, 3)`` with the
            auxiliary classifiers, else ``(None, None, 3)``.
        pooling: ``None``, ``"avg"`` or ``"max"``: global pooling of 5b when
            ``include_top=False``.
        classes: number of classes.
        classifier_activation: activation of the output layers; ``None`` gives logits.
        name: the model's name.
        aux_classifiers: add the two auxiliary classifiers (needs ``include_top=True``).
        dropout: dropout rate before the output layer.
        local_response_norm: add the stem's two local response normalisations.

    Returns:
        A ``keras.Model`` from images to ``(classes,)`` probabilities (a list of three
        with the auxiliary classifiers), or the last feature maps without the top.

    Example:
        >>> model = googlenet(classes=10, input_shape=(64, 64, 3))
        >>> model.output_shape
        (None, 10)
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args, imagenet=False)
    if aux_classifiers and not include_top:
        raise ValueError(f"aux_classifiers=True needs include_top=True; Received: include_top={include_top!r}")
    check_rate("dropout", dropout)
    image = common.image_input(
        args, default_size=224, min_size=65 if aux_classifiers else 32, fixed_size=bool(aux_classifiers)
    )
    x = _conv(image, 64, 7, strides=2, name="conv1_7x7")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    if local_response_norm:
        x = LocalResponseNormalization(name="norm1")(x)
    x = _conv(x, 64, 1, name="conv2_3x3_reduce")
    x = _conv(x, 192, 3, name="conv2_3x3")
    if local_response_norm:
        x = LocalResponseNormalization(name="norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)

    aux_outputs, stage = [], 3
    for module in GOOGLENET_MODULES:
        if module is None:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{stage}")(x)
            stage += 1
            continue
        label, widths = module
        x = inception_module(x, widths, name=f"inception_{label}")
        if aux_classifiers and label in GOOGLENET_AUX_AFTER:
            aux_outputs.append(auxiliary_classifier(x, args, name=f"aux{len(aux_outputs) + 1}"))

    x = common.classifier_head(x, args, _top, dropout=dropout)
    return common.finish(image, [x, *aux_outputs] if aux_outputs else x, args)
