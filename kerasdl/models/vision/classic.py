"""The classic image classifiers: a multilayer perceptron, LeNet-5 and AlexNet.

All three flatten their feature maps into dense layers, so with the top the input size
must be known (``common.image_input(fixed_size=True)``). They share keras.applications'
vocabulary (``include_top, weights, input_tensor, input_shape, pooling, classes,
classifier_activation, name``), build offline with ``weights=None`` and have no published
ImageNet weights; ``weights`` may be the path to a weights file.
"""

from keras import layers

from kerasdl.layers import ConnectionTableConv2D, LocalResponseNormalization, TrainableSubsampling, scaled_tanh
from kerasdl.layers.lenet import LENET5_C3_TABLE
from kerasdl.models.arguments import check_rate, is_int
from kerasdl.models.vision import common
from kerasdl.registry import register_model

LENET5_VARIANTS = ("original", "modern")

# AlexNet's five convolutions (Krizhevsky et al. 2012, Section 3.5 and Figure 2): widths, and
# (kernel, stride, groups in the two-tower layout, then response normalisation, then max pooling).
ALEXNET_FILTERS = (96, 256, 384, 384, 256)
ALEXNET_CONVS = (
    (11, 4, 1, True, True),
    (5, 1, 2, True, True),
    (3, 1, 1, False, False),
    (3, 1, 2, False, False),
    (3, 1, 2, False, True),
)


def _check_positive_ints(value, argument, length=None):
    values = tuple(value) if isinstance(value, (list, tuple)) else None
    if values is None or (length is not None and len(values) != length) or not all(is_int(v) for v in values):
        what = f"{length} positive ints" if length else "a sequence of positive ints"
        raise ValueError(f"{argument} must be {what}; Received: {argument}={value!r}")
    return values


@register_model(family="vision")
def mlp(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name="mlp",
    hidden_units=(256, 128),
    dropout=0.0,
    activation="relu",
):
    """A multilayer perceptron: the image flattened, then fully connected layers.

    The classic baseline of "Learning representations by back-propagating errors"
    (Rumelhart, Hinton and Williams, 1986) and of the MNIST tables in LeCun et al. (1998),
    sized for small images such as scikit-learn's 8x8 digits or 28x28 MNIST.

    Args:
        include_top: whether to add the ``classes``-way output layer; without it the
            model ends with the last hidden layer.
        weights: ``None`` or the path to a weights file.
        input_tensor: optional Keras tensor to build on.
        input_shape: ``(height, width, channels)`` with 1, 3 or 4 channels; defaults to
            ``(28, 28, 1)`` (MNIST).
        pooling: ``None``, ``"avg"`` or ``"max"``: with ``include_top=False``, global
            pooling of the image over space before the hidden layers (otherwise the image
            is flattened).
        classes: number of classes; defaults to 10 (digits).
        classifier_activation: activation of the output layer; ``None`` gives logits.
        name: the model's name.
        hidden_units: widths of the hidden layers, first to last.
        dropout: dropout rate after each hidden layer (0 for none).
        activation: the hidden layers' activation.

    Returns:
        A ``keras.Model`` from images to ``(classes,)`` probabilities (or the last hidden
        layer's ``(hidden_units[-1],)`` features without the top).

    Example:
        >>> model = mlp(input_shape=(8, 8, 1), hidden_units=(64,))
        >>> model.output_shape
        (None, 10)
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args, imagenet=False)
    hidden_units = _check_positive_ints(hidden_units, "hidden_units")
    check_rate("dropout", dropout)
    image = common.image_input(args, default_size=28, min_size=1, fixed_size=True, default_shape=(28, 28, 1))
    if not include_top and pooling is None and None in image.shape[1:3]:
        raise ValueError(
            "without pooling the MLP flattens the image, so the input size must be known; "
            f"Received: input_shape={tuple(image.shape[1:])}"
        )
    x = common.pool(image, pooling) if not include_top else image
    if len(x.shape) > 2:
        x = layers.Flatten(name="flatten")(x)
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation=activation, name=f"dense{i + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout{i + 1}")(x)
    if include_top:
        x = common.predictions(x, args)
    return common.finish(image, x, args)


def _lenet5_top(x, args, *, activation):
    """LeNet-5's F6: C5's maps flattened, 84 units, then the output layer."""
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation=activation, name="f6")(x)
    return common.predictions(x, args)


@register_model(family="vision")
def lenet5(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    name="lenet5",
    variant="original",
    activation=None,
):
    """LeNet-5: C1-S2-C3-S4-C5-F6 and an output layer, on 32x32 images.

    Follows "Gradient-based learning applied to document recognition" (LeCun, Bottou,
    Bengio and Haffner, 1998), Section II.B. ``variant="original"`` is the paper's network:
    C1 six 5x5 maps, S2 trainable 2x2 sub-sampling (sum times a coefficient plus a bias per
    map, :class:`~kerasdl.layers.TrainableSubsampling`), C3 sixteen 5x5 maps wired by
    Table I (:class:`~kerasdl.layers.ConnectionTableConv2D`), S4 as S2, C5 120 5x5 maps,
    F6 84 units, every layer squashed by ``1.7159 * tanh(2x / 3)`` (Appendix A). That is
    60,000 trainable parameters for one input channel, the paper's figure. One
    departure: the paper's output is 10 Euclidean RBF units with fixed 7x12 bitmap
    centres; here it is a ``Dense(classes)`` layer (850 parameters at 10 classes) with
    ``classifier_activation``. ``variant="modern"`` is the usual present-day reading:
    ReLU, 2x2 max pooling, C3 fully connected to S2 (2,416 weights instead of 1,516).

    Args:
        include_top: whether to add F6 and the output layer; without them the model ends
            at C5 (``(h', w', 120)`` maps, ``1x1`` at 32x32).
        weights: ``None`` or the path to a weights file.
        input_tensor: optional Keras tensor to build on.
        input_shape: ``(height, width, channels)`` with 1, 3 or 4 channels, at least
            32x32; defaults to ``(32, 32, 1)``. 28x28 MNIST digits are padded by 2
            pixels to 32x32, as in the paper.
        pooling: ``None``, ``"avg"`` or ``"max"``: global pooling of C5 when
            ``include_top=False``.
        classes: number of classes; defaults to 10 (digits).
        classifier_activation: activation of the output layer; ``None`` gives logits.
        name: the model's name.
        variant: ``"original"`` (1998) or ``"modern"``.
        activation: the hidden layers' activation; ``None`` picks the variant's
            (``scaled_tanh`` for ``"original"``, ``"relu"`` for ``"modern"``).

    Returns:
        A ``keras.Model`` from images to ``(classes,)`` probabilities, or C5's features.

    Example:
        >>> model = lenet5()
        >>> model.count_params()  # 60,000 of the paper + 850 for the Dense output
        60850
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args, imagenet=False)
    if variant not in LENET5_VARIANTS:
        raise ValueError(f"variant must be one of {LENET5_VARIANTS}; Received: variant={variant!r}")
    original = variant == "original"
    if activation is None or activation == "scaled_tanh":
        activation = scaled_tanh if activation == "scaled_tanh" or original else "relu"
    image = common.image_input(args, default_size=32, min_size=32, fixed_size=True, default_shape=(32, 32, 1))
    x = layers.Conv2D(6, 5, activation=activation, name="c1")(image)
    if original:
        x = TrainableSubsampling(2, activation=activation, name="s2")(x)
        x = ConnectionTableConv2D(LENET5_C3_TABLE, 5, activation=activation, name="c3")(x)
        x = TrainableSubsampling(2, activation=activation, name="s4")(x)
    else:
        x = layers.MaxPooling2D(2, name="s2")(x)
        x = layers.Conv2D(16, 5, activation=activation, name="c3")(x)
        x = layers.MaxPooling2D(2, name="s4")(x)
    x = layers.Conv2D(120, 5, activation=activation, name="c5")(x)
    x = common.classifier_head(x, args, _lenet5_top, activation=activation)
    return common.finish(image, x, args)


def _alexnet_top(x, args, *, dense_units, dropout):
    """AlexNet's FC6 and FC7 with dropout on their outputs, then the output layer."""
    x = layers.Flatten(name="flatten")(x)
    for i, units in enumerate(dense_units, start=6):
        x = layers.Dense(units, activation="relu", name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    return common.predictions(x, args)


@register_model(family="vision")
def alexnet(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="alexnet",
    filters=ALEXNET_FILTERS,
    dense_units=(4096, 4096),
    dropout=0.5,
    local_response_norm=False,
    grouped=False,
):
    """AlexNet: five convolutions, three max poolings, then three fully connected layers.

    Follows "ImageNet Classification with Deep Convolutional Neural Networks" (Krizhevsky,
    Sutskever and Hinton, 2012), Section 3.5: conv 11x11/4 96, conv 5x5 256, conv 3x3 384,
    384, 256, each ReLU; 3x3/2 overlapping max pooling after conv1, conv2 and conv5;
    FC 4096, 4096 with dropout 0.5, and the ``classes``-way output. The input is 227x227
    (the paper's "224" does not divide: (227 - 11) / 4 + 1 = 55), padding "valid" for conv1
    and "same" after it, so the maps are 55, 27, 13, 13, 13 and 6x6x256 = 9,216 features.

    The default is the single-tower network (62,378,344 parameters at 1000 classes).
    ``grouped=True`` gives the paper's two-GPU layout as grouped convolutions: conv2,
    conv4 and conv5 see only their own tower's half of the maps (``groups=2``), which is
    the paper's 60,965,224 ("60 million") parameters. ``local_response_norm=True`` adds the
    paper's response normalisation (k=2, n=5, alpha=1e-4, beta=0.75) after conv1 and conv2,
    before their pooling; it has no weights.

    Args:
        include_top: whether to add the three fully connected layers; without them the
            model ends with the last pooling, ``(6, 6, filters[-1])`` at 227x227.
        weights: ``None`` or the path to a weights file (no ImageNet weights are published).
        input_tensor: optional Keras tensor to build on.
        input_shape: ``(height, width, channels)`` with 1, 3 or 4 channels, at least
            67x67; defaults to ``(227, 227, 3)`` with the top, else ``(None, None, 3)``.
        pooling: ``None``, ``"avg"`` or ``"max"``: global pooling of the last maps when
            ``include_top=False``.
        classes: number of classes.
        classifier_activation: activation of the output layer; ``None`` gives logits.
        name: the model's name.
        filters: the five convolutions' widths.
        dense_units: the two hidden fully connected layers' widths.
        dropout: dropout rate on the outputs of FC6 and FC7 (0.5 in the paper).
        local_response_norm: add local response normalisation after conv1 and conv2.
        grouped: the paper's two-tower connectivity (``groups=2`` in conv2, conv4, conv5).

    Returns:
        A ``keras.Model`` from images to ``(classes,)`` probabilities, or feature maps.

    Example:
        >>> model = alexnet(classes=10, filters=(8, 8, 8, 8, 8), dense_units=(32, 32))
        >>> model.output_shape
        (None, 10)
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args, imagenet=False)
    filters = _check_positive_ints(filters, "filters", length=len(ALEXNET_CONVS))
    dense_units = _check_positive_ints(dense_units, "dense_units", length=2)
    check_rate("dropout", dropout)
    if grouped and any(f % 2 for f in filters):
        raise ValueError(
            f"grouped=True splits every layer in two towers, so filters must be even; Received: filters={filters!r}"
        )
    image = common.image_input(args, default_size=227, min_size=67, fixed_size=True)
    x = image
    for i, (width, (kernel, stride, groups, lrn, max_pool)) in enumerate(zip(filters, ALEXNET_CONVS), start=1):
        x = layers.Conv2D(
            width,
            kernel,
            strides=stride,
            padding="valid" if i == 1 else "same",
            groups=groups if grouped else 1,
            activation="relu",
            name=f"conv{i}",
        )(x)
        if lrn and local_response_norm:
            x = LocalResponseNormalization(size=5, k=2.0, alpha=1e-4, beta=0.75, name=f"lrn{i}")(x)
        if max_pool:
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    x = common.classifier_head(x, args, _alexnet_top, dense_units=dense_units, dropout=dropout)
    return common.finish(image, x, args)
