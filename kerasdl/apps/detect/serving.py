"""Detecting objects with a trained YOLO model: one letterbox rule for training, ``predict`` and the SavedModel.

Every image the model sees is *letterboxed*: resized, keeping its aspect, so that its longer
side is the run's ``image_size`` (a multiple of 32), then padded with black at the bottom and
right to ``image_size`` x ``image_size``. Boxes are scaled by the same factor, and detections
are divided by it and clipped to the image on the way back. An image already ``image_size``
on its longer side (the default 64x64 scenes) is only padded. :func:`prepare` and
:func:`restore_boxes` are that rule, in TensorFlow ops: the training data, ``evaluate``,
``predict`` and the served graph all call them, so they see the same pixels.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from kerasdl.apps.segment.serving import as_served, to_model_channels

MULTIPLE = 32  # YOLO's largest stride: the model's input side is a multiple of it
DECODER = "decoder"  # the name of the YOLODecoder layer in yolo_detector's model


def letterbox_scale(height, width, size):
    """The factor that brings an image's longer side to ``size`` (float32 scalar tensor)."""
    longer = tf.cast(tf.maximum(height, width), tf.float32)
    return tf.cast(size, tf.float32) / longer


def prepare(image, *, size: int, channels: int):
    """One image as the model takes it, and the factor its boxes are scaled by.

    Args:
        image: float ``(h, w, 1 or 3)`` in [0, 1].
        size: the model's input side.
        channels: the model's channels (the image is converted: BT.601 luma, or gray repeated).

    Returns:
        ``(image, scale)``: float32 ``(size, size, channels)``, the image letterboxed at the top
        left, and the float32 factor from the image's pixels to the model's.
    """
    image = to_model_channels(image, channels)
    shape = tf.shape(image)
    height, width = shape[0], shape[1]
    scale = letterbox_scale(height, width, size)
    new_height = tf.clip_by_value(tf.cast(tf.round(tf.cast(height, tf.float32) * scale), tf.int32), 1, size)
    new_width = tf.clip_by_value(tf.cast(tf.round(tf.cast(width, tf.float32) * scale), tf.int32), 1, size)
    same = tf.logical_and(tf.equal(new_height, height), tf.equal(new_width, width))
    resized = tf.cond(
        same,
        lambda: image,
        lambda: tf.image.resize(image, tf.stack([new_height, new_width]), method="bilinear", antialias=True),
    )
    padded = tf.image.pad_to_bounding_box(resized, 0, 0, size, size)
    padded.set_shape([size, size, channels])
    return padded, scale


def restore_boxes(boxes, scale, height, width):
    """Boxes ``(..., 4)`` in the model's pixels back to the image's: divided by ``scale``, clipped to it.

    ``scale``, ``height`` and ``width`` are scalars, or broadcast against the boxes' leading axes
    (``(batch, 1, 1)`` and ``(batch, 1)`` for a batch).
    """
    boxes = tf.convert_to_tensor(boxes, tf.float32) / tf.cast(scale, tf.float32)
    limits = tf.cast(tf.stack([width, height, width, height], axis=-1), tf.float32)
    return tf.minimum(tf.maximum(boxes, 0.0), limits)


def prepare_array(image: np.ndarray, *, size: int, channels: int) -> tuple[np.ndarray, float]:
    """:func:`prepare` of a NumPy image, as ``predict`` and the training data call it (gray RGB read as gray)."""
    image = as_served(np.asarray(image, np.float32))
    if image.shape == (size, size, channels):  # the default scenes: nothing to do
        return image, 1.0
    prepared, scale = prepare(image, size=size, channels=channels)
    return prepared.numpy(), float(scale.numpy())


def detector_for(model, *, confidence: float, max_detections: int):
    """:func:`~kerasdl.models.detection.yolo_detector` around the YOLO model (NMS in the graph)."""
    from kerasdl.models.detection import yolo_detector

    return yolo_detector(model, max_detections=max_detections, confidence_threshold=confidence)


def detect_arrays(detector, images, *, size: int, channels: int, batch_size: int = 32, predict=None) -> list[tuple]:
    """Detections in each image's own pixels: ``[(boxes (k, 4), scores (k,), labels (k,))]``, best first.

    Args:
        detector: :func:`detector_for`'s model.
        images: float ``(h, w, 1 or 3)`` arrays in [0, 1], of any size.
        size: the model's input side.
        channels: the model's channels.
        batch_size: images letterboxed and decoded at a time.
        predict: another copy of the detector's network (a LiteRT file), as a function from a
            batch of one letterboxed image to its raw head outputs; they are decoded by the
            detector's own decoder (the same boxes, confidence and NMS). None: the detector's network.
    """
    decoder = None if predict is None else detector.get_layer(DECODER)
    results = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        prepared = [prepare_array(image, size=size, channels=channels) for image in chunk]
        batch = np.stack([p[0] for p in prepared])
        if decoder is None:
            found = detector(batch, training=False)
        else:
            raw = np.concatenate([np.asarray(predict(batch[i : i + 1]), np.float32) for i in range(len(batch))])
            found = decoder(tf.constant(raw), tf.constant(batch))
        found = {k: np.asarray(v) for k, v in found.items()}
        for i, (image, (_, scale)) in enumerate(zip(chunk, prepared)):
            n = int(found["num_detections"][i])
            boxes = restore_boxes(found["boxes"][i, :n], scale, image.shape[0], image.shape[1]).numpy()
            results.append(
                (
                    boxes.astype(np.float32),
                    found["scores"][i, :n].astype(np.float32),
                    found["classes"][i, :n].astype(np.int32),
                )
            )
    return results


def detection_endpoint(detector, *, size: int, channels: int, class_names, max_pixels: int):
    """``serving_default``: ``[batch]`` encoded images in, detections in each image's pixels out.

    Each image is decoded (its size checked on the header first), read as gray when its three
    channels are equal (as ``predict`` reads it), letterboxed (:func:`prepare`) and detected with
    non-max suppression in the graph; boxes are mapped back to the image (:func:`restore_boxes`).
    """
    from kerasdl.export.images import decode_image

    names = tf.constant([*map(str, class_names), ""])

    def one(data):
        image = decode_image(data, max_pixels=max_pixels)
        gray = tf.reduce_all(tf.equal(image[..., :1], image))
        prepared, scale = tf.cond(
            gray,
            lambda: prepare(image[..., :1], size=size, channels=channels),
            lambda: prepare(image, size=size, channels=channels),
        )
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        return prepared, tf.concat([[scale], shape], axis=0)

    def serve(image_bytes):
        images, geometry = tf.map_fn(
            one,
            image_bytes,
            fn_output_signature=(
                tf.TensorSpec([size, size, channels], tf.float32),
                tf.TensorSpec([3], tf.float32),
            ),
        )
        found = detector(images, training=False)
        scale, height, width = geometry[:, 0], geometry[:, 1], geometry[:, 2]
        boxes = restore_boxes(found["boxes"], scale[:, None, None], height[:, None], width[:, None])
        classes = found["classes"]
        return {
            "boxes": boxes,
            "scores": found["scores"],
            "classes": classes,
            "class_names": tf.gather(names, tf.where(classes < 0, len(class_names), classes)),
            "num_detections": found["num_detections"],
        }

    return serve
