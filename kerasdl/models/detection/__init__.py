"""Detection builders: YOLO (after YOLOv8), its box coding, its in-graph non-max suppression."""

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
    "YOLODecoder",
    "anchor_points",
    "decode_boxes",
    "encode_distances",
    "yolo",
    "yolo_detector",
]
