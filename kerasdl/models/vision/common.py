"""What every image-classification builder shares: its arguments, input, head and weights.

keras.applications repeats this in every file; here it is written once. Builders use the
keras.applications vocabulary, keyword-only and in this order: ``include_top, weights,
input_tensor, input_shape, pooling, classes, classifier_activation, name``. A builder
gathers those words into one :class:`Arguments` and passes it on::

    args = common.Arguments.from_locals(locals())
    common.check_arguments(args)
    image = common.image_input(args, default_size=224, min_size=32)
    x = ...  # the architecture's layers
    x = common.classifier_head(x, args)
    return common.finish(image, x, args, reference=keras.applications.ResNet50)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import keras
from keras import layers

from kerasdl.models.arguments import load_weights_file
from kerasdl.models.inputs import model_inputs

POOLINGS = (None, "avg", "max")


@dataclasses.dataclass(frozen=True)
class Arguments:
    """keras.applications' vocabulary, as one builder call received it.

    Attributes:
        include_top: whether the classifier is included.
        weights: ``None``, ``"imagenet"`` or a path to a weights file.
        input_tensor: optional Keras tensor to build on.
        input_shape: optional ``(height, width, channels)``.
        pooling: without the top, ``None``, ``"avg"`` or ``"max"``.
        classes: number of classes of the top.
        classifier_activation: activation of the last layer (name, callable or ``None``).
        name: the model's name.
    """

    include_top: bool
    weights: Any
    input_tensor: Any
    input_shape: Any
    pooling: str | None
    classes: int
    classifier_activation: Any
    name: str

    @classmethod
    def from_locals(cls, values: dict) -> Arguments:
        """The vocabulary's words out of a builder's arguments (its ``locals()`` before any assignment)."""
        return cls(**{field.name: values[field.name] for field in dataclasses.fields(cls)})


def check_arguments(args: Arguments, *, imagenet: bool = True) -> None:
    """Raises ``ValueError`` naming the argument and echoing the value for bad arguments.

    Args:
        args: the builder's arguments.
        imagenet: whether ImageNet weights exist for this family (through keras.applications).
    """
    weights, include_top, classes = args.weights, args.include_top, args.classes
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
    if args.pooling not in POOLINGS:
        raise ValueError(f"pooling must be None, 'avg' or 'max'; Received: pooling={args.pooling!r}")
    if weights == "imagenet" and include_top and args.classifier_activation not in (None, "softmax"):
        raise ValueError(
            "with ImageNet weights the classifier_activation must be None or 'softmax'; "
            f"Received: classifier_activation={args.classifier_activation!r}"
        )


def image_input(args: Arguments, *, default_size, min_size, fixed_size=False, default_shape=None):
    """The model's image input, after checking its shape.

    Args:
        args: the builder's arguments; ``input_tensor`` or ``input_shape`` give the input.
            ImageNet weights need 3 channels, and with the top also ``default_size``.
        default_size: the architecture's input side (224 for ResNet, 299 for Inception-v3).
        min_size: the smallest side the architecture accepts.
        fixed_size: the top flattens feature maps (VGG, AlexNet, LeNet), so with it the
            spatial size must be known.
        default_shape: the family's own input when neither ``input_tensor`` nor
            ``input_shape`` is given (LeNet's 32x32 grey images); by default
            ``(default_size, default_size, 3)`` where the size must be known, else
            ``(None, None, 3)``.

    Returns:
        The tensor to build on: ``args.input_tensor``, or a new ``keras.Input`` named ``"image"``.
    """
    weights, include_top, input_tensor = args.weights, args.include_top, args.input_tensor
    if input_tensor is not None:
        if len(input_tensor.shape) != 4:
            raise ValueError(f"input_tensor must have rank 4; Received: input_tensor.shape={tuple(input_tensor.shape)}")
        shape = tuple(input_tensor.shape[1:])
    elif args.input_shape is not None:
        shape = tuple(args.input_shape)
    elif default_shape is not None:
        shape = tuple(default_shape)
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
    return input_tensor if input_tensor is not None else keras.Input(shape=shape, name="image")


def pool(x, pooling):
    """Global average or max pooling of the feature maps, or nothing."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def predictions(x, args: Arguments, *, name="predictions"):
    """The ``Dense(classes)`` output layer with ``classifier_activation``.

    In float32, so that mixed-precision training keeps the probabilities exact.
    """
    return layers.Dense(args.classes, activation=args.classifier_activation, dtype="float32", name=name)(x)


def average_pooling_top(x, args: Arguments):
    """The usual top: global average pooling, then the output layer (ResNet, MobileNetV2, Inception-v3)."""
    return predictions(pool(x, "avg"), args)


def classifier_head(x, args: Arguments, top: Callable = average_pooling_top, **options):
    """The end of the network: the top when ``args.include_top``, else ``args.pooling`` of the maps.

    Args:
        x: the last feature maps.
        args: the builder's arguments.
        top: ``top(x, args, **options)`` builds the architecture's classifier, ending with its
            ``"predictions"`` layer; global average pooling and :func:`predictions` by default.
        **options: the top's own arguments (e.g. its dropout rate).

    Returns:
        The model's output tensor.
    """
    if args.include_top:
        return top(x, args, **options)
    return pool(x, args.pooling)


def finish(image, outputs, args: Arguments, *, reference: Callable[..., keras.Model] | None = None, **reference_kwargs):
    """The ``keras.Model`` from ``image`` to ``outputs``, named ``args.name``, with ``args.weights`` loaded.

    Args:
        image: the tensor :func:`image_input` returned; the model's inputs are the true
            inputs behind it (another model's, when it was built on ``input_tensor``).
        outputs: the output tensor, or a list of them.
        args: the builder's arguments.
        reference: the keras.applications builder with the same layers, which
            ``weights="imagenet"`` copies from; ``None`` where there is none.
        **reference_kwargs: the reference's own arguments beyond the vocabulary (``alpha``).

    Returns:
        The model.
    """
    model = keras.Model(model_inputs(image), outputs, name=args.name)
    return load_weights(
        model,
        args.weights,
        reference=reference,
        include_top=args.include_top,
        input_shape=tuple(image.shape[1:]),
        pooling=args.pooling,
        classes=args.classes,
        classifier_activation=args.classifier_activation,
        **reference_kwargs,
    )


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
    return load_weights_file(model, path, by_name=legacy_h5)
