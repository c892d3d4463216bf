"""Scoring detections as COCO does: mAP@[.5:.95], mAP@.5, mAP@.75 and AP@.5 per class, by pycocotools.

The ground truth and the detections are handed to pycocotools' ``COCOeval`` (``iouType="bbox"``) in
memory: boxes ``[x_min, y_min, x_max, y_max]`` in pixels become COCO's ``[x, y, width, height]``,
image ``i`` becomes image id ``i + 1`` and class ``k`` category id ``k + 1``. AP is the area under
the precision-recall curve sampled at 101 recall points, averaged over the classes that have a true
box; mAP averages it over the IoU thresholds 0.50, 0.55, ..., 0.95 (at most 100 detections per
image, every object size). No TensorFlow here: the app's CLI imports it lazily.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np


def _boxes(value, *, name: str) -> np.ndarray:
    """``value`` as a float64 ``(m, 4)`` array of xyxy boxes, after checking its shape."""
    boxes = np.asarray(value, np.float64)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(
            f"{name} must be an (m, 4) array of [x_min, y_min, x_max, y_max]; Received: shape={boxes.shape}"
        )
    return boxes


def _labels(value, *, name: str, count: int, classes: int) -> np.ndarray:
    """``value`` as an int64 ``(count,)`` array of class indices in ``[0, classes)``."""
    labels = np.asarray(value).reshape(-1)
    if labels.shape != (count,):
        raise ValueError(f"{name} must hold one label per box; Received: {labels.size} labels for {count} boxes")
    if labels.size and not np.array_equal(labels, np.round(labels)):
        raise ValueError(f"{name} must hold integer class indices; Received: {labels[:5].tolist()}")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"{name} holds class indices outside [0, {classes}) for {classes} class names; "
            f"Received: min={int(labels.min())}, max={int(labels.max())}"
        )
    return labels


def _xywh(boxes: np.ndarray) -> np.ndarray:
    return np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)


def coco_map(truth_boxes, truth_labels, detected_boxes, detected_scores, detected_labels, *, class_names) -> dict:
    """COCO's box AP of detections against the true boxes, computed by pycocotools (its prints silenced).

    Args:
        truth_boxes: per image, an ``(m, 4)`` array of true boxes ``[x_min, y_min, x_max, y_max]`` in pixels.
        truth_labels: per image, the ``(m,)`` class indices (0..K-1) of its true boxes.
        detected_boxes: per image, an ``(n, 4)`` array of detected boxes, as ``truth_boxes``.
        detected_scores: per image, the ``(n,)`` confidences of its detections.
        detected_labels: per image, the ``(n,)`` class indices of its detections.
        class_names: the K class names.

    Returns:
        ``{"map": mAP@[.5:.95], "map_50": mAP@.5, "map_75": mAP@.75, "ap_50_per_class": {name: AP@.5
        or None}}``. A class without a true box has no AP (``None``) and is left out of the means;
        no detection at all, or no true box at all, scores 0.0.

    Raises:
        ValueError: the lists differ in length, a box array is not ``(m, 4)``, or a label is outside
            ``[0, K)``.

    Example:
        >>> boxes = [np.array([[0.0, 0.0, 10.0, 10.0]])]
        >>> round(coco_map(boxes, [[0]], boxes, [[0.9]], [[0]], class_names=["a"])["map"], 6)
        1.0
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    class_names = [str(name) for name in class_names]
    if not class_names:
        raise ValueError("class_names must name at least one class; Received: class_names=[]")
    classes = len(class_names)
    lists = {
        "truth_labels": truth_labels,
        "detected_boxes": detected_boxes,
        "detected_scores": detected_scores,
        "detected_labels": detected_labels,
    }
    for name, value in lists.items():
        if len(value) != len(truth_boxes):
            raise ValueError(
                f"{name} must hold one entry per image, as truth_boxes; "
                f"Received: {len(value)} entries for {len(truth_boxes)} images"
            )
    annotations, detections = [], []
    for i in range(len(truth_boxes)):
        boxes = _boxes(truth_boxes[i], name=f"truth_boxes[{i}]")
        labels = _labels(truth_labels[i], name=f"truth_labels[{i}]", count=len(boxes), classes=classes)
        for box, label in zip(_xywh(boxes), labels):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(label) + 1,
                    "bbox": [float(v) for v in box],
                    "area": float(box[2] * box[3]),
                    "iscrowd": 0,
                }
            )
        boxes = _boxes(detected_boxes[i], name=f"detected_boxes[{i}]")
        scores = np.asarray(detected_scores[i], np.float64).reshape(-1)
        if scores.shape != (len(boxes),):
            raise ValueError(
                f"detected_scores[{i}] must hold one score per box; Received: {scores.size} scores for {len(boxes)} boxes"
            )
        labels = _labels(detected_labels[i], name=f"detected_labels[{i}]", count=len(boxes), classes=classes)
        for box, score, label in zip(_xywh(boxes), scores, labels):
            detections.append(
                {
                    "image_id": i + 1,
                    "category_id": int(label) + 1,
                    "bbox": [float(v) for v in box],
                    "score": float(score),
                }
            )
    per_class = dict.fromkeys(class_names)
    present = {a["category_id"] - 1 for a in annotations}
    if not detections or not annotations:  # loadRes refuses an empty list; nothing found scores 0
        return {
            "map": 0.0,
            "map_50": 0.0,
            "map_75": 0.0,
            "ap_50_per_class": {name: (0.0 if k in present else None) for k, name in enumerate(class_names)},
        }
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {
            "images": [{"id": i + 1} for i in range(len(truth_boxes))],
            "annotations": annotations,
            "categories": [{"id": k + 1, "name": name} for k, name in enumerate(class_names)],
        }
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(detections), iouType="bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    stats = evaluation.stats
    # precision: (IoU thresholds, recall points, classes, area ranges, max detections); [0] is IoU .5,
    # area range 0 "all", max detections -1 (100); -1 marks a class without a true box
    precision = evaluation.eval["precision"]
    for k, name in enumerate(class_names):
        values = precision[0, :, k, 0, -1]
        values = values[values > -1]
        per_class[name] = float(values.mean()) if values.size else None
    return {
        "map": max(float(stats[0]), 0.0),
        "map_50": max(float(stats[1]), 0.0),
        "map_75": max(float(stats[2]), 0.0),
        "ap_50_per_class": per_class,
    }
