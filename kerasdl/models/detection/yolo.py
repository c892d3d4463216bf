"""YOLO: a single-shot, anchor-free object detector after YOLOv8, and its box coding and NMS.

The builder follows Ultralytics YOLOv8 (Jocher, Chaurasia and Qiu, 2023): a CSP backbone
(C2f blocks, SPPF), a PAN-FPN neck and a decoupled head over three pyramid levels. The
network outputs raw logits; the box coding (:func:`anchor_points`, :func:`decode_boxes`,
:func:`encode_distances`) is in ``keras.ops`` so training (``kerasdl.models.detection.training``)
and the exported graph share it, and :class:`YOLODecoder` adds the sigmoid and non-max
suppression inside the graph (:func:`yolo_detector`).
"""

from __future__ import annotations

import math
import os

import keras
from keras import layers, ops

from kerasdl import registry
from kerasdl.models.arguments import check_choice, check_int_at_least, check_positive_int, load_weights_file
from kerasdl.models.detection.blocks import c2f, conv_bn_silu, sppf
from kerasdl.models.inputs import image_input, model_inputs
from kerasdl.registry import register_model

REG_MAX = 16  # DFL bins per box side (YOLOv8)
STRIDES = (8, 16, 32)  # P3, P4, P5
CLASS_PRIOR = 0.01  # the untrained head's class probability (Lin et al. 2017's prior)
BOX_BIAS = 1.0  # the untrained head's box-bin logits, as Ultralytics' Detect.bias_init

# YOLOv8's scales table: (depth multiple, width multiple, max channels) per size.
SIZES = {
    "n": (0.33, 0.25, 1024),
    "s": (0.33, 0.50, 1024),
    "m": (0.67, 0.75, 768),
}
# The backbone at width and depth 1: a 3x3/2 stem of 64 channels, then per stage a 3x3/2
# Conv and a C2f of (channels, bottlenecks); stages 3, 4 and 5 give P3, P4 and P5, and SPPF
# ends stage 5.
STEM_CHANNELS = 64
BACKBONE_STAGES = ((128, 3), (256, 6), (512, 6), (1024, 3))
NECK_CHANNELS = (256, 512, 1024)  # the neck's P3, P4, P5 outputs
NECK_BLOCKS = 3  # bottlenecks per C2f of the neck
LEVELS = ("p3", "p4", "p5")


def _scaled(*, depth, width, max_channels):
    """YOLOv8's compound scaling: channels to a multiple of 8 (capped), repeats rounded (at least 1)."""

    def channels(c):
        return int(math.ceil(min(c, max_channels) * width / 8) * 8)

    def blocks(n):
        return max(round(n * depth), 1) if n > 1 else n

    return channels, blocks


def _check_weights(weights):
    if not (weights is None or (isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights))):
        raise ValueError(f"weights must be None or the path to an existing weights file; Received: weights={weights!r}")


def _check_sides(image):
    for side in image.shape[1:3]:
        if side is not None and (side < STRIDES[-1] or side % STRIDES[-1]):
            raise ValueError(
                f"the input's height and width must be multiples of {STRIDES[-1]} (or None); "
                f"Received: input shape {tuple(image.shape)}"
            )


def csp_backbone(image, *, channels, blocks):
    """YOLOv8's own backbone: stem, four Conv + C2f stages (residual), SPPF; returns P3, P4, P5."""
    x = conv_bn_silu(image, filters=channels(STEM_CHANNELS), kernel_size=3, strides=2, name="stem")
    features = []
    for stage, (width, repeats) in enumerate(BACKBONE_STAGES, start=2):
        x = conv_bn_silu(x, filters=channels(width), kernel_size=3, strides=2, name=f"stage{stage}_down")
        x = c2f(x, filters=channels(width), blocks=blocks(repeats), shortcut=True, name=f"stage{stage}_c2f")
        if stage == 1 + len(BACKBONE_STAGES):
            x = sppf(x, filters=channels(width), name="sppf")
        if stage >= 3:
            features.append(x)
    return features


def _feature_layers(model, channels):
    """The last layer of ``model`` at each of :data:`STRIDES`, found on a probe input.

    The model runs symbolically on its own input size (128 x 128 where that is unknown) and
    each layer's 4D output is compared with the input: the last layer in ``model.layers``
    whose output is ``1 / stride`` of the input wins. Padding layers (one pixel more) and
    pooled outputs match no stride.
    """
    height, width = model.input_shape[1:3]
    if height is None or width is None:
        height = width = 4 * STRIDES[-1]
    candidates = []
    for layer in model.layers[1:]:
        try:
            output = layer.output
        except (AttributeError, ValueError):  # a layer used at several places has no single output
            continue
        if not isinstance(output, keras.KerasTensor) or len(output.shape) != 4:
            continue
        candidates.append(layer)
    probe = keras.Model(model.inputs, [layer.output for layer in candidates])
    specs = probe.compute_output_spec(keras.KerasTensor((1, height, width, channels)))
    found = {}
    for layer, spec in zip(candidates, specs):
        for stride in STRIDES:
            if tuple(spec.shape[1:3]) == (height // stride, width // stride):
                found[stride] = layer
    missing = [stride for stride in STRIDES if stride not in found]
    if missing:
        raise ValueError(
            f"backbone must have feature maps at strides {STRIDES}; it has none at {missing}; "
            f"Received: backbone={model.name!r}"
        )
    return [found[stride] for stride in STRIDES]


def foreign_backbone(image, backbone):
    """P3, P4, P5 from another backbone: a registered vision builder's name or a ``keras.Model``.

    The feature maps are the last layers at strides 8, 16 and 32 (:func:`_feature_layers`);
    they come out of a sub-model named ``"backbone"``. A name is built headless and without
    weights on the detector's input shape; pass a ``keras.Model`` for pretrained weights.
    """
    if isinstance(backbone, str):
        vision = registry.list_models(family="vision")
        if backbone not in vision:
            raise ValueError(
                f"backbone must be None, a keras.Model or the name of a registered vision builder "
                f"({', '.join(vision)}); Received: backbone={backbone!r}"
            )
        backbone = registry.get_model(backbone, include_top=False, input_shape=tuple(image.shape[1:]))
    if backbone.input_shape[-1] != image.shape[-1]:
        raise ValueError(
            f"backbone's input has {backbone.input_shape[-1]} channels, the detector's {image.shape[-1]}; "
            f"Received: backbone={backbone.name!r}"
        )
    picked = _feature_layers(backbone, image.shape[-1])
    extractor = keras.Model(backbone.inputs, [layer.output for layer in picked], name="backbone")
    return list(extractor(image))


def pan_fpn_neck(features, *, channels, blocks):
    """YOLOv8's PAN-FPN: top-down (upsample, concatenate, C2f), then bottom-up (Conv/2, concatenate, C2f)."""
    p3, p4, p5 = features
    x = layers.UpSampling2D(2, interpolation="nearest", name="neck_p4_up")(p5)
    x = layers.Concatenate(name="neck_p4_concat")([x, p4])
    top4 = c2f(x, filters=channels(NECK_CHANNELS[1]), blocks=blocks(NECK_BLOCKS), shortcut=False, name="neck_p4_c2f")
    x = layers.UpSampling2D(2, interpolation="nearest", name="neck_p3_up")(top4)
    x = layers.Concatenate(name="neck_p3_concat")([x, p3])
    out3 = c2f(x, filters=channels(NECK_CHANNELS[0]), blocks=blocks(NECK_BLOCKS), shortcut=False, name="neck_p3_c2f")
    x = conv_bn_silu(out3, filters=channels(NECK_CHANNELS[0]), kernel_size=3, strides=2, name="neck_n4_down")
    x = layers.Concatenate(name="neck_n4_concat")([x, top4])
    out4 = c2f(x, filters=channels(NECK_CHANNELS[1]), blocks=blocks(NECK_BLOCKS), shortcut=False, name="neck_n4_c2f")
    x = conv_bn_silu(out4, filters=channels(NECK_CHANNELS[1]), kernel_size=3, strides=2, name="neck_n5_down")
    x = layers.Concatenate(name="neck_n5_concat")([x, p5])
    out5 = c2f(x, filters=channels(NECK_CHANNELS[2]), blocks=blocks(NECK_BLOCKS), shortcut=False, name="neck_n5_c2f")
    return [out3, out4, out5]


def decoupled_head(features, *, classes, reg_max):
    """Per level two 3x3 Convs and a 1x1 convolution for the box bins, the same apart for the classes.

    Widths as Ultralytics' ``Detect``: ``max(16, c3 // 4, 4 * reg_max)`` for boxes and
    ``max(c3, min(classes, 100))`` for classes, ``c3`` the P3 map's channels. Each level's
    ``(h, w, 4 * reg_max + classes)`` map is flattened row-major; the levels are concatenated.
    """
    first = features[0].shape[-1]
    box_width = max(16, first // 4, 4 * reg_max)
    class_width = max(first, min(classes, 100))
    class_bias = math.log(CLASS_PRIOR / (1 - CLASS_PRIOR))
    outputs = []
    for level, x in zip(LEVELS, features):
        box = conv_bn_silu(x, filters=box_width, kernel_size=3, name=f"head_{level}_box1")
        box = conv_bn_silu(box, filters=box_width, kernel_size=3, name=f"head_{level}_box2")
        box = layers.Conv2D(
            4 * reg_max, 1, bias_initializer=keras.initializers.Constant(BOX_BIAS), name=f"head_{level}_box_pred"
        )(box)
        cls = conv_bn_silu(x, filters=class_width, kernel_size=3, name=f"head_{level}_class1")
        cls = conv_bn_silu(cls, filters=class_width, kernel_size=3, name=f"head_{level}_class2")
        cls = layers.Conv2D(
            classes, 1, bias_initializer=keras.initializers.Constant(class_bias), name=f"head_{level}_class_pred"
        )(cls)
        y = layers.Concatenate(name=f"head_{level}_concat")([box, cls])
        outputs.append(layers.Reshape((-1, 4 * reg_max + classes), name=f"head_{level}_flatten")(y))
    x = layers.Concatenate(axis=1, name="head_concat")(outputs)
    # float32 output so mixed-precision training keeps the losses exact.
    return layers.Activation("linear", dtype="float32", name="predictions")(x)


def _yolo(*, depth, width, max_channels, weights, input_tensor, input_shape, classes, backbone, reg_max, name):
    """The YOLOv8 family at one row of :data:`SIZES`."""
    _check_weights(weights)
    check_positive_int("classes", classes)
    check_int_at_least("reg_max", reg_max, 2)
    if not (backbone is None or isinstance(backbone, (str, keras.Model))):
        raise ValueError(
            f"backbone must be None, a keras.Model or the name of a registered vision builder; "
            f"Received: backbone={backbone!r}"
        )
    default_shape = (None, None, 3)
    if isinstance(backbone, keras.Model) and len(backbone.input_shape) == 4:
        default_shape = tuple(backbone.input_shape[1:])
    image = image_input(input_tensor=input_tensor, input_shape=input_shape, default_shape=default_shape, name="image")
    _check_sides(image)
    channels, blocks = _scaled(depth=depth, width=width, max_channels=max_channels)
    if backbone is None:
        features = csp_backbone(image, channels=channels, blocks=blocks)
    else:
        features = foreign_backbone(image, backbone)
    features = pan_fpn_neck(features, channels=channels, blocks=blocks)
    outputs = decoupled_head(features, classes=classes, reg_max=reg_max)
    model = keras.Model(model_inputs(image), outputs, name=name)
    if weights is not None:
        load_weights_file(model, weights)
    return model


@register_model(family="detection")
def yolo(
    *,
    weights=None,
    input_tensor=None,
    input_shape=None,
    classes=80,
    size="n",
    backbone=None,
    reg_max=REG_MAX,
    name="yolo",
):
    """YOLO: a single-shot, anchor-free detector after YOLOv8, box bins and class logits per grid cell.

    Follows Ultralytics YOLOv8 (Jocher, Chaurasia and Qiu, 2023), itself after "You Only Look
    Once" (Redmon et al., 2016). The seeds' grid idea stays: YOLO divides the image into an
    S x S grid and each cell predicts the boxes around it and their class. YOLOv8 makes it
    anchor-free and multi-scale: every cell of three grids (strides 8, 16 and 32: P3, P4, P5)
    predicts, from its centre, the distances to the four sides of the box it lies in, each
    as a distribution over ``reg_max`` bins in stride units (distribution focal loss, Li et
    al. 2020), and one logit per class.

    The network: a 3x3/2 stem and four stages of a 3x3/2 Conv and a C2f block (residual
    bottlenecks), SPPF at the end of the backbone, a PAN-FPN neck (top-down: upsample,
    concatenate, C2f; bottom-up: 3x3/2 Conv, concatenate, C2f; bottlenecks without shortcut)
    and a decoupled head per level (box branch and class branch, two 3x3 Convs each, then a
    1x1 convolution), Conv being Conv2D without bias, batch norm and SiLU. Sizes are YOLOv8's
    scales (depth, width, max channels): ``"n"`` (0.33, 0.25, 1024), ``"s"`` (0.33, 0.5, 1024),
    ``"m"`` (0.67, 0.75, 768); at 80 classes 3.16M, 11.17M and 25.90M trainable parameters, as
    Ultralytics publishes. The untrained head predicts class probability 0.01 everywhere and
    box-bin logits of 1.0, as Ultralytics initialises it.

    Args:
        weights: ``None`` or the path to a weights file saved from this architecture.
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``, ``h`` and ``w`` multiples of 32 or ``None``;
            defaults to ``(None, None, 3)`` (or the ``backbone`` model's input). Pixels in
            ``[0, 1]``.
        classes: number of object classes.
        size: ``"n"``, ``"s"`` or ``"m"``: the width and depth multipliers of YOLOv8's table.
        backbone: ``None`` for YOLOv8's CSP backbone, else the name of a registered vision
            builder (built headless, without weights) or a ``keras.Model``; the neck takes its
            last layers at strides 8, 16 and 32, and the neck and head keep ``size``'s widths.
        reg_max: bins per box side; a side can reach ``reg_max - 1`` strides from the cell.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` images to raw predictions ``(anchors,
        4 * reg_max + classes)``: per anchor the left, top, right and bottom sides' bin logits
        (side-major), then the class logits. Anchors are ordered P3, P4, P5, each row-major,
        as :func:`anchor_points`; :func:`decode_boxes` turns them into boxes and
        :func:`yolo_detector` into non-max-suppressed detections.

    Example:
        >>> model = yolo(input_shape=(64, 64, 3), classes=3)
        >>> model.output_shape  # 8*8 + 4*4 + 2*2 anchors, 4 * 16 bins + 3 classes
        (None, 84, 67)
        >>> on_mobilenet = yolo(input_shape=(64, 64, 3), classes=3, backbone="mobilenet_v2")
    """
    check_choice("size", size, tuple(SIZES))
    depth, width, max_channels = SIZES[size]
    return _yolo(
        depth=depth,
        width=width,
        max_channels=max_channels,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        classes=classes,
        backbone=backbone,
        reg_max=reg_max,
        name=name,
    )


def anchor_points(height, width, *, strides=STRIDES):
    """Every grid cell's centre and stride, for an input of ``height`` x ``width`` pixels.

    Args:
        height: the input's height in pixels (an int or a scalar tensor).
        width: its width.
        strides: the pyramid levels' strides.

    Returns:
        ``(points, strides)``: float32 ``(N, 2)`` centres ``(x, y) = ((col + 0.5) * stride,
        (row + 0.5) * stride)`` and ``(N,)`` strides, the levels in order and each level
        row-major (``y``, then ``x``): the order of :func:`yolo`'s anchors.

    Example:
        >>> points, strides = anchor_points(64, 64)  # 64 + 16 + 4 anchors
    """
    points, anchor_strides = [], []
    for stride in strides:
        rows = (height + stride - 1) // stride  # Python's // on ints and tensors (LiteRT's FLOOR_DIV)
        cols = (width + stride - 1) // stride
        xs = (ops.cast(ops.arange(cols), "float32") + 0.5) * stride
        ys = (ops.cast(ops.arange(rows), "float32") + 0.5) * stride
        grid_x, grid_y = ops.meshgrid(xs, ys, indexing="xy")  # each (rows, cols)
        points.append(ops.reshape(ops.stack([grid_x, grid_y], axis=-1), (-1, 2)))
        anchor_strides.append(ops.full((rows * cols,), float(stride), dtype="float32"))
    return ops.concatenate(points, axis=0), ops.concatenate(anchor_strides, axis=0)


def decode_boxes(raw, points, strides, *, reg_max=REG_MAX):
    """Boxes from raw predictions: each side's bins softmaxed, their expected index its distance.

    Args:
        raw: ``(..., N, C)`` raw predictions, ``C >= 4 * reg_max``; the first ``4 * reg_max``
            channels are the left, top, right and bottom sides' bin logits.
        points: ``(N, 2)`` anchor centres ``(x, y)`` in pixels (:func:`anchor_points`).
        strides: ``(N,)`` each anchor's stride.
        reg_max: bins per side.

    Returns:
        float32 ``(..., N, 4)`` boxes ``(x1, y1, x2, y2)`` in pixels.
    """
    sides = ops.cast(raw[..., : 4 * reg_max], "float32")
    sides = ops.reshape(sides, (*ops.shape(sides)[:-1], 4, reg_max))
    bins = ops.arange(reg_max, dtype="float32")
    distances = ops.sum(ops.softmax(sides, axis=-1) * bins, axis=-1) * ops.expand_dims(strides, -1)
    return ops.concatenate([points - distances[..., :2], points + distances[..., 2:]], axis=-1)


def encode_distances(boxes, points, strides, *, reg_max=REG_MAX):
    """The targets of the box bins: each anchor's distances to the sides of ``boxes``, in strides.

    Args:
        boxes: ``(..., N, 4)`` boxes ``(x1, y1, x2, y2)`` in pixels, one per anchor.
        points: ``(N, 2)`` anchor centres in pixels.
        strides: ``(N,)`` each anchor's stride.
        reg_max: bins per side.

    Returns:
        float32 ``(..., N, 4)`` distances ``(left, top, right, bottom)`` in stride units,
        clipped to ``[0, reg_max - 1 - 0.01]`` so that the two bins around each stay in range.
    """
    boxes = ops.cast(boxes, "float32")
    distances = ops.concatenate([points - boxes[..., :2], boxes[..., 2:] - points], axis=-1)
    return ops.clip(distances / ops.expand_dims(strides, -1), 0.0, reg_max - 1.01)


def _check_threshold(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1]; Received: {name}={value!r}")


@keras.saving.register_keras_serializable(package="kerasdl")
class YOLODecoder(keras.layers.Layer):
    """Raw YOLO predictions to detections: decoded boxes, sigmoid scores, class-aware NMS.

    Called as ``decoder(raw, images)`` (``images`` only give the height and width). Each anchor
    keeps its best class; boxes are clipped to the image; non-max suppression runs per class
    in one pass, each class's boxes shifted to a region of their own (as Ultralytics does), on
    ``tf.image.non_max_suppression_padded`` (batched, dynamic sizes, exportable). keras-hub's
    ``NonMaxSuppression`` needs a static batch size, which a SavedModel signature lacks.

    Args:
        reg_max: bins per box side of the model.
        strides: the model's pyramid strides.
        max_detections: detections kept per image.
        iou_threshold: boxes of one class overlapping a better one by more IoU than this are dropped.
        confidence_threshold: anchors whose best class probability is not above this are dropped.

    Returns (of ``call``):
        A dict: ``"boxes"`` ``(batch, max_detections, 4)`` float32 ``(x1, y1, x2, y2)`` pixels,
        ``"scores"`` ``(batch, max_detections)`` float32, ``"classes"`` ``(batch,
        max_detections)`` int32 and ``"num_detections"`` ``(batch,)`` int32, best first; rows
        past ``num_detections`` are padding: zero boxes and scores, class -1.

    Example:
        >>> detections = YOLODecoder()(model(images), images)
    """

    def __init__(
        self,
        *,
        reg_max=REG_MAX,
        strides=STRIDES,
        max_detections=100,
        iou_threshold=0.65,
        confidence_threshold=0.25,
        **kwargs,
    ):
        kwargs.setdefault("dtype", "float32")  # box arithmetic and NMS in full precision
        super().__init__(**kwargs)
        check_int_at_least("reg_max", reg_max, 2)
        check_positive_int("max_detections", max_detections)
        _check_threshold("iou_threshold", iou_threshold)
        _check_threshold("confidence_threshold", confidence_threshold)
        self.reg_max = reg_max
        self.strides = tuple(strides)
        self.max_detections = max_detections
        self.iou_threshold = float(iou_threshold)
        self.confidence_threshold = float(confidence_threshold)

    def call(self, raw, images):
        import tensorflow as tf  # batched NMS with dynamic sizes: TensorFlow's, as the exported graph runs

        shape = ops.shape(images)
        height, width = ops.cast(shape[1], "float32"), ops.cast(shape[2], "float32")
        points, strides = anchor_points(shape[1], shape[2], strides=self.strides)
        boxes = decode_boxes(raw, points, strides, reg_max=self.reg_max)
        limits = ops.stack([width, height, width, height])
        boxes = ops.minimum(ops.maximum(boxes, 0.0), limits)
        probabilities = ops.sigmoid(ops.cast(raw[..., 4 * self.reg_max :], "float32"))
        scores = ops.max(probabilities, axis=-1)
        classes = tf.argmax(probabilities, axis=-1, output_type=tf.int32)  # keras.ops' argmax is not LiteRT-builtin
        # Each class in its own region of the plane, so one NMS pass never mixes classes.
        offsets = ops.expand_dims(ops.cast(classes, "float32") * (ops.maximum(height, width) + 1.0), -1)
        indices, found = tf.image.non_max_suppression_padded(
            boxes + offsets,  # (x1, y1, x2, y2) read as (y1, x1, y2, x2): IoU is the same
            scores,
            self.max_detections,
            iou_threshold=self.iou_threshold,
            score_threshold=self.confidence_threshold,
            pad_to_max_output_size=True,
        )
        valid = ops.arange(self.max_detections)[None, :] < ops.expand_dims(found, -1)
        boxes = tf.gather(boxes, indices, batch_dims=1)
        scores = tf.gather(scores, indices, batch_dims=1)
        classes = tf.gather(classes, indices, batch_dims=1)
        return {
            "boxes": ops.where(ops.expand_dims(valid, -1), boxes, 0.0),
            "scores": ops.where(valid, scores, 0.0),
            "classes": ops.where(valid, classes, -1),
            "num_detections": ops.cast(found, "int32"),
        }

    def compute_output_spec(self, raw, images):
        batch, count = raw.shape[0], self.max_detections
        return {
            "boxes": keras.KerasTensor((batch, count, 4), dtype="float32"),
            "scores": keras.KerasTensor((batch, count), dtype="float32"),
            "classes": keras.KerasTensor((batch, count), dtype="int32"),
            "num_detections": keras.KerasTensor((batch,), dtype="int32"),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "reg_max": self.reg_max,
            "strides": list(self.strides),
            "max_detections": self.max_detections,
            "iou_threshold": self.iou_threshold,
            "confidence_threshold": self.confidence_threshold,
        }


def _reg_max_of(model):
    """The bins per side of a :func:`yolo` model, read from its P3 box layer (``REG_MAX`` if it has none)."""
    try:
        return model.get_layer("head_p3_box_pred").filters // 4
    except ValueError:
        return REG_MAX


def yolo_detector(model, *, max_detections=100, iou_threshold=0.65, confidence_threshold=0.25):
    """Wraps a :func:`yolo` model into images -> non-max-suppressed detections, for export.

    Args:
        model: a model built by :func:`yolo` (trained).
        max_detections: detections kept per image.
        iou_threshold: the NMS overlap above which a box of the same class is dropped.
        confidence_threshold: the class probability a detection must exceed.

    Returns:
        A ``keras.Model`` from the model's images to :class:`YOLODecoder`'s dict of
        ``"boxes"``, ``"scores"``, ``"classes"`` and ``"num_detections"``.

    Example:
        >>> detector = yolo_detector(yolo(input_shape=(64, 64, 3), classes=3))
        >>> detector(np.zeros((1, 64, 64, 3), "float32"))["boxes"].shape
        TensorShape([1, 100, 4])
    """
    if not isinstance(model, keras.Model) or len(model.inputs) != 1 or len(model.input_shape) != 4:
        raise ValueError(f"model must be a keras.Model from images, as yolo() builds; Received: model={model!r}")
    images = keras.Input(shape=model.input_shape[1:], name="images")
    decoder = YOLODecoder(
        reg_max=_reg_max_of(model),
        max_detections=max_detections,
        iou_threshold=iou_threshold,
        confidence_threshold=confidence_threshold,
        name="decoder",
    )
    return keras.Model(images, decoder(model(images), images), name=f"{model.name}_detector")
