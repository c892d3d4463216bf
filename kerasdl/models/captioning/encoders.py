"""The image encoder of a captioner: any registered vision builder or keras.applications model.

The encoder maps float images in [0, 1] to a grid of feature vectors ``(batch, h * w, c)``
(the last convolutional feature map, flattened), as Show, Attend and Tell's "annotation
vectors". ``"small_cnn"`` is a compact VGG-style stack trained from scratch on a CPU in minutes.
"""

from __future__ import annotations

import os

import keras
from keras import layers

from kerasdl.layers.image_preprocessing import ImagePreprocessing
from kerasdl.models.arguments import load_weights_file
from kerasdl.models.captioning.common import ENCODER_LAYER, IMAGE_INPUT

SMALL_CNN = "small_cnn"
SMALL_CNN_WIDTHS = (24, 48, 96, 128)  # stride 8: three 2x2 poolings between the four stages
_MODE_BY_PREFIX = (
    ("resnet50v2", "tf"),
    ("resnet101v2", "tf"),
    ("resnet152v2", "tf"),
    ("resnet", "caffe"),
    ("vgg", "caffe"),
    ("densenet", "torch"),
    ("mobilenet", "tf"),
    ("inception", "tf"),
    ("xception", "tf"),
    ("nasnet", "tf"),
    ("efficientnet", "raw255"),
    ("convnext", "raw255"),
    ("regnet", "raw255"),
)


def preprocessing_mode(encoder: str, encoder_weights) -> str:
    """``"unit"`` for encoders trained here; the ImageNet convention of ``encoder`` otherwise."""
    if encoder_weights is None or encoder == SMALL_CNN:
        return "unit"
    key = encoder.lower().replace("_", "")
    return next((mode for prefix, mode in _MODE_BY_PREFIX if key.startswith(prefix)), "tf")


def _small_cnn(x):
    for stage, width in enumerate(SMALL_CNN_WIDTHS, start=1):
        if stage > 1:
            x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
        for i in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"stage{stage}_conv{i}")(x)
            x = layers.BatchNormalization(name=f"stage{stage}_bn{i}")(x)
            x = layers.Activation("relu", name=f"stage{stage}_relu{i}")(x)
    return x


def _backbone(encoder, encoder_weights, image_shape):
    """The convolutional trunk without its classifier, as a model (or None for ``small_cnn``)."""
    from kerasdl.registry import list_models, model_entry

    if encoder in list_models(family="vision"):
        return model_entry(encoder).builder(include_top=False, weights=encoder_weights, input_shape=image_shape)
    application = getattr(keras.applications, encoder, None)
    if not callable(application) or not encoder[:1].isupper():
        vision = ", ".join(list_models(family="vision"))
        raise ValueError(
            f"encoder must be {SMALL_CNN!r}, a registered vision builder ({vision}) or a keras.applications "
            f"model name such as 'MobileNetV2'; Received: encoder={encoder!r}"
        )
    if encoder_weights in (None, "imagenet"):
        return application(include_top=False, weights=encoder_weights, input_shape=image_shape)
    # A file: what keras.applications would do with it, with a damaged file reported as a ValueError.
    model = application(include_top=False, weights=None, input_shape=image_shape)
    return load_weights_file(model, encoder_weights, argument="encoder_weights")


def image_encoder(*, encoder=SMALL_CNN, encoder_weights=None, train_encoder=True, image_shape=(128, 128, 3)):
    """An image encoder: float images in [0, 1] to a feature grid ``(batch, positions, channels)``.

    Args:
        encoder: ``"small_cnn"``, a registered vision builder name (``"resnet18"``,
            ``"mobilenet_v2"``, ``"vgg11"`` ...; built with ``include_top=False``) or a
            keras.applications model name (``"MobileNetV2"``, ``"ResNet50"`` ...).
        encoder_weights: ``None`` (random initialisation), ``"imagenet"`` or a weights file.
        train_encoder: ``False`` freezes the encoder (its batch norm stays in inference mode).
        image_shape: ``(height, width, 3)``.

    Returns:
        A Keras model named ``"encoder"``.
    """
    if not isinstance(encoder, str) or not encoder:
        raise ValueError(f"encoder must be a model name; Received: encoder={encoder!r}")
    if not (
        encoder_weights is None
        or encoder_weights == "imagenet"
        or (isinstance(encoder_weights, (str, os.PathLike)) and os.path.isfile(encoder_weights))
    ):
        raise ValueError(
            f"encoder_weights must be None, 'imagenet' or an existing weights file; "
            f"Received: encoder_weights={encoder_weights!r}"
        )
    if not isinstance(train_encoder, bool):
        raise ValueError(f"train_encoder must be a bool; Received: train_encoder={train_encoder!r}")
    image = keras.Input(shape=image_shape, name=IMAGE_INPUT)
    x = ImagePreprocessing(preprocessing_mode(encoder, encoder_weights), name="preprocessing")(image)
    if encoder == SMALL_CNN:
        if encoder_weights == "imagenet":
            raise ValueError(f"encoder={SMALL_CNN!r} has no ImageNet weights; Received: encoder_weights='imagenet'")
        grid = _small_cnn(x)
    else:
        backbone = _backbone(encoder, encoder_weights, image_shape)
        backbone.trainable = train_encoder
        grid = backbone(x, training=None if train_encoder else False)
    if grid.shape[-1] is None or grid.shape[1] is None or grid.shape[2] is None:
        raise ValueError(
            f"encoder {encoder!r} gives a feature map of unknown size {tuple(grid.shape)} for image_shape={image_shape}"
        )
    features = layers.Reshape((grid.shape[1] * grid.shape[2], grid.shape[3]), name="feature_grid")(grid)
    model = keras.Model(image, features, name=ENCODER_LAYER)
    if encoder == SMALL_CNN and encoder_weights is not None:
        load_weights_file(model, encoder_weights, argument="encoder_weights")
    if encoder == SMALL_CNN and not train_encoder:
        model.trainable = False
    return model
