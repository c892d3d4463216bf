"""Object detection: a YOLO model finds and classifies the objects of an image; train, evaluate beside a classical detector, predict, export."""

from kerasdl.apps.detect.task import Detection

__all__ = ["Detection"]
