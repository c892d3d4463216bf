"""The feature network of neural style transfer: chosen layers of an image classifier.

Gatys, Ecker & Bethge (2016) read style from ``conv1_1 ... conv5_1`` and content from
``conv4_2`` of VGG-19; keras.io's example (and this module's default) takes content from
``block5_conv2``. Any registered vision builder or ``keras.applications`` model can serve,
with layers named in its own terms.
"""

from __future__ import annotations

import difflib

import keras
import numpy as np

from kerasdl.layers.image_preprocessing import PREPROCESSING_MODES, ImagePreprocessing

STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
CONTENT_LAYER = "block5_conv2"
DEFAULT_SEED = 0


def preprocessing_for(backbone: str) -> str:
    """The input convention of ``backbone``'s ImageNet weights (see :class:`~kerasdl.layers.ImagePreprocessing`)."""
    name = backbone.lower()
    if name.startswith(("efficientnet", "convnext", "regnet")):
        return "raw255"
    if name.startswith(("mobilenet", "inception", "xception", "nasnet", "googlenet")) or "v2" in name:
        return "tf"
    if name.startswith("densenet"):
        return "torch"
    return "caffe"  # VGG and ResNet (keras.applications' caffe convention)


def fixed_random_weights(model, seed: int = DEFAULT_SEED):
    """Redraws ``model``'s convolution and dense kernels from a seeded He-normal, biases zero.

    The draws come from NumPy's ``default_rng(seed)`` layer by layer, so the network is the
    same on every machine and every TensorFlow version. He-normal (variance ``2 / fan_in``)
    keeps the activations' scale through ReLU layers, as trained VGG's roughly do; random
    multi-scale features are known to carry texture (Ustyuzhaninov et al. 2017).

    Args:
        model: a ``keras.Model``; changed in place.
        seed: the NumPy seed.

    Returns:
        ``model``.
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None or len(kernel.shape) < 2:
            continue
        shape = tuple(kernel.shape)
        fan_in = int(np.prod(shape[:-1]))
        layer.kernel.assign(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32))
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(np.zeros(tuple(layer.bias.shape), np.float32))
    return model


def _backbone(backbone: str, weights):
    """``backbone`` without its top, on images of any size: a registered builder or a keras.applications model."""
    from kerasdl.registry import get_model, list_models

    arguments = {"include_top": False, "weights": weights, "input_shape": (None, None, 3)}
    if backbone in list_models():
        return get_model(backbone, **arguments)
    application = getattr(keras.applications, backbone, None)
    if callable(application) and backbone[:1].isupper():
        return application(**arguments)
    known = list_models(family="vision")
    close = difflib.get_close_matches(backbone, known + [n for n in dir(keras.applications) if n[:1].isupper()], n=3)
    hint = (
        f" Did you mean: {', '.join(close)}?" if close else f" Known: {', '.join(known)} or a keras.applications model."
    )
    raise ValueError(f"Unknown backbone; Received: backbone={backbone!r}.{hint}")


def _check_layers(model, backbone: str, names) -> None:
    present = [layer.name for layer in model.layers]
    for name in names:
        if name in present:
            continue
        close = difflib.get_close_matches(name, present, n=3, cutoff=0.8)
        if close:
            raise ValueError(f"{backbone} has no layer {name!r}; did you mean {', '.join(close)}?")
        convs = [n for n in present if "conv" in n][:6]
        raise ValueError(
            f"{backbone} has no layer {name!r} (style and content layers name the feature network's "
            f"layers; {backbone}'s include {', '.join(convs or present[:6])} ...)"
        )


def style_feature_extractor(
    backbone="vgg19",
    *,
    weights=None,
    style_layers=STYLE_LAYERS,
    content_layer=CONTENT_LAYER,
    preprocessing="auto",
    seed=DEFAULT_SEED,
    name=None,
):
    """The feature network of Gatys et al.'s style transfer: ``{layer: activations}`` of chosen layers.

    Follows "Image Style Transfer Using Convolutional Neural Networks" (Gatys, Ecker & Bethge,
    2016): style from ``block1_conv1 ... block5_conv1`` of VGG-19, content (as keras.io's
    example) from ``block5_conv2``. The network is cut after the deepest layer needed and
    frozen; it takes RGB images in [0, 1] of any size and preprocesses them as its weights expect.

    Args:
        backbone: a registered vision builder (``"vgg19"``, ``"resnet50"``...) or a
            ``keras.applications`` model (``"VGG19"``).
        weights: ``None``: fixed random weights (:func:`fixed_random_weights` with ``seed``),
            ``"imagenet"`` (downloaded by Keras), or the path to a weights file.
        style_layers: the layers whose Gram matrices define style.
        content_layer: the layer whose activations define content.
        preprocessing: ``"auto"`` (the backbone's ImageNet convention) or an
            :class:`~kerasdl.layers.ImagePreprocessing` mode.
        seed: the seed of the random weights.
        name: the model's name (default ``<backbone>_style_features``).

    Returns:
        A frozen ``keras.Model`` from ``(b, h, w, 3)`` images in [0, 1] to a dict of activations.

    Raises:
        ValueError: an unknown backbone, or a layer the backbone does not have.

    Example:
        >>> features = style_feature_extractor("vgg19")
        >>> sorted(features(keras.ops.zeros((1, 32, 32, 3))))[:2]
        ['block1_conv1', 'block2_conv1']
    """
    style_layers = tuple(style_layers)
    if not style_layers or not all(isinstance(n, str) and n for n in style_layers):
        raise ValueError(f"style_layers must name at least one layer; Received: style_layers={style_layers!r}")
    if not isinstance(content_layer, str) or not content_layer:
        raise ValueError(f"content_layer must name a layer; Received: content_layer={content_layer!r}")
    mode = preprocessing_for(backbone) if preprocessing == "auto" else preprocessing
    if mode not in PREPROCESSING_MODES:
        raise ValueError(f"preprocessing must be 'auto' or one of {PREPROCESSING_MODES}; Received: {preprocessing!r}")
    network = _backbone(backbone, weights)
    names = tuple(dict.fromkeys(style_layers + (content_layer,)))
    _check_layers(network, backbone, names)
    if weights is None:
        fixed_random_weights(network, seed)
    trunk = keras.Model(network.input, {n: network.get_layer(n).output for n in names}, name=f"{backbone}_trunk")
    image = keras.Input((None, None, 3), name="image")
    outputs = trunk(ImagePreprocessing(mode, name="preprocessing")(image))
    model = keras.Model(image, outputs, name=name or f"{backbone}_style_features")
    model.trainable = False
    return model
