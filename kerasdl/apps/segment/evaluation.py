"""Scoring a segmentation: a pixel confusion matrix over many images, pixel accuracy and IoU per class.

IoU (intersection over union, the Jaccard index) of class ``k`` is ``TP / (TP + FP + FN)`` counted
over every pixel of every image, as the PASCAL VOC and Cityscapes benchmarks count it. Pixels whose
true value is :data:`~kerasdl.data.segmentation.IGNORE_INDEX` (255, VOC's void) are not counted at
all, whatever was predicted there. A class that appears neither in the truth nor in the prediction
has no IoU (``None``) and is left out of the means. No TensorFlow here: the app's CLI imports it
lazily.
"""

from __future__ import annotations

import numpy as np

from kerasdl.data.segmentation import IGNORE_INDEX


def _class_indices(mask, *, name: str, classes: int, ignore_class: int | None = None) -> np.ndarray:
    """``mask`` flattened to int64, after checking it holds class indices in ``[0, classes)`` (or ``ignore_class``)."""
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if mask.ndim != 2:
        raise ValueError(f"{name} must be a (height, width) mask of class indices; Received: shape={mask.shape}")
    if mask.size and not np.issubdtype(mask.dtype, np.integer):
        if not np.array_equal(mask, np.round(mask)):
            raise ValueError(f"{name} must hold integer class indices; Received: dtype={mask.dtype}")
    flat = mask.reshape(-1).astype(np.int64)
    checked = flat if ignore_class is None else flat[flat != ignore_class]
    if checked.size and (checked.min() < 0 or checked.max() >= classes):
        void = "" if ignore_class is None else f" (or {ignore_class}, void)"
        raise ValueError(
            f"{name} holds class indices outside [0, {classes}){void}; "
            f"Received: min={int(checked.min())}, max={int(checked.max())}, classes={classes}"
        )
    return flat


def confusion_matrix(
    true_masks, predicted_masks, *, classes: int, ignore_class: int | None = IGNORE_INDEX
) -> np.ndarray:
    """The pixel confusion matrix summed over images that may differ in size.

    Args:
        true_masks: the true ``(h, w)`` masks of class indices (0 = background), a list or an array.
        predicted_masks: the predicted masks, one per true mask and of its size.
        classes: the number of classes, background included.
        ignore_class: the true value of pixels left out (``keras.metrics.MeanIoU``'s
            ``ignore_class``); default 255, PASCAL VOC's void. ``None`` counts every pixel.

    Returns:
        ``(classes, classes)`` int64 array: row = true class, column = predicted class
        (scikit-learn's ``confusion_matrix`` orientation).

    Example:
        >>> truth = [np.array([[0, 1], [1, 255]])]  # 255: void, not counted
        >>> confusion_matrix(truth, [np.array([[0, 1], [0, 1]])], classes=2).tolist()
        [[1, 0], [1, 1]]
    """
    from sklearn.metrics import confusion_matrix as sklearn_confusion

    if not isinstance(classes, (int, np.integer)) or isinstance(classes, bool) or classes < 1:
        raise ValueError(f"classes must be a positive int; Received: classes={classes!r}")
    true_masks, predicted_masks = list(true_masks), list(predicted_masks)
    if len(true_masks) != len(predicted_masks):
        raise ValueError(
            "true_masks and predicted_masks must hold one mask per image; "
            f"Received: {len(true_masks)} true masks, {len(predicted_masks)} predicted masks"
        )
    total = np.zeros((classes, classes), np.int64)
    for i, (truth, predicted) in enumerate(zip(true_masks, predicted_masks)):
        if np.shape(truth)[:2] != np.shape(predicted)[:2]:
            raise ValueError(
                f"predicted mask {i} differs in size from its true mask; "
                f"Received: {np.shape(predicted)[:2]} vs {np.shape(truth)[:2]}"
            )
        t = _class_indices(truth, name=f"true_masks[{i}]", classes=classes, ignore_class=ignore_class)
        p = _class_indices(predicted, name=f"predicted_masks[{i}]", classes=classes)
        if ignore_class is not None:
            scored = t != ignore_class
            t, p = t[scored], p[scored]
        if t.size:
            total += sklearn_confusion(t, p, labels=np.arange(classes))
    return total


def segmentation_scores(confusion, class_names) -> dict:
    """Pixel accuracy, IoU per class and the mean IoU, from a pixel confusion matrix.

    Args:
        confusion: ``(classes, classes)`` counts, rows = truth (as :func:`confusion_matrix` returns).
        class_names: one name per class, index 0 the background.

    Returns:
        ``{"pixel_accuracy", "mean_iou", "mean_iou_objects", "iou"}``: ``iou`` maps each class name
        to its IoU, or ``None`` when the class is in neither the truth nor the prediction;
        ``mean_iou`` averages the classes that have one, ``mean_iou_objects`` the same without
        class 0 (``None`` when no object class has one). Values are unrounded floats.

    Example:
        >>> scores = segmentation_scores(np.array([[1, 0], [1, 2]]), ["background", "digit"])
        >>> scores["pixel_accuracy"], scores["iou"]
        (0.75, {'background': 0.5, 'digit': 0.6666666666666666})
    """
    confusion = np.asarray(confusion)
    class_names = list(class_names)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"confusion must be a square (classes, classes) matrix; Received: shape={confusion.shape}")
    if len(class_names) != confusion.shape[0]:
        raise ValueError(
            f"class_names must name each of the confusion matrix's {confusion.shape[0]} classes; "
            f"Received: {len(class_names)} names"
        )
    confusion = confusion.astype(np.float64)
    pixels = confusion.sum()
    if pixels <= 0:
        raise ValueError("confusion holds no pixels; Received: an all-zero confusion matrix")
    hits = np.diag(confusion)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - hits  # TP + FP + FN
    iou = {name: (float(hits[k] / union[k]) if union[k] > 0 else None) for k, name in enumerate(class_names)}
    scored = [value for value in iou.values() if value is not None]
    objects = [value for value in list(iou.values())[1:] if value is not None]
    return {
        "pixel_accuracy": float(hits.sum() / pixels),
        "mean_iou": float(np.mean(scored)),
        "mean_iou_objects": float(np.mean(objects)) if objects else None,
        "iou": iou,
    }
