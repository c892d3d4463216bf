"""Tiled inference equals whole-image inference when the overlap covers the receptive field."""

import keras
import numpy as np
import pytest

from kerasdl.inference import predict_tiled
from kerasdl.inference.tiling import _windows
from kerasdl.models.restoration import edsr

# Receptive-field radius of a 1-block EDSR in LR pixels: head 1 + block 2 + body 1 +
# upsampler conv 1 + tail (1 HR pixel, under 1 LR pixel) = 6; the bicubic skip needs 2.
RADIUS = 6


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    built = {}
    for scale in (2, 3):
        model = edsr(scale=scale, channels=3, num_blocks=1, filters=4, bicubic_skip=True)
        rng = np.random.default_rng(scale)
        for weight in model.weights:  # large random weights: every pixel of context matters
            weight.assign(rng.normal(0, 0.5, weight.shape).astype("float32"))
        built[scale] = model
    return built


def image(h, w, seed=0):
    return np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)


def assert_close(actual, expected):
    """Equal up to float32 rounding, relative to the values' scale: the large random weights
    give outputs of several hundred, where one CPU's kernels round differently from another's
    (9e-5 apart at ~200, 4e-7 relative)."""
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=max(1e-5, 1e-6 * scale))


@pytest.mark.parametrize("scale", [2, 3])
@pytest.mark.parametrize("size", [(5, 7), (19, 23), (16, 32), (8, 9)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_tiled_equals_whole_image(models, scale, size):
    model = models[scale]
    x = image(*size, seed=size[0])
    whole = model(x[None]).numpy()[0]
    tiled = predict_tiled(model, x, scale=scale, tile=8, overlap=RADIUS)
    assert tiled.shape == (size[0] * scale, size[1] * scale, 3) and tiled.dtype == np.float32
    assert_close(tiled, whole)


def test_image_smaller_than_one_tile_is_one_call(models):
    x = image(6, 5)
    assert_close(predict_tiled(models[2], x, scale=2, tile=128, overlap=24), models[2](x[None]).numpy()[0])


def test_too_little_overlap_shows_seams(models):
    # One pixel less context than the receptive field needs and the tiles disagree with the
    # whole image: the equality above is not vacuous, and RADIUS is exact.
    x = image(19, 23)
    whole = models[2](x[None]).numpy()[0]
    for overlap in (0, RADIUS - 1):
        seamed = predict_tiled(models[2], x, scale=2, tile=8, overlap=overlap)
        assert np.abs(seamed - whole).max() > 1e-3


def test_grayscale_model():
    model = edsr(scale=3, channels=1, num_blocks=1, filters=4)
    x = np.random.default_rng(1).random((13, 10, 1), dtype=np.float32)
    assert_close(predict_tiled(model, x, scale=3, tile=4, overlap=8), model(x[None]).numpy()[0])


def test_windows_cover_every_pixel_once():
    for length, tile, overlap in [(1, 4, 2), (10, 4, 2), (17, 5, 3), (8, 8, 0)]:
        spans = _windows(length, tile, overlap)
        kept = [i for _, _, k0, k1 in spans for i in range(k0, k1)]
        assert kept == list(range(length))
        for w0, w1, k0, k1 in spans:
            assert 0 <= w0 <= k0 < k1 <= w1 <= length
            assert k0 - w0 == min(overlap, k0) and w1 - k1 == min(overlap, length - k1)
