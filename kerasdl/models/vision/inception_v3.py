"""Inception-v3 with keras.applications' layer names and order, so its weights load unchanged."""

import keras
from keras import layers

from kerasdl.models.vision import common
from kerasdl.registry import register_model

# The eleven "mixedN" blocks after the stem (Szegedy et al. 2015, Table 1 and Figures 5-7,
# as keras.applications builds them): the kind of block and its width parameter, the
# pool projection of the 35x35 blocks and the 7x7 factorised width of the 17x17 blocks.
INCEPTION_V3_BLOCKS = (
    ("35x35", 32),  # mixed0: 35 x 35 x 256
    ("35x35", 64),  # mixed1: 35 x 35 x 288
    ("35x35", 64),  # mixed2: 35 x 35 x 288
    ("reduce_35x35", None),  # mixed3: 17 x 17 x 768
    ("17x17", 128),  # mixed4
    ("17x17", 160),  # mixed5
    ("17x17", 160),  # mixed6
    ("17x17", 192),  # mixed7
    ("reduce_17x17", None),  # mixed8: 8 x 8 x 1280
    ("8x8", None),  # mixed9: 8 x 8 x 2048
    ("8x8", None),  # mixed10
)


class LayerNames:
    """Hands out Keras' automatic layer names (``conv2d``, ``conv2d_1``, ...) in creation order.

    keras.applications.InceptionV3 leaves most layers unnamed, so their names come from a
    process-wide counter; in a fresh process they are ``conv2d`` ... ``conv2d_93``. Naming
    them explicitly from a counter of our own gives the same names every time the model
    is built, whatever was built before.
    """

    def __init__(self):
        self.counts = {}

    def __call__(self, base):
        count = self.counts.get(base, 0)
        self.counts[base] = count + 1
        return base if count == 0 else f"{base}_{count}"


def conv2d_bn(x, filters, kernel, *, names, strides=1, padding="same"):
    """Convolution without bias, batch normalisation without scale, ReLU (keras.applications' order)."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=names("conv2d"))(x)
    x = layers.BatchNormalization(axis=-1, scale=False, name=names("batch_normalization"))(x)
    return layers.Activation("relu", name=names("activation"))(x)


def _avg_pool_same(x, names):
    return layers.AveragePooling2D(3, strides=1, padding="same", name=names("average_pooling2d"))(x)


def _max_pool_valid(x, names):
    return layers.MaxPooling2D(3, strides=2, name=names("max_pooling2d"))(x)


def block_35x35(x, pool_proj, *, names, name):
    """Figure 5's module: 1x1; 1x1-5x5; 1x1-3x3-3x3; 3x3 average pool-1x1 (mixed0-2)."""
    branch1x1 = conv2d_bn(x, 64, (1, 1), names=names)
    branch5x5 = conv2d_bn(x, 48, (1, 1), names=names)
    branch5x5 = conv2d_bn(branch5x5, 64, (5, 5), names=names)
    branch3x3dbl = conv2d_bn(x, 64, (1, 1), names=names)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, (3, 3), names=names)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, (3, 3), names=names)
    branch_pool = conv2d_bn(_avg_pool_same(x, names), pool_proj, (1, 1), names=names)
    return layers.Concatenate(name=name)([branch1x1, branch5x5, branch3x3dbl, branch_pool])


def block_reduce_35x35(x, _, *, names, name):
    """Grid reduction 35 -> 17 (Figure 10): stride-2 3x3; 1x1-3x3-3x3/2; 3x3/2 max pool (mixed3)."""
    branch3x3 = conv2d_bn(x, 384, (3, 3), strides=2, padding="valid", names=names)
    branch3x3dbl = conv2d_bn(x, 64, (1, 1), names=names)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, (3, 3), names=names)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, (3, 3), strides=2, padding="valid", names=names)
    branch_pool = _max_pool_valid(x, names)
    return layers.Concatenate(name=name)([branch3x3, branch3x3dbl, branch_pool])


def block_17x17(x, width, *, names, name):
    """Figure 6's module: 7x7 factorised into 1x7 and 7x1, ``width`` maps inside (mixed4-7)."""
    branch1x1 = conv2d_bn(x, 192, (1, 1), names=names)
    branch7x7 = conv2d_bn(x, width, (1, 1), names=names)
    branch7x7 = conv2d_bn(branch7x7, width, (1, 7), names=names)
    branch7x7 = conv2d_bn(branch7x7, 192, (7, 1), names=names)
    branch7x7dbl = conv2d_bn(x, width, (1, 1), names=names)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, (7, 1), names=names)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, (1, 7), names=names)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, (7, 1), names=names)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, (1, 7), names=names)
    branch_pool = conv2d_bn(_avg_pool_same(x, names), 192, (1, 1), names=names)
    return layers.Concatenate(name=name)([branch1x1, branch7x7, branch7x7dbl, branch_pool])


def block_reduce_17x17(x, _, *, names, name):
    """Grid reduction 17 -> 8: 1x1-3x3/2; 1x1-1x7-7x1-3x3/2; 3x3/2 max pool (mixed8)."""
    branch3x3 = conv2d_bn(x, 192, (1, 1), names=names)
    branch3x3 = conv2d_bn(branch3x3, 320, (3, 3), strides=2, padding="valid", names=names)
    branch7x7x3 = conv2d_bn(x, 192, (1, 1), names=names)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, (1, 7), names=names)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, (7, 1), names=names)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, (3, 3), strides=2, padding="valid", names=names)
    branch_pool = _max_pool_valid(x, names)
    return layers.Concatenate(name=name)([branch3x3, branch7x7x3, branch_pool])


def block_8x8(x, _, *, names, name):
    """Figure 7's module with expanded filter banks: 1x3 and 3x1 side by side (mixed9-10)."""
    index = int(name[len("mixed") :]) - 9
    branch1x1 = conv2d_bn(x, 320, (1, 1), names=names)
    branch3x3 = conv2d_bn(x, 384, (1, 1), names=names)
    branch3x3_1 = conv2d_bn(branch3x3, 384, (1, 3), names=names)
    branch3x3_2 = conv2d_bn(branch3x3, 384, (3, 1), names=names)
    branch3x3 = layers.Concatenate(name=f"mixed9_{index}")([branch3x3_1, branch3x3_2])
    branch3x3dbl = conv2d_bn(x, 448, (1, 1), names=names)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, (3, 3), names=names)
    branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, (1, 3), names=names)
    branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, (3, 1), names=names)
    branch3x3dbl = layers.Concatenate(name=names("concatenate"))([branch3x3dbl_1, branch3x3dbl_2])
    branch_pool = conv2d_bn(_avg_pool_same(x, names), 192, (1, 1), names=names)
    return layers.Concatenate(name=name)([branch1x1, branch3x3, branch3x3dbl, branch_pool])


BLOCKS = {
    "35x35": block_35x35,
    "reduce_35x35": block_reduce_35x35,
    "17x17": block_17x17,
    "reduce_17x17": block_reduce_17x17,
    "8x8": block_8x8,
}


@register_model(family="vision")
def inception_v3(
    *,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_v3",
):
    """Inception-v3: a factorised-convolution stem and eleven inception blocks, batch-normalised.

    Follows "Rethinking the Inception Architecture for Computer Vision" (Szegedy et al.,
    2015) as ``keras.applications.InceptionV3`` builds it: the same layers, created in the
    same order with the names a fresh process gives them (``conv2d`` ... ``conv2d_93``,
    ``mixed0`` ... ``mixed10``, ``avg_pool``, ``predictions``), so its weights load with
    ``set_weights(reference.get_weights())``, from a ``.weights.h5`` file, or with
    ``weights="imagenet"`` (copied from the keras.applications model, which downloads
    them through Keras' cache). 23,851,784 parameters with the top at 1000 classes,
    21,802,784 without. No auxiliary classifier, as in keras.applications.

    Args:
        include_top: whether to add global average pooling and the output layer.
        weights: ``None``, ``"imagenet"`` or the path to a weights file.
        input_tensor: optional Keras tensor to build on.
        input_shape: ``(height, width, channels)`` with 1, 3 or 4 channels (3 with
            ImageNet weights), at least 75x75; defaults to ``(299, 299, 3)`` with ImageNet
            weights and the top, else ``(None, None, 3)``.
        pooling: ``None``, ``"avg"`` or ``"max"``: global pooling of ``mixed10`` when
            ``include_top=False``.
        classes: number of classes (1000 with ImageNet weights and the top).
        classifier_activation: activation of the output layer; ``None`` gives logits.
        name: the model's name.

    Returns:
        A ``keras.Model`` from images (scaled to [-1, 1], as
        ``keras.applications.inception_v3.preprocess_input``) to ``(classes,)``
        probabilities, or ``mixed10``'s 2048 maps without the top.

    Example:
        >>> model = inception_v3(include_top=False, input_shape=(75, 75, 3), pooling="avg")
        >>> model.output_shape
        (None, 2048)
    """
    args = common.Arguments.from_locals(locals())
    common.check_arguments(args)
    image = common.image_input(args, default_size=299, min_size=75)
    names = LayerNames()
    x = conv2d_bn(image, 32, (3, 3), strides=2, padding="valid", names=names)
    x = conv2d_bn(x, 32, (3, 3), padding="valid", names=names)
    x = conv2d_bn(x, 64, (3, 3), names=names)
    x = _max_pool_valid(x, names)
    x = conv2d_bn(x, 80, (1, 1), padding="valid", names=names)
    x = conv2d_bn(x, 192, (3, 3), padding="valid", names=names)
    x = _max_pool_valid(x, names)
    for i, (kind, width) in enumerate(INCEPTION_V3_BLOCKS):
        x = BLOCKS[kind](x, width, names=names, name=f"mixed{i}")
    x = common.classifier_head(x, args)
    return common.finish(image, x, args, reference=keras.applications.InceptionV3)
