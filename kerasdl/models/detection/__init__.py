"""Detection builders: YOLO (after YOLOv8), its box coding, its in-graph non-max suppression and its training scheme."""

from kerasdl.models.detection.training import (
    YOLOTrainer,
    ciou_loss,
    distribution_focal_loss,
    task_aligned_assign,
)
from kerasdl.models.detection.yolo import (
    REG_MAX,
    STRIDES,
    YOLODecoder,
    anchor_points,
    decode_boxes,
    encode_distances,
    yolo,
    yolo_detector,
)

__all__ = [
    "REG_MAX",
    "STRIDES",
    "YOLOTrainer",
    "YOLODecoder",
    "anchor_points",
    "ciou_loss",
    "decode_boxes",
    "distribution_focal_loss",
    "encode_distances",
    "task_aligned_assign",
    "yolo",
    "yolo_detector",
]
