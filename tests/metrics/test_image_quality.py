"""Y-channel PSNR/SSIM as the SR papers measure them, checked by hand and with scikit-image."""

import math

import numpy as np
import pytest
import tensorflow as tf
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from kerasdl.data.color import rgb_to_ycbcr, studio_luma, ycbcr_to_rgb
from kerasdl.metrics.image_quality import luma_psnr_ssim, psnr, quantize


def levels(rng, shape):
    """A random 8-bit image as floats in [0, 1] (so quantisation changes nothing)."""
    return rng.integers(30, 220, shape).astype(np.float32) / 255.0


def numpy_studio_y(image):
    """MATLAB rgb2ycbcr's Y in 0-255, written out by hand."""
    image = np.round(np.clip(image.astype(np.float64), 0, 1) * 255) / 255
    if image.shape[-1] == 1:
        return 16.0 + 219.0 * image[..., 0]
    return 16.0 + image @ np.array([65.481, 128.553, 24.966])


def test_identical_images():
    image = levels(np.random.default_rng(0), (32, 32, 3))
    value, ssim = luma_psnr_ssim(image, image, border=2)
    # tf.image.psnr divides by a zero MSE: +inf, not a large finite number.
    assert value == math.inf
    assert ssim == pytest.approx(1.0, abs=1e-6)
    assert float(tf.image.psnr(image, image, max_val=1.0)) == math.inf


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("border", [0, 3])
def test_psnr_by_hand_and_with_skimage(channels, border):
    rng = np.random.default_rng(channels + border)
    reference = levels(rng, (40, 36, channels))
    noise = rng.choice([-3, -1, 1, 3], size=reference.shape).astype(np.float32) / 255.0
    output = reference + noise  # stays within [0, 1]: the reference lies in [30, 220] levels
    value, ssim = luma_psnr_ssim(output, reference, border=border)

    y_out, y_ref = numpy_studio_y(output), numpy_studio_y(reference)
    if border:
        y_out, y_ref = y_out[border:-border, border:-border], y_ref[border:-border, border:-border]
    mse = np.mean((y_out - y_ref) ** 2)
    assert value == pytest.approx(10 * np.log10(255.0**2 / mse), abs=1e-3)
    assert value == pytest.approx(peak_signal_noise_ratio(y_ref, y_out, data_range=255), abs=1e-3)
    if channels == 1:  # on grayscale the noise is exactly 219/255 of +-1 or +-3 levels
        expected_mse = np.mean(
            (noise[..., 0] * 219.0)[border or None : -border or None, border or None : -border or None] ** 2
        )
        assert mse == pytest.approx(expected_mse, rel=1e-5)

    # SSIM: Gaussian 11x11, sigma 1.5, population statistics, as in Wang et al. 2004.
    expected_ssim = structural_similarity(
        y_ref, y_out, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert ssim == pytest.approx(expected_ssim, abs=2e-3)
    assert 0.0 < ssim < 1.0


def test_border_is_cropped():
    rng = np.random.default_rng(0)
    reference = levels(rng, (30, 30, 3))
    output = reference.copy()
    output[:2] = 0.0  # damage only the two top rows...
    output[:, -1] = 1.0  # ...and the last column
    value, ssim = luma_psnr_ssim(output, reference, border=2)
    assert value == math.inf and ssim == pytest.approx(1.0, abs=1e-6)
    damaged, _ = luma_psnr_ssim(output, reference, border=0)
    assert damaged < 30
    partly, _ = luma_psnr_ssim(output, reference, border=1)  # row 1 still counts
    assert damaged < partly < math.inf


def test_outputs_are_quantized_and_clipped_first():
    rng = np.random.default_rng(1)
    reference = levels(rng, (24, 24, 1))
    almost = reference + 0.4 / 255.0  # rounds back to the same 8-bit levels
    assert luma_psnr_ssim(almost, reference, border=0)[0] == math.inf
    np.testing.assert_allclose(quantize(np.array([-0.2, 0.3, 1.7])).numpy(), [0.0, 76 / 255, 1.0], atol=1e-7)


def test_grayscale_equals_rgb_with_equal_channels():
    rng = np.random.default_rng(2)
    reference, output = levels(rng, (24, 24, 1)), levels(rng, (24, 24, 1))
    gray = luma_psnr_ssim(output, reference, border=1)
    rgb = luma_psnr_ssim(np.repeat(output, 3, -1), np.repeat(reference, 3, -1), border=1)
    # 65.481 + 128.553 + 24.966 = 219: the same Y up to float rounding
    assert gray == pytest.approx(rgb, abs=1e-3)


def test_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        luma_psnr_ssim(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)), border=0)


def test_studio_luma_range():
    np.testing.assert_allclose(studio_luma(np.zeros((2, 2, 3))).numpy(), 16.0)
    np.testing.assert_allclose(studio_luma(np.ones((2, 2, 3))).numpy(), 235.0, atol=1e-4)
    np.testing.assert_allclose(studio_luma(np.ones((2, 2, 1))).numpy(), 235.0)


def test_ycbcr_round_trip():
    rgb = np.random.default_rng(3).random((5, 6, 3), dtype=np.float32)
    ycc = rgb_to_ycbcr(rgb).numpy()
    np.testing.assert_allclose(ycc[..., 0], rgb @ np.array([0.299, 0.587, 0.114]), atol=1e-6)
    np.testing.assert_allclose(ycbcr_to_rgb(ycc).numpy(), rgb, atol=1e-5)
    gray = np.full((1, 1, 3), 0.3, np.float32)
    np.testing.assert_allclose(rgb_to_ycbcr(gray).numpy()[..., 1:], 0.5, atol=1e-6)  # no chroma


def test_keras_psnr_metric_clips_predictions():
    y_true = np.full((2, 4, 4, 1), 1.0, np.float32)
    y_pred = np.full((2, 4, 4, 1), 1.5, np.float32)  # clipped to 1: a perfect prediction
    assert np.all(np.isinf(psnr(y_true, y_pred).numpy()))
    half = psnr(y_true, np.full_like(y_true, 0.9)).numpy()
    np.testing.assert_allclose(half, 20.0, atol=1e-4)  # 10 log10(1 / 0.01)
