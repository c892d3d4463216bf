"""keras-cv's ``YOLOV8Detector`` as the detection benchmark's peer, trained from scratch for the same steps.

keras-cv 0.9 is its last release (the project is no longer developed) but its YOLOv8 still
builds and trains on Keras 3; it is installed by the ``peers`` extra (``pip install -e
'.[peers]'``), never needed by kerasdl itself. :func:`train_and_score_yolov8` builds the
detector from a config (no preset, no download, no pretrained weights): keras-cv's
``YOLOV8Backbone`` at its ``yolo_v8_xs_backbone`` preset's sizes (CSP stages of 32-64-128-256
channels, depths 1-2-2-1, swish; 3.4M parameters with the head, beside our YOLO-n's 3.0M) and
``fpn_depth=1``, compiled with keras-cv's losses (binary cross-entropy for the classes, CIoU for
the boxes) and trained with the keras.io YOLOv8 example's optimizer (Adam 1e-3, gradient norm
clipped at 10). It trains on the scenes repeated to 3 channels for the same steps and batch as
our detector, then scores the test images with pycocotools like every row, after the NMS our
app evaluates with (IoU 0.65, confidence >= 0.001, <= 100 per image).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.retinanet_peer import rgb_batch, score_padded_detections, step_clock, training_batches

BACKBONE = "keras-cv YOLOV8Backbone at yolo_v8_xs sizes (channels 32-64-128-256, depths 1-2-2-1), random init"


def available() -> str | None:
    """None when keras-cv imports, else why not (the ``peers`` extra is not installed)."""
    try:
        import keras_cv  # noqa: F401
    except Exception as error:  # noqa: BLE001 (an old package can fail in more ways than ImportError)
        return f"keras-cv does not import ({type(error).__name__}: {error}); pip install -e '.[peers]'"
    return None


def build_yolov8(num_classes: int, *, iou_threshold: float, confidence_threshold: float, max_detections: int):
    """An untrained keras-cv ``YOLOV8Detector`` for RGB images, boxes ``xyxy`` in pixels."""
    import keras_cv

    backbone = keras_cv.models.YOLOV8Backbone(
        stackwise_channels=[32, 64, 128, 256],
        stackwise_depth=[1, 2, 2, 1],
        include_rescaling=False,  # the scenes are already in [0, 1]
        activation="swish",
    )
    decoder = keras_cv.layers.NonMaxSuppression(
        bounding_box_format="xyxy",
        from_logits=False,  # the detector's class scores are sigmoids already
        iou_threshold=iou_threshold,
        confidence_threshold=confidence_threshold,
        max_detections=max_detections,
    )
    return keras_cv.models.YOLOV8Detector(
        num_classes=num_classes,
        bounding_box_format="xyxy",
        backbone=backbone,
        fpn_depth=1,
        prediction_decoder=decoder,
    )


def train_and_score_yolov8(
    train, test, *, steps: int, seconds: float, batch_size: int = 16, quick: bool = False, nms: dict
) -> dict:
    """Trains keras-cv's YOLOv8 from scratch for ``steps`` steps (``seconds`` is a safety net) and scores ``test``.

    Args:
        train: :class:`~kerasdl.data.detection.DetectionData`, square images in [0, 1].
        test: the images scored, by pycocotools' mAP.
        steps: training steps of ``batch_size`` images.
        seconds: wall-time limit on ``fit`` (the run stops early and says so).
        batch_size: images per step.
        quick: at most 3 steps.
        nms: ``iou_threshold``, ``confidence_threshold``, ``max_detections`` of the prediction decoder.

    Returns:
        A JSON-able dict: model, backbone, parameters, steps, batch_size, train_seconds,
        seconds_per_step, stopped_by_time_limit, final_loss, map, map_50, map_75,
        predict_seconds, note.
    """
    import keras

    if quick:
        steps = min(steps, 3)
    keras.utils.set_random_seed(0)
    model = build_yolov8(len(train.class_names), **nms)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3, global_clipnorm=10.0),
        classification_loss="binary_crossentropy",
        box_loss="ciou",
    )
    data = training_batches(train, batch_size, labels="classes", label_dtype=np.float32)
    clock = step_clock(seconds)
    history = model.fit(data, epochs=1, steps_per_epoch=steps, callbacks=[clock], shuffle=False, verbose=0)
    losses = history.history.get("loss", [])
    trained = clock.record()

    started = time.monotonic()
    predicted = model.predict(rgb_batch(test.images), batch_size=batch_size, verbose=0)
    predict_seconds = time.monotonic() - started
    return {
        "model": f"keras-cv {_version()} YOLOV8Detector",
        "backbone": BACKBONE,
        "parameters": int(model.count_params()),
        **trained,
        "stopped_by_time_limit": trained["steps"] < steps,
        "batch_size": batch_size,
        "final_loss": float(losses[-1]) if losses else None,
        "predict_seconds": round(predict_seconds, 2),
        **score_padded_detections(predicted, test, labels="classes", class_names=train.class_names),
        "note": (
            "trained from scratch (no pretrained weights) for the same steps and batch as our detector; "
            "keras-cv's losses (BCE, CIoU) and task-aligned assigner, Adam 1e-3 with clipnorm 10 (the keras.io "
            "YOLOv8 example's); no augmentation; our app's NMS settings; train_seconds include the first "
            "step's tracing"
        ),
    }


def _version() -> str:
    import keras_cv

    return keras_cv.__version__
