"""Colour conversions (ITU-R BT.601), as TensorFlow ops usable eagerly and inside graphs."""

import numpy as np
import tensorflow as tf

# Full-range YCbCr (JPEG/JFIF): Y is the grayscale a camera or PIL produces. NumPy, not
# tf.constant: this module may first be imported while a serving signature is traced, and a
# constant made then would belong to that graph alone.
_RGB_TO_YCBCR = np.array([[0.299, -0.168736, 0.5], [0.587, -0.331264, -0.418688], [0.114, 0.5, -0.081312]], np.float32)
_YCBCR_TO_RGB = np.array([[1.0, 1.0, 1.0], [0.0, -0.344136, 1.772], [1.402, -0.714136, 0.0]], np.float32)
_CHROMA_OFFSET = np.array([0.0, 0.5, 0.5], np.float32)


def rgb_to_ycbcr(rgb):
    """RGB in [0, 1] to full-range YCbCr in [0, 1] (chroma centred on 0.5)."""
    rgb = tf.convert_to_tensor(rgb, tf.float32)
    return tf.tensordot(rgb, _RGB_TO_YCBCR, axes=1) + _CHROMA_OFFSET


def ycbcr_to_rgb(ycbcr):
    """Full-range YCbCr in [0, 1] back to RGB in [0, 1] (not clipped)."""
    ycbcr = tf.convert_to_tensor(ycbcr, tf.float32)
    return tf.tensordot(ycbcr - _CHROMA_OFFSET, _YCBCR_TO_RGB, axes=1)


def studio_luma(image):
    """The Y that SR papers measure: MATLAB ``rgb2ycbcr``'s studio-swing Y in [16, 235].

    Args:
        image: RGB or single-channel image(s) in [0, 1]; one channel is treated as R = G = B.

    Returns:
        Y in the 0-255 scale, shape of ``image`` without its channel axis.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    if image.shape[-1] == 1:
        return 16.0 + 219.0 * image[..., 0]
    return 16.0 + tf.tensordot(image, tf.constant([65.481, 128.553, 24.966]), axes=1)
