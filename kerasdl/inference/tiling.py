"""Tiled inference: any image size, bounded memory, no seams."""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

_COMPILED = weakref.WeakKeyDictionary()


def _compiled(model):
    """One ``tf.function`` per model, reused across calls (tiles of a few distinct shapes)."""
    if model not in _COMPILED:
        _COMPILED[model] = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    return _COMPILED[model]


def _windows(length, tile, overlap):
    """(window_start, window_end, keep_start, keep_end) along one axis, in input pixels."""
    spans = []
    for start in range(0, length, tile):
        end = min(start + tile, length)
        w0, w1 = max(0, start - overlap), min(length, end + overlap)
        spans.append((w0, w1, start, end))
    return spans


def predict_tiled(model, image, *, scale=1, tile=128, overlap=24):
    """Runs an image-to-image model on overlapping tiles and stitches the result.

    Each tile is processed with ``overlap`` pixels of real context on every side that has
    image there, and windows touch the image edge exactly where the image ends, so the
    result equals running the model on the whole image whenever ``overlap`` covers the
    model's receptive-field radius (about 20 pixels for the default SR model).

    Args:
        model: a Keras model from ``(h, w, c)`` to ``(scale*h, scale*w, c')``.
        image: float array ``(h, w, c)``.
        scale: the model's output/input size ratio.
        tile: tile side in input pixels; memory use grows with ``(tile + 2*overlap)**2``.
        overlap: context pixels around each tile.

    Returns:
        A float32 array ``(scale*h, scale*w, c')``.
    """
    image = np.asarray(image, np.float32)
    h, w = image.shape[:2]
    run = _compiled(model)
    out = None
    for y0, y1, ky0, ky1 in _windows(h, tile, overlap):
        for x0, x1, kx0, kx1 in _windows(w, tile, overlap):
            result = np.asarray(run(tf.constant(image[None, y0:y1, x0:x1])))[0]
            if out is None:
                out = np.empty((h * scale, w * scale, result.shape[-1]), np.float32)
            oy, ox = (ky0 - y0) * scale, (kx0 - x0) * scale
            out[ky0 * scale : ky1 * scale, kx0 * scale : kx1 * scale] = result[
                oy : oy + (ky1 - ky0) * scale, ox : ox + (kx1 - kx0) * scale
            ]
    return out
