"""PSNR and SSIM as the super-resolution and denoising literature reports them."""

import keras
import numpy as np
import tensorflow as tf

from kerasdl.data.color import studio_luma

SSIM_WINDOW = 11  # tf.image.ssim's Gaussian window: images must be at least this large


def quantize(image):
    """Rounds a float image in [0, 1] to 8-bit levels, as saving it to a PNG would."""
    return tf.round(tf.clip_by_value(tf.convert_to_tensor(image, tf.float32), 0.0, 1.0) * 255.0) / 255.0


def luma_psnr_ssim(output, reference, *, border):
    """PSNR (dB) and SSIM on the studio-swing Y channel, ``border`` pixels cropped on each side.

    The protocol of SRCNN, VDSR and EDSR's benchmarks: outputs are quantised to 8 bits,
    converted to Y (ITU-R BT.601, MATLAB ``rgb2ycbcr``), ``border`` (= the scale factor
    for SR) pixels are cut from every edge, and ``tf.image.psnr``/``tf.image.ssim`` (Gaussian
    11x11, sigma 1.5) are computed on the 0-255 scale.

    Args:
        output: float image ``(h, w, c)`` in [0, 1], c = 1 or 3.
        reference: the ground truth, same shape.
        border: pixels to crop on each edge.

    Returns:
        ``(psnr, ssim)`` as Python floats.
    """
    if tuple(np.shape(output)) != tuple(np.shape(reference)):
        raise ValueError(f"shapes differ: output {np.shape(output)} vs reference {np.shape(reference)}")
    y_out = studio_luma(quantize(output))
    y_ref = studio_luma(quantize(reference))
    if border:
        y_out = y_out[border:-border, border:-border]
        y_ref = y_ref[border:-border, border:-border]
    if min(y_out.shape[:2]) < SSIM_WINDOW:
        raise ValueError(
            f"images must be at least {SSIM_WINDOW}x{SSIM_WINDOW} after cropping border={border}; "
            f"Received: shape {tuple(np.shape(output))}"
        )
    y_out, y_ref = y_out[..., None], y_ref[..., None]
    psnr = tf.image.psnr(y_out, y_ref, max_val=255.0)
    ssim = tf.image.ssim(y_out, y_ref, max_val=255.0)
    return float(psnr), float(ssim)


@keras.saving.register_keras_serializable(package="kerasdl")
def psnr(y_true, y_pred):
    """Keras metric: PSNR in dB of images in [0, 1] (``tf.image.psnr``), the output clipped first."""
    y_pred = tf.clip_by_value(tf.cast(y_pred, tf.float32), 0.0, 1.0)
    return tf.image.psnr(tf.cast(y_true, tf.float32), y_pred, max_val=1.0)
