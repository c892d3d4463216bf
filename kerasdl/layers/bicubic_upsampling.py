"""Bicubic upsampling by an integer factor, as a fixed convolution."""

import math

import keras
import numpy as np

from kerasdl.layers.upscaling import IntegerUpscaling

_TABLE_SIZE = 1024


def _keys_cubic(x, a=-0.5):
    """Keys' cubic convolution kernel, the one ``tf.image.resize(method="bicubic")`` uses."""
    x = abs(x)
    if x <= 1:
        return (a + 2) * x**3 - (a + 3) * x**2 + 1
    if x < 2:
        return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return 0.0


def bicubic_phase_kernels(scale):
    """1-D taps, shape ``(5, scale)``: for output phase ``p``, the weights of inputs ``k-2..k+2``.

    With half-pixel centres, output pixel ``scale*k + p`` samples the input at
    ``k + (p + 0.5) / scale - 0.5``; its four cubic taps always fall within ``k-2..k+2``.
    TensorFlow reads the weights from a 1024-entry table, so the fractional offset is
    rounded to a multiple of 1/1024 here too (it matters for scale 3).
    """
    taps = np.zeros((5, scale), dtype="float64")
    for p in range(scale):
        d = (p + 0.5) / scale - 0.5
        base = math.floor(d)
        frac = round((d - base) * _TABLE_SIZE) / _TABLE_SIZE
        for t in range(-1, 3):
            taps[base + t + 2, p] = _keys_cubic(frac - t)
    return taps


@keras.saving.register_keras_serializable(package="kerasdl")
class BicubicUpsampling(IntegerUpscaling):
    """Upsamples by an integer ``scale`` exactly like ``tf.image.resize(..., "bicubic")``.

    ``ResizeBicubic`` has no XLA kernel and no LiteRT builtin, so a model with a bicubic
    skip connection (VDSR-style global residual) would lose both. Integer-factor bicubic
    interpolation is a convolution with ``scale**2`` fixed 5x5 phase kernels followed by a
    depth-to-space; border taps outside the image get weight zero and the rest are
    renormalised, as TensorFlow's half-pixel bicubic kernel does.

    Args:
        scale: integer upscaling factor, at least 2.

    Example:
        >>> up = BicubicUpsampling(3)(keras.ops.ones((1, 10, 10, 1)))  # (1, 30, 30, 1)
    """

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"BicubicUpsampling needs a known channel count; Received: {input_shape}")
        s = self.scale
        taps = bicubic_phase_kernels(s)
        # 2-D phase kernels (5, 5, s*s), ordered as depth_to_space expects: row phase major.
        phases = np.einsum("ip,jq->ijpq", taps, taps).reshape(5, 5, s * s)
        kernel = np.zeros((5, 5, channels, s * s * channels), dtype="float32")
        for c in range(channels):
            kernel[:, :, c, c::channels] = phases
        self.channels = channels
        self._kernel = keras.ops.convert_to_tensor(kernel)
        self._ones_kernel = keras.ops.convert_to_tensor(phases[:, :, None, :].astype("float32"))

    def call(self, inputs):
        x = keras.ops.cast(inputs, "float32")
        s = self.scale
        weighted = keras.ops.conv(x, self._kernel, padding="same")
        # Sum of in-image weights per output phase: renormalises at the borders.
        ones = keras.ops.ones_like(x[..., :1])
        norm = keras.ops.conv(ones, self._ones_kernel, padding="same")
        norm = keras.ops.repeat(norm, self.channels, axis=-1)
        out = keras.ops.depth_to_space(weighted / norm, s, data_format="channels_last")
        return keras.ops.cast(out, self.compute_dtype)
