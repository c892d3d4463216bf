"""What every image-classification builder shares: argument checks, input, pooling, weights.

keras.applications repeats this in every file; here it is written once. Builders use the
keras.applications vocabulary, keyword-only and in this order: ``include_top, weights,
input_tensor, input_shape, pooling, classes, classifier_activation, name``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import keras
from keras import layers

POOLINGS = (None, "avg", "max")


def check_arguments(*, weights, include_top, pooling, classes, classifier_activation, imagenet=True):
    """Raises ``ValueError`` naming the argument and echoing the value for bad arguments.

    Args:
        weights: ``None``, ``"imagenet"`` or a path to a weights file.
        include_top: whether the classifier is included.
        pooling: ``None``, ``"avg"`` or ``"max"``.
        classes: number of classes, a positive int.
        classifier_activation: activation of the last layer (name, callable or ``None``).
        imagenet: whether ImageNet weights exist for this family (through keras.applications).
    """
    if not (
        weights is None
        or weights == "imagenet"
        or (isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights))
    ):
        known = "None, 'imagenet' or" if imagenet else "None or"
        raise ValueError(f"weights must be {known} the path to an existing weights file; Received: weights={weights!r}")
    if weights == "imagenet" and not imagenet:
        raise ValueError(f"no ImageNet weights are published for this architecture; Received: weights={weights!r}")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
        raise ValueError(f"classes must be a positive int; Received: classes={classes!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"weights='imagenet' with include_top=True needs classes=1000; Received: classes={classes!r}")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be None, 'avg' or 'max'; Received: pooling={pooling!r}")
    if weights == "imagenet" and include_top and classifier_activation not in (None, "softmax"):
        raise ValueError(
            "with ImageNet weights the classifier_activation must be None or 'softmax'; "
            f"Received: classifier_activation={classifier_activation!r}"
        )


def image_input(*, input_tensor, input_shape, default_size, min_size, weights, include_top, fixed_size=False):
    """The model's image input, after checking its shape.

    Args:
        input_tensor: optional Keras tensor to build on.
        input_shape: optional ``(height, width, channels)``; channels 1, 3 or 4.
        default_size: the architecture's input side (224 for ResNet, 299 for Inception-v3).
        min_size: the smallest side the architecture accepts.
        weights: as given to the builder; ImageNet weights need 3 channels, and with the top
            also ``default_size``.
        include_top: whether the classifier is included.
        fixed_size: the top flattens feature maps (VGG, AlexNet, LeNet), so with it the
            spatial size must be known.

    Returns:
        ``(image, inputs)``: the tensor to build on and what to pass to ``keras.Model``.
    """
    if input_tensor is not None:
        if len(input_tensor.shape) != 4:
            raise ValueError(f"input_tensor must have rank 4; Received: input_tensor.shape={tuple(input_tensor.shape)}")
        shape = tuple(input_tensor.shape[1:])
    elif input_shape is not None:
        shape = tuple(input_shape)
    elif include_top and (weights == "imagenet" or fixed_size):
        shape = (default_size, default_size, 3)
    else:
        shape = (None, None, 3)
    if len(shape) != 3 or shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"input_shape must be (height, width, channels) with 1, 3 or 4 channels; Received: input_shape={shape}"
        )
    if weights == "imagenet" and shape[-1] != 3:
        raise ValueError(f"ImageNet weights need 3 input channels; Received: input_shape={shape}")
    if weights == "imagenet" and include_top and shape[:2] != (default_size, default_size):
        raise ValueError(
            f"weights='imagenet' with include_top=True needs input_shape=({default_size}, {default_size}, 3); "
            f"Received: input_shape={shape}"
        )
    if include_top and fixed_size and None in shape[:2]:
        raise ValueError(
            f"include_top=True flattens the feature maps, so the input size must be known; Received: input_shape={shape}"
        )
    for side in shape[:2]:
        if side is not None and side < min_size:
            raise ValueError(
                f"input is too small for this architecture (minimum {min_size}x{min_size}); Received: input_shape={shape}"
            )
    if input_tensor is not None:
        sources = keras.utils.get_source_inputs(input_tensor)
        return input_tensor, sources[0] if len(sources) == 1 else sources
    image = keras.Input(shape=shape, name="image")
    return image, image


def pool(x, pooling):
    """Global average or max pooling of the feature maps, or nothing."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def load_weights(model, weights, *, reference: Callable[..., keras.Model] | None = None, **reference_kwargs):
    """Loads ``weights`` into ``model``.

    A path is loaded with ``model.load_weights``. A legacy HDF5 file (``.h5``/``.hdf5``,
    the format keras.applications publishes its ImageNet weights in) is matched to layers
    by name, so the published files load unchanged; a Keras 3 ``.weights.h5`` file is
    matched by layer class and order, which kerasdl's builders keep equal to
    keras.applications'. ``"imagenet"`` builds the keras.applications ``reference`` with
    ``weights="imagenet"``, which downloads through Keras' own hashed cache, and copies
    its weights over.
    """
    if weights is None:
        return model
    if weights == "imagenet":
        if reference is None:
            raise ValueError(f"no ImageNet weights are published for this architecture; Received: weights={weights!r}")
        model.set_weights(reference(weights="imagenet", **reference_kwargs).get_weights())
        return model
    path = os.fspath(weights)
    legacy_h5 = path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5")
    if legacy_h5:
        model.load_weights(path, by_name=True)
    else:
        model.load_weights(path)
    return model
