"""YOLOv8's training scheme: task-aligned label assignment, and the classification, CIoU and DFL losses.

The :func:`~kerasdl.models.detection.yolo` model predicts, for every anchor point of its
P3-P5 grids, four distributions over ``reg_max`` distance bins (left, top, right, bottom,
in stride units) and one logit per class. Training follows Ultralytics' YOLOv8
(``TaskAlignedAssigner``, ``BboxLoss``, ``DFLoss``):

1. :func:`task_aligned_assign` picks, for each ground-truth box, the ``top_k`` anchors
   inside it whose predictions are best aligned with it (class score and IoU together,
   TOOD), and gives them soft class targets that grow with that alignment;
2. the classification loss is binary cross-entropy against those soft targets on every
   anchor; the box losses, :func:`ciou_loss` and :func:`distribution_focal_loss`, are taken
   on the assigned anchors only, weighted by their targets.

:class:`YOLOTrainer` wraps the model and computes that loss in ``keras.ops``, so the
ordinary ``compile`` and ``fit`` train it on any backend (Keras's own ``train_step``
takes the gradients)::

    trainer = YOLOTrainer(yolo(input_shape=(640, 640, 3), classes=80))
    trainer.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=5e-4))
    trainer.fit(images, {"boxes": boxes, "labels": labels})  # logs loss, box_loss, cls_loss, dfl_loss
    detector = yolo_detector(trainer.model)  # images -> boxes, scores, classes after NMS
"""

import keras
from keras import ops

from kerasdl.models.arguments import check_number, check_positive_int
from kerasdl.models.detection.yolo import REG_MAX, anchor_points, decode_boxes, encode_distances

BOX_WEIGHT = 7.5  # YOLOv8's default hyper-parameters (ultralytics/cfg/default.yaml: box, cls, dfl)
CLS_WEIGHT = 0.5
DFL_WEIGHT = 1.5
LOGS = ("box_loss", "cls_loss", "dfl_loss")
_EPS = 1e-9


def _float32(x):
    return ops.cast(x, "float32")


def task_aligned_assign(scores, boxes, points, gt_boxes, gt_labels, gt_mask, *, top_k=10, alpha=0.5, beta=6.0):
    """Task-aligned label assignment: each ground-truth box claims the anchors that predict it best.

    Follows "TOOD: Task-aligned One-stage Object Detection" (Feng et al., 2021) as YOLOv8
    uses it (Ultralytics' ``TaskAlignedAssigner``). For a ground truth ``g`` of class ``c``
    and an anchor ``a`` whose point lies strictly inside ``g``'s box, the alignment is
    ``t = s^alpha * u^beta`` with ``s`` the anchor's predicted score for ``c`` and ``u`` the
    IoU of its predicted box with ``g``. Each ``g`` takes the ``top_k`` anchors of largest
    ``t`` (ties at the k-th value all kept; anchors of alignment 0 never); an anchor taken
    by several ground truths keeps the one its box overlaps most. Its soft target for
    class ``c`` is ``t / max t * max u``, the maxima over ``g``'s anchors: the best-aligned
    anchor of each object aims at the best IoU reached on it, the others at less.
    (Ultralytics measures ``u`` with CIoU clipped at 0; this uses the paper's IoU.) Nothing
    here is differentiated: the inputs pass through ``stop_gradient``.

    Args:
        scores: ``(batch, anchors, classes)`` predicted class probabilities (sigmoids).
        boxes: ``(batch, anchors, 4)`` predicted boxes, ``(x1, y1, x2, y2)``.
        points: ``(anchors, 2)`` anchor points ``(x, y)``, in the boxes' units.
        gt_boxes: ``(batch, max_boxes, 4)`` ground-truth boxes, ``(x1, y1, x2, y2)``.
        gt_labels: ``(batch, max_boxes)`` int class of each ground truth.
        gt_mask: ``(batch, max_boxes)`` bool, False for padding (which claims nothing).
        top_k: anchors each ground truth claims at most (YOLOv8: 10).
        alpha: exponent of the class score in the alignment (YOLOv8: 0.5).
        beta: exponent of the IoU in the alignment (YOLOv8: 6).

    Returns:
        ``(target_boxes, target_scores, foreground)``: ``(batch, anchors, 4)`` the box of
        the ground truth each anchor is assigned to (zeros on the background),
        ``(batch, anchors, classes)`` the soft class targets (zeros but at the assigned
        class), and ``(batch, anchors)`` bool, whether the anchor is assigned.

    Example:
        >>> import numpy as np
        >>> points = np.array([[4.0, 4.0], [12.0, 4.0], [28.0, 4.0]])  # the third lies outside the box
        >>> boxes = np.array([[[0.0, 0.0, 8.0, 8.0], [4.0, 0.0, 16.0, 8.0], [24.0, 0.0, 32.0, 8.0]]])
        >>> _, target_scores, foreground = task_aligned_assign(
        ...     np.full((1, 3, 2), 0.5), boxes, points, np.array([[[0.0, 0.0, 16.0, 8.0]]]), np.array([[1]]),
        ...     np.array([[True]]), top_k=2)
        >>> keras.ops.convert_to_numpy(foreground).tolist()
        [[True, True, False]]
    """
    check_positive_int("top_k", top_k)
    alpha = check_number("alpha", alpha)
    beta = check_number("beta", beta)
    scores, boxes, gt_boxes = (ops.stop_gradient(_float32(x)) for x in (scores, boxes, gt_boxes))
    points = _float32(points)
    gt_labels = ops.cast(gt_labels, "int32")
    gt_mask = ops.cast(gt_mask, "bool")
    classes = scores.shape[-1]

    # Candidates: anchor points strictly inside a real ground truth's box; (batch, max_boxes, anchors).
    x, y = points[None, None, :, 0], points[None, None, :, 1]
    x1, y1, x2, y2 = (gt_boxes[..., i : i + 1] for i in range(4))
    margin = ops.minimum(ops.minimum(x - x1, y - y1), ops.minimum(x2 - x, y2 - y))
    candidate = ops.logical_and(margin > _EPS, gt_mask[..., None])

    # Alignment of each candidate with each ground truth: score of its class ^ alpha * IoU ^ beta.
    labels_one_hot = ops.one_hot(ops.maximum(gt_labels, 0), classes) * ops.cast(gt_mask, "float32")[..., None]
    class_scores = ops.einsum("bnc,bmc->bmn", scores, labels_one_hot)
    iou = keras.utils.bounding_boxes.compute_iou(gt_boxes, boxes, "xyxy")
    iou = ops.where(candidate, ops.clip(iou, 0.0, 1.0), 0.0)
    metric = ops.where(candidate, ops.power(class_scores, alpha) * ops.power(iou, beta), 0.0)

    # Each ground truth's top_k candidates by alignment.
    anchors = metric.shape[-1]
    k = top_k if anchors is None else min(top_k, anchors)
    kth = ops.top_k(metric, k)[0][..., -1:]
    positive = ops.logical_and(candidate, ops.logical_and(metric >= kth, metric > 0))

    # An anchor claimed by several ground truths keeps the one its predicted box overlaps most.
    best = ops.argmax(ops.where(positive, iou, -1.0), axis=1)  # (batch, anchors)
    is_best = ops.arange(ops.shape(gt_boxes)[1])[None, :, None] == best[:, None, :]
    positive = ops.logical_and(positive, is_best)
    assigned = ops.cast(positive, "float32")

    target_boxes = ops.einsum("bmn,bmd->bnd", assigned, gt_boxes)
    target_classes = ops.einsum("bmn,bmc->bnc", assigned, labels_one_hot)
    metric = metric * assigned
    best_metric = ops.max(metric, axis=-1, keepdims=True)
    best_iou = ops.max(iou * assigned, axis=-1, keepdims=True)
    strength = ops.max(metric * best_iou / (best_metric + _EPS), axis=1)  # (batch, anchors)
    return target_boxes, target_classes * strength[..., None], ops.any(positive, axis=1)


def distribution_focal_loss(raw_sides, target_distances):
    """Distribution focal loss: cross-entropy to the two bins around each target distance.

    Follows "Generalized Focal Loss: Learning Qualified and Distributed Bounding Boxes for
    Dense Object Detection" (Li et al., 2020): a side's distance is predicted as a
    distribution over the bins ``0 .. reg_max - 1``; for a target ``t`` between bins
    ``i`` and ``i + 1`` the loss is ``(i + 1 - t) * CE(i) + (t - i) * CE(i + 1)``, smallest
    when the distribution puts ``i + 1 - t`` on bin ``i`` and ``t - i`` on bin ``i + 1``,
    whose expectation is ``t``. Those two weights are the triangle ``max(0, 1 - |bin - t|)``.

    Args:
        raw_sides: ``(..., reg_max)`` logits over one side's bins (e.g. ``(batch, anchors, 4,
            reg_max)``).
        target_distances: ``(...)`` targets in bin units, in ``[0, reg_max - 1]`` (clipped).

    Returns:
        ``(...)`` the loss of each distribution, float32.

    Example:
        >>> logits = keras.ops.log(keras.ops.convert_to_tensor([[0.0, 0.25, 0.75, 0.0]]) + 1e-12)
        >>> round(float(distribution_focal_loss(logits, keras.ops.convert_to_tensor([1.75]))[0]), 4)  # the minimum
        0.5623
    """
    raw_sides = _float32(raw_sides)
    bins = raw_sides.shape[-1]
    target = ops.clip(_float32(target_distances), 0.0, bins - 1.0)
    weights = ops.relu(1.0 - ops.abs(ops.arange(bins, dtype="float32") - target[..., None]))
    return -ops.sum(weights * ops.log_softmax(raw_sides, axis=-1), axis=-1)


def ciou_loss(pred, target):
    """``1 - CIoU`` of boxes, elementwise: overlap, centre distance and aspect ratio together.

    Follows "Distance-IoU Loss: Faster and Better Learning for Bounding Box Regression"
    (Zheng et al., 2020): ``CIoU = IoU - d^2 / c^2 - alpha * v``, with ``d`` the distance of
    the centres, ``c`` the diagonal of the smallest box enclosing both, ``v`` the squared
    difference of the aspect angles (``4 / pi^2 (atan(w/h) - atan(w'/h'))^2``) and
    ``alpha = v / (1 - IoU + v)``; computed by ``keras.utils.bounding_boxes.compute_ciou``.

    Args:
        pred: ``(..., 4)`` boxes ``(x1, y1, x2, y2)``.
        target: ``(..., 4)`` boxes, the same shape.

    Returns:
        ``(...)`` the loss, 0 for identical boxes, up to 2.

    Example:
        >>> box = keras.ops.convert_to_tensor([[0.0, 0.0, 2.0, 2.0]])
        >>> shifted = keras.ops.convert_to_tensor([[1.0, 0.0, 3.0, 2.0]])  # IoU 1/3, d^2 = 1, c^2 = 13
        >>> round(float(ciou_loss(box, shifted)[0]), 4)  # 1 - (1/3 - 1/13)
        0.7436
    """
    return 1.0 - keras.utils.bounding_boxes.compute_ciou(_float32(pred), _float32(target), "xyxy")


def _scale_for_replicas(loss):
    """The loss divided by the replicas under a TensorFlow strategy, whose gradients are summed across them."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss / replicas
    return loss


@keras.saving.register_keras_serializable(package="kerasdl")
class YOLOTrainer(keras.Model):
    """Trains a YOLOv8-style detector: task-aligned assignment, then BCE, CIoU and DFL losses.

    Follows YOLOv8 (Ultralytics' ``v8DetectionLoss``): the predicted boxes are decoded from
    the model's distance distributions, :func:`task_aligned_assign` gives every anchor a
    ground-truth box and soft class targets, and with ``S`` the sum of all soft targets
    (at least 1) the loss is

    * ``cls_loss``: binary cross-entropy of the class logits against the soft targets,
      summed over anchors and classes, over ``S``;
    * ``box_loss``: :func:`ciou_loss` of each assigned anchor's box, weighted by its soft
      target, summed, over ``S``;
    * ``dfl_loss``: :func:`distribution_focal_loss` of its four sides (mean) towards the
      ground truth's distances, weighted likewise;

    and ``loss = box_weight * box_loss + cls_weight * cls_loss + dfl_weight * dfl_loss``
    (7.5, 0.5 and 1.5, YOLOv8's), plus the model's regularisation losses. This is
    :meth:`compute_loss`; Keras's own ``train_step`` and ``test_step`` call it, so
    ``compile`` and ``fit`` train the trainer on any backend, with callbacks, checkpoints,
    strategies and mixed precision. (Ultralytics multiplies the loss by the batch size for
    its gradient accumulation; here it is per batch.)

    Batches are ``(images, {"boxes": (batch, max_boxes, 4), "labels": (batch, max_boxes)})``:
    images as the model takes them, boxes ``(x1, y1, x2, y2)`` in
    pixels, int labels, rows padded with label -1. Calling the trainer runs the model (raw
    outputs); ``yolo_detector(trainer.model)`` gives detections.

    Args:
        model: a :func:`~kerasdl.models.detection.yolo` model (or any model with its output
            contract: ``(batch, anchors, 4 * reg_max + classes)`` over the P3-P5 anchors).
        reg_max: the model's bins per side.
        top_k, alpha, beta: the assigner's (see :func:`task_aligned_assign`).
        box_weight, cls_weight, dfl_weight: the weights of the three losses.
        name: the trainer's name.

    Example:
        >>> from kerasdl.models.detection import yolo
        >>> trainer = YOLOTrainer(yolo(input_shape=(64, 64, 3), classes=2))
        >>> trainer.compile(optimizer="adam")
        >>> trainer.classes, trainer(keras.ops.zeros((1, 64, 64, 3))).shape[1]  # 8x8 + 4x4 + 2x2 anchors
        (2, 84)
    """

    def __init__(
        self,
        model,
        *,
        reg_max=REG_MAX,
        top_k=10,
        alpha=0.5,
        beta=6.0,
        box_weight=BOX_WEIGHT,
        cls_weight=CLS_WEIGHT,
        dfl_weight=DFL_WEIGHT,
        name="yolo_trainer",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        if not isinstance(model, keras.Model) or len(model.inputs) != 1:
            raise ValueError(
                "model must be a keras.Model with one image input, as yolo() returns; "
                f"Received: model={getattr(model, 'name', model)!r}"
            )
        check_positive_int("reg_max", reg_max)
        check_positive_int("top_k", top_k)
        outputs = model.output_shape
        classes = None if len(outputs) != 3 or outputs[-1] is None else outputs[-1] - 4 * reg_max
        if not classes or classes < 1:
            raise ValueError(
                f"model must output (batch, anchors, 4 * reg_max + classes) with reg_max={reg_max} and classes >= 1; "
                f"Received: model={model.name!r} with output shape {outputs}"
            )
        self.model = model
        self.reg_max = int(reg_max)
        self.classes = int(classes)
        self.top_k = int(top_k)
        self.alpha = check_number("alpha", alpha)
        self.beta = check_number("beta", beta)
        self.box_weight = check_number("box_weight", box_weight)
        self.cls_weight = check_number("cls_weight", cls_weight)
        self.dfl_weight = check_number("dfl_weight", dfl_weight)
        self.loss_trackers = [keras.metrics.Mean(name=log) for log in LOGS]
        self.built = True  # the model is built; BackupAndRestore and reloading need a built trainer

    def call(self, inputs, training=False):
        return self.model(inputs, training=training)

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configures training; ``loss`` and ``metrics`` must be ``None`` (the trainer has its own).

        Args:
            optimizer: an optimizer or its name (YOLOv8 trains with SGD, or AdamW on short schedules).
            loss: must be ``None``.
            metrics: must be ``None``: the logs are ``loss``, ``box_loss``, ``cls_loss`` and ``dfl_loss``.
            **kwargs: other ``keras.Model.compile`` arguments (``jit_compile``, ``steps_per_execution``).
        """
        for argument, value in (("loss", loss), ("metrics", metrics)):
            if value is not None:
                raise ValueError(
                    f"{argument} must be None: a YOLOTrainer computes its own loss and logs loss, "
                    f"{', '.join(LOGS)}; Received: {argument}={value!r}"
                )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)  # the slots, before a reload fills them

    def losses_of(self, images, targets, raw):
        """The three losses (unweighted) of raw outputs on a batch: ``{"box_loss", "cls_loss", "dfl_loss"}``.

        Args:
            images: the batch's images (only their height and width are used, to place the anchors).
            targets: ``{"boxes": (batch, max_boxes, 4), "labels": (batch, max_boxes)}``, padded with label -1.
            raw: the model's outputs on ``images``.
        """
        shape = ops.shape(images)
        points, strides = anchor_points(shape[1], shape[2])
        raw = _float32(raw)
        sides = 4 * self.reg_max
        class_logits = raw[..., sides:]
        boxes = decode_boxes(raw, points, strides, reg_max=self.reg_max)
        gt_labels = ops.cast(targets["labels"], "int32")
        target_boxes, target_scores, foreground = task_aligned_assign(
            ops.sigmoid(class_logits),
            boxes,
            points,
            targets["boxes"],
            gt_labels,
            gt_labels >= 0,
            top_k=self.top_k,
            alpha=self.alpha,
            beta=self.beta,
        )
        total_score = ops.maximum(ops.sum(target_scores), 1.0)
        cls_loss = ops.sum(ops.binary_crossentropy(target_scores, class_logits, from_logits=True)) / total_score

        # The box losses on the foreground: the background's targets are its own boxes (loss ~0,
        # weight 0), so that no degenerate target box makes a NaN whose zero weight would not cancel it.
        weight = ops.sum(target_scores, axis=-1) * ops.cast(foreground, "float32")
        target_boxes = ops.where(foreground[..., None], target_boxes, ops.stop_gradient(boxes))
        box_loss = ops.sum(ciou_loss(boxes, target_boxes) * weight) / total_score
        distances = encode_distances(target_boxes, points, strides, reg_max=self.reg_max)
        bins = ops.reshape(raw[..., :sides], (*ops.shape(raw)[:-1], 4, self.reg_max))
        dfl = ops.mean(distribution_focal_loss(bins, distances), axis=-1)
        dfl_loss = ops.sum(dfl * weight) / total_score
        return {"box_loss": box_loss, "cls_loss": cls_loss, "dfl_loss": dfl_loss}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """YOLOv8's loss of a batch, ``(images, {"boxes", "labels"})``; updates the three losses' logs."""
        if sample_weight is not None:
            raise ValueError(
                "sample_weight must be None: a YOLOTrainer weights anchors by their targets; Received: a sample_weight"
            )
        if not isinstance(y, dict) or not {"boxes", "labels"} <= set(y):
            raise ValueError(
                'a YOLOTrainer trains on (images, {"boxes": (batch, max_boxes, 4), "labels": (batch, max_boxes)}) '
                f"batches; Received: y={type(y).__name__ if not isinstance(y, dict) else sorted(y)}"
            )
        losses = self.losses_of(x, y, y_pred)
        batch = ops.cast(ops.shape(y_pred)[0], "float32")
        for tracker in self.loss_trackers:
            tracker.update_state(losses[tracker.name], sample_weight=batch)
        total = (
            self.box_weight * losses["box_loss"]
            + self.cls_weight * losses["cls_loss"]
            + self.dfl_weight * losses["dfl_loss"]
        )
        if self.losses:
            total = total + ops.sum([_float32(loss) for loss in self.losses])
        return _scale_for_replicas(total)

    def get_config(self):
        return {
            **super().get_config(),  # name, trainable, dtype
            "model": keras.saving.serialize_keras_object(self.model),
            "reg_max": self.reg_max,
            "top_k": self.top_k,
            "alpha": self.alpha,
            "beta": self.beta,
            "box_weight": self.box_weight,
            "cls_weight": self.cls_weight,
            "dfl_weight": self.dfl_weight,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        model = keras.saving.deserialize_keras_object(config.pop("model"))
        return cls(model, **config)
