"""Tiled inference: any image size, memory bounded by the tile rather than the image, no seams."""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import tensorflow as tf

_COMPILED = weakref.WeakKeyDictionary()  # model -> {(key, channels): tf.function on one (h, w, c) tile}
_RADIUS = weakref.WeakKeyDictionary()  # model -> {limit: its receptive-field radius}


def tile_function(model, channels: int, fn: Callable | None = None, *, key=None):
    """One ``tf.function`` per model, tile channels and ``key``, reused across calls and tile shapes.

    Args:
        model: the Keras model ``fn`` runs (it owns the cache entry).
        channels: the channels of the tiles the function is called on.
        fn: maps one float32 tile ``(h, w, channels)`` to its output image; default: the
            model itself, its output as float32.
        key: names ``fn`` among the functions cached for ``model`` (e.g. its options).
    """
    cache = _COMPILED.setdefault(model, {})
    if (key, channels) not in cache:
        if fn is None:

            def fn(x):
                return tf.cast(model(x[None], training=False)[0], tf.float32)

        spec = tf.TensorSpec([None, None, channels], tf.float32)
        cache[key, channels] = tf.function(fn, input_signature=[spec])
    return cache[key, channels]


def _windows(length, tile, overlap):
    """(window_start, window_end, keep_start, keep_end) along one axis, in input pixels."""
    spans = []
    for start in range(0, length, tile):
        end = min(start + tile, length)
        w0, w1 = max(0, start - overlap), min(length, end + overlap)
        spans.append((w0, w1, start, end))
    return spans


def _as_float(pixels: np.ndarray) -> np.ndarray:
    """A tile as float32 in [0, 1] (8-bit pixels are divided by 255)."""
    if pixels.dtype == np.uint8:
        return pixels.astype(np.float32) / np.float32(255)
    return np.asarray(pixels, np.float32)


@dataclasses.dataclass(frozen=True)
class TiledOutput:
    """An image-to-image function's output on an image of any size, computed tile by tile as it is read.

    Each tile is processed with ``overlap`` pixels of real context on every side that has
    image there, and windows touch the image edge exactly where the image ends, so the
    output equals the function on the whole image whenever ``overlap`` covers its
    receptive-field radius. :meth:`bands` yields it one row of tiles at a time, so a writer
    (:func:`~kerasdl.data.images.save_png`) holds one band, never the image;
    :meth:`numpy` stitches it whole.

    Attributes:
        fn: maps one float32 tile ``(h, w, c)`` to ``(scale*h, scale*w, c')`` (a
            :func:`tile_function`); it must act locally, as convolutions and resizes do.
        image: the input ``(h, w, c)``, float in [0, 1] or uint8 (converted tile by tile).
        scale: the output/input size ratio.
        tile: tile side in input pixels; memory use grows with ``(tile + 2*overlap)**2``.
        overlap: context pixels around each tile.

    Example:
        >>> out = TiledOutput(tile_function(model, 3), image, scale=3)  # doctest: +SKIP
        >>> save_png(out.bands(), "big_x3.png")                            # doctest: +SKIP
    """

    fn: Callable
    image: np.ndarray
    scale: int = 1
    tile: int = 128
    overlap: int = 24

    @property
    def height(self) -> int:
        """The output's height in pixels."""
        return self.image.shape[0] * self.scale

    def bands(self) -> Iterator[np.ndarray]:
        """The output from top to bottom, in float32 row bands ``(scale*tile, scale*w, c')`` (the last may be lower)."""
        h, w = self.image.shape[:2]
        s = self.scale
        for y0, y1, ky0, ky1 in _windows(h, self.tile, self.overlap):
            band = None
            for x0, x1, kx0, kx1 in _windows(w, self.tile, self.overlap):
                result = np.asarray(self.fn(tf.constant(_as_float(self.image[y0:y1, x0:x1]))), np.float32)
                if band is None:
                    band = np.empty(((ky1 - ky0) * s, w * s, result.shape[-1]), np.float32)
                oy, ox = (ky0 - y0) * s, (kx0 - x0) * s
                band[:, kx0 * s : kx1 * s] = result[oy : oy + (ky1 - ky0) * s, ox : ox + (kx1 - kx0) * s]
            yield band

    def numpy(self) -> np.ndarray:
        """The whole output, a float32 array ``(scale*h, scale*w, c')``."""
        out, row = None, 0
        for band in self.bands():
            if out is None:
                out = np.empty((self.height, *band.shape[1:]), np.float32)
            out[row : row + len(band)] = band
            row += len(band)
        return out


def predict_tiled(model, image, *, scale=1, tile=128, overlap=24):
    """Runs an image-to-image model on overlapping tiles and stitches the result.

    The result equals running the model on the whole image whenever ``overlap`` covers the
    model's receptive-field radius (:func:`receptive_radius`; 20 pixels for the default SR
    model). To write a large output without holding it, use :class:`TiledOutput`'s bands.

    Args:
        model: a Keras model from ``(h, w, c)`` to ``(scale*h, scale*w, c')``.
        image: float array ``(h, w, c)`` (or uint8, read as ``/255``).
        scale: the model's output/input size ratio.
        tile: tile side in input pixels; memory use grows with ``(tile + 2*overlap)**2``.
        overlap: context pixels around each tile.

    Returns:
        A float32 array ``(scale*h, scale*w, c')``.
    """
    image = np.asarray(image)
    run = tile_function(model, image.shape[-1])
    return TiledOutput(run, image, scale=scale, tile=tile, overlap=overlap).numpy()


def receptive_radius(model, *, limit: int = 128) -> int:
    """How many input pixels on each side one output pixel of ``model`` depends on (at most ``limit``).

    Measured on the architecture rather than read from its layers: a copy of the model gets
    positive weights (zero means, unit variances), so on a constant mid-gray image every
    ReLU passes and no path cancels, and the gradient of the central output pixel is
    non-zero exactly on its receptive field. Branches that training starts at zero count, as
    they will once trained. A model that cannot be copied is measured as it is.

    Args:
        model: a Keras model from ``(h, w, c)`` images to images ``scale`` times larger (``scale >= 1``).
        limit: the largest radius measured; a model that sees further (global pooling,
            attention) gets ``limit``.

    Returns:
        The radius in input pixels, e.g. 6 for a one-block EDSR with a bicubic skip; 0
        when it cannot be measured (a model with a fixed input size).
    """
    measured = _RADIUS.setdefault(model, {})
    if limit in measured:
        return measured[limit]
    import keras

    try:
        probe = keras.models.clone_model(model)
    except Exception:  # a subclassed model: its own weights will do
        probe = model
    else:
        rng = np.random.default_rng(0)
        for weight in probe.weights:
            shape, name = tuple(weight.shape), weight.path.lower()
            if len(shape) >= 2:  # kernels: positive, averaging, so values stay near the input's
                value = rng.uniform(0.5, 1.5, shape) / np.prod(shape[:-1])
            else:
                value = np.zeros(shape) if "mean" in name else np.ones(shape)
            weight.assign(value.astype(weight.dtype))
    channels = model.input_shape[-1]
    side = 32
    while True:
        x = tf.fill((1, side, side, channels), 0.5)
        try:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.cast(probe(x, training=False), tf.float32)
                s, centre = y.shape[1] // side, side // 2
                target = tf.reduce_sum(y[0, centre * s : (centre + 1) * s, centre * s : (centre + 1) * s])
            grad = np.abs(tape.gradient(target, x).numpy()[0]).sum(-1)
        except Exception:  # a model that takes no image of this size (a fixed input shape): unknown
            radius = 0
            break
        rows, cols = np.nonzero(grad)
        radius = int(max(np.abs(rows - centre).max(initial=0), np.abs(cols - centre).max(initial=0)))
        if radius < centre - 1 or side >= 2 * limit:
            break
        side *= 2
    measured[limit] = min(radius, limit)
    return measured[limit]
