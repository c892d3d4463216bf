"""keras-hub's RetinaNet as the detection benchmark's peer, trained from scratch for a fixed wall time.

:func:`train_and_score_retinanet` builds a ``keras_hub.models.RetinaNetObjectDetector`` from a config
(no preset, no download, no pretrained weights): a ResNet-18-like ``ResNetBackbone`` (basic blocks
2-2-2-2, 64-128-256-512 filters) as the image encoder of a ``RetinaNetBackbone`` with an FPN over
levels P3-P7, keras-hub's default heads (4 convolutions of 256 filters), focal loss and Huber box
loss from ``ObjectDetector.compile``. It trains on the grayscale scenes repeated to 3 channels until
``seconds`` of wall time or ``max_steps`` steps, then scores the test images with
:func:`kerasdl.apps.detect.evaluation.coco_map`.

Two settings depart from keras-hub's defaults, both because the digits are small:

- ``anchor_size=2`` (default 4): anchors at P3 are 16-25 px wide instead of 32-50 px, so digits of
  13-45 px reach the label encoder's 0.5 IoU for a positive anchor (with the default, most digits
  matched no anchor at all and the detector had almost nothing to learn from).
- Adam at 1e-4 (``ObjectDetector.compile``'s default is 5e-5, meant for fine-tuning pretrained
  weights) with gradient clipping at norm 10, as training from scratch needs.
"""

from __future__ import annotations

import time

import numpy as np

BACKBONE = "ResNet-18-like (basic blocks 2-2-2-2, filters 64-128-256-512), FPN P3-P7, random init"


def rgb_batch(images) -> np.ndarray:
    """Images as float32 ``(n, h, w, 3)``: a gray channel is repeated to three."""
    batch = np.stack([np.asarray(image, np.float32) for image in images])
    if batch.shape[-1] == 1:
        batch = np.repeat(batch, 3, axis=-1)
    return batch


def padded_targets(boxes, labels) -> tuple[np.ndarray, np.ndarray]:
    """Per-image boxes and labels padded with -1 to the most boxes in any image (at least 1)."""
    most = max(1, max((len(b) for b in boxes), default=0))
    padded_boxes = np.full((len(boxes), most, 4), -1.0, np.float32)
    padded_labels = np.full((len(boxes), most), -1, np.int32)
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        b = np.asarray(b, np.float32).reshape(-1, 4)
        padded_boxes[i, : len(b)] = b
        padded_labels[i, : len(b)] = np.asarray(lab, np.int32).reshape(-1)
    return padded_boxes, padded_labels


def training_batches(train, batch_size: int, *, labels: str = "labels", label_dtype=np.int32):
    """``train``'s scenes as an endless, shuffled (seed 0) ``tf.data`` pipeline of RGB images and padded targets.

    Args:
        train: :class:`~kerasdl.data.detection.DetectionData`.
        batch_size: images per batch (whole batches only when there are enough images).
        labels: the key of the class targets (keras-hub: "labels", keras-cv: "classes").
        label_dtype: their dtype (padding -1).
    """
    import tensorflow as tf

    images = rgb_batch(train.images)
    boxes, padded_labels = padded_targets(train.boxes, train.labels)
    return (
        tf.data.Dataset.from_tensor_slices((images, {"boxes": boxes, labels: padded_labels.astype(label_dtype)}))
        .shuffle(len(images), seed=0, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=len(images) >= batch_size)
        .prefetch(2)
    )


def step_clock(seconds: float):
    """A Keras callback that stops ``fit`` after ``seconds`` of wall time; ``.record()`` tells the steps it saw."""
    import keras

    class StepClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends: list[float] = []
            self.start = 0.0

        def on_train_begin(self, logs=None):
            self.start = time.monotonic()

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(time.monotonic())
            if self.ends[-1] - self.start >= seconds:
                self.model.stop_training = True

        def record(self) -> dict:
            """steps, train_seconds (the first step's tracing included) and seconds_per_step (excluded)."""
            steps = len(self.ends)
            train_seconds = (self.ends[-1] - self.start) if steps else 0.0
            per_step = (self.ends[-1] - self.ends[0]) / (steps - 1) if steps > 1 else train_seconds
            return {"steps": steps, "train_seconds": round(train_seconds, 2), "seconds_per_step": round(per_step, 4)}

    return StepClock()


def score_padded_detections(predicted: dict, test, *, labels: str, class_names) -> dict:
    """pycocotools' mAP of a Keras detector's padded output (``boxes``, ``confidence``, ``labels``, ``num_detections``).

    ``labels`` names the class key (keras-hub: "labels", keras-cv: "classes").
    """
    from kerasdl.apps.detect.evaluation import coco_map

    counts = np.asarray(predicted["num_detections"]).astype(int)
    detected_boxes = [np.asarray(predicted["boxes"][i][:n], np.float64) for i, n in enumerate(counts)]
    detected_scores = [np.asarray(predicted["confidence"][i][:n], np.float64) for i, n in enumerate(counts)]
    detected_labels = [np.asarray(predicted[labels][i][:n], np.int64) for i, n in enumerate(counts)]
    scores = coco_map(
        test.boxes, test.labels, detected_boxes, detected_scores, detected_labels, class_names=class_names
    )
    return {
        "detections_per_image": round(float(counts.mean()), 2) if len(counts) else 0.0,
        **{key: float(scores[key]) for key in ("map", "map_50", "map_75")},
    }


def build_retinanet(num_classes: int, *, image_size: int, confidence_threshold: float = 0.01):
    """An untrained ``RetinaNetObjectDetector`` for ``image_size`` RGB images, boxes ``xyxy`` in pixels."""
    from keras_hub.layers import AnchorGenerator, NonMaxSuppression
    from keras_hub.models import (
        ResNetBackbone,
        RetinaNetBackbone,
        RetinaNetObjectDetector,
    )
    from keras_hub.src.models.retinanet.retinanet_label_encoder import RetinaNetLabelEncoder

    encoder = ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[7],
        stackwise_num_filters=[64, 128, 256, 512],
        stackwise_num_blocks=[2, 2, 2, 2],
        stackwise_num_strides=[1, 2, 2, 2],
        block_type="basic_block",
        use_pre_activation=False,
        image_shape=(image_size, image_size, 3),
    )
    backbone = RetinaNetBackbone(
        image_encoder=encoder,
        min_level=3,
        max_level=7,
        use_p5=False,
        image_shape=(image_size, image_size, 3),
    )
    anchors = AnchorGenerator(
        bounding_box_format="xyxy", min_level=3, max_level=7, num_scales=3, aspect_ratios=[0.5, 1.0, 2.0], anchor_size=2
    )
    encoder_of_labels = RetinaNetLabelEncoder(
        anchor_generator=anchors, bounding_box_format="xyxy", encoding_format="center_xywh"
    )
    decoder = NonMaxSuppression(
        bounding_box_format="xyxy",
        from_logits=True,
        iou_threshold=0.5,
        confidence_threshold=confidence_threshold,
        max_detections=100,
    )
    return RetinaNetObjectDetector(
        backbone=backbone,
        num_classes=num_classes,
        bounding_box_format="xyxy",
        anchor_generator=anchors,
        label_encoder=encoder_of_labels,
        prediction_decoder=decoder,
    )


def train_and_score_retinanet(
    train, val, test, *, image_size: int, seconds: float, max_steps: int, batch_size: int = 16, quick: bool = False
) -> dict:
    """Trains keras-hub's RetinaNet from scratch for ``seconds`` (or ``max_steps``) and scores it on ``test``.

    Args:
        train: :class:`~kerasdl.data.detection.DetectionData`, square ``image_size`` images.
        val: unused (the peer trains for a fixed time, with no early stopping); kept for a common signature.
        test: the images scored, by pycocotools' mAP.
        image_size: the images' side.
        seconds: wall time for ``fit``, the first step's tracing included; checked after every batch.
        max_steps: the most training steps.
        batch_size: images per step.
        quick: at most 3 steps.

    Returns:
        A JSON-able dict: model, backbone, parameters, steps, batch_size, train_seconds,
        seconds_per_step (excluding the first, traced step when there are more), map, map_50,
        map_75, predict_seconds, note.
    """
    import keras

    del val
    if quick:
        max_steps = min(max_steps, 3)
    num_classes = len(train.class_names)
    keras.utils.set_random_seed(0)
    model = build_retinanet(num_classes, image_size=image_size)
    model.compile(optimizer=keras.optimizers.Adam(1e-4, global_clipnorm=10.0))

    data = training_batches(train, batch_size)

    clock = step_clock(seconds)
    history = model.fit(data, epochs=1, steps_per_epoch=max_steps, callbacks=[clock], shuffle=False, verbose=0)
    losses = history.history.get("loss", [])

    started = time.monotonic()
    # Whole batches only: keras-hub's NonMaxSuppression fails when predict retraces for a smaller last
    # batch (its batch dimension becomes None), so the test images are padded with blank ones.
    images = rgb_batch(test.images)
    padding = -len(images) % batch_size
    images = np.concatenate([images, np.zeros((padding, *images.shape[1:]), np.float32)])
    predicted = model.predict(images, batch_size=batch_size, verbose=0)
    predicted = {key: np.asarray(value)[: len(test.images)] for key, value in predicted.items()}
    predict_seconds = time.monotonic() - started
    return {
        "model": "keras-hub RetinaNetObjectDetector",
        "backbone": BACKBONE,
        "parameters": int(model.count_params()),
        **clock.record(),
        "batch_size": batch_size,
        "final_loss": float(losses[-1]) if losses else None,
        "predict_seconds": round(predict_seconds, 2),
        **score_padded_detections(predicted, test, labels="labels", class_names=train.class_names),
        "note": (
            "trained from scratch (no pretrained weights: nothing is downloaded) for the same wall time as "
            "our detector; anchor_size 2 instead of keras-hub's 4 so P3 anchors (16-25 px) fit the digits; "
            "Adam 1e-4 with clipnorm 10; no augmentation; NMS IoU 0.5, confidence >= 0.01, <= 100 per image; "
            "train_seconds include the first step's tracing"
        ),
    }
