"""Semantic segmentation: a U-Net gives every pixel a class; train, evaluate beside a classical segmenter, predict, export."""

from kerasdl.apps.segment.task import Segmentation

__all__ = ["Segmentation"]
