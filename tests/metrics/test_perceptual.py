"""NIQE against the reference implementations' values, MATLAB's imresize, and distortions that must raise it.

No published NIQE exists for an image a test can ship: the LIVE release's example images,
MATLAB's ``lighthouse.png`` and Set14's baboon are not in any installed package. The pinned
values below are what BasicSR's and mmagic's NumPy NIQE (the same pristine model; BasicSR
documents 5.7295763 against MATLAB's 5.72957338 on baboon) give for scikit-image's images,
on the same 8-bit gray or Y levels, with their float32 ``imresize`` replaced by a float64 one:
ours agreed to 1e-12 on 22 image/colour pairs, and to 1e-5 relative with their float32
resize. Hence the tolerance of 1e-6 here: a change of the algorithm moves these by 1e-4 or more.
"""

import math

import numpy as np
import pytest
from skimage import data, filters, transform, util

from kerasdl.metrics import perceptual
from kerasdl.metrics.perceptual import niqe

# (image, color): NIQE of BasicSR's / mmagic's NumPy implementation on the same levels.
REFERENCE = {
    ("camera", "y"): 3.096202208122611,  # one channel: used as it is whatever the colour
    ("astronaut", "y"): 3.0994327880781127,
    ("astronaut", "gray"): 3.066637499629124,
    ("chelsea", "y"): 2.625526679667988,
    ("chelsea", "gray"): 2.5720840430149243,
}


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut().astype(np.float32) / 255.0


@pytest.mark.parametrize(("name", "color"), sorted(REFERENCE))
def test_reference_values(name, color):
    image = getattr(data, name)()
    assert niqe(image, color=color) == pytest.approx(REFERENCE[name, color], abs=1e-6)
    # Float input in [0, 1] is quantised to the same 8-bit levels.
    assert niqe(image.astype(np.float32) / 255.0, color=color) == pytest.approx(REFERENCE[name, color], abs=1e-6)


def test_pristine_model_and_window():
    mean, covariance = perceptual.pristine_model()
    assert mean.shape == (36,) and covariance.shape == (36, 36)
    np.testing.assert_array_equal(covariance, covariance.T)
    assert np.linalg.eigvalsh(covariance).min() > 0
    # The model's AGGD shapes of natural images lie between Laplacian (1) and Gaussian (2)-like tails.
    assert 2.0 < mean[0] < 3.5 and 2.0 < mean[18] < 3.5
    # The stored window is MATLAB's fspecial('gaussian', 7, 7/6), normalised.
    x = np.arange(-3, 4)
    window = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * (7 / 6) ** 2))
    np.testing.assert_allclose(perceptual._gaussian_window(), window / window.sum(), rtol=0, atol=1e-16)


def test_half_size_is_matlab_bicubic():
    # Keys' cubic reproduces linear functions: inside the image, output j samples input 2j + 0.5.
    rows = np.arange(40, dtype=np.float64)[:, None] * np.ones((1, 30))
    half = perceptual._half_size(rows)
    assert half.shape == (20, 15)
    np.testing.assert_allclose(half[2:-2, :], (2 * np.arange(20) + 0.5)[2:-2, None] * np.ones((1, 15)), atol=1e-12)
    # Rows of the matrix sum to one (a constant stays constant), odd lengths round up, as MATLAB's ceil.
    np.testing.assert_allclose(perceptual._half_size(np.full((9, 7), 3.0)), np.full((5, 4), 3.0), atol=1e-12)
    # One interior row: the antialiased kernel 0.5 * cubic(0.5 * d) at d = -3.5 ... 3.5, normalised.
    d = np.arange(-3.5, 4.0)
    expected = 0.5 * perceptual._cubic(0.5 * d)
    row = perceptual._half_matrix(40)[10]
    np.testing.assert_allclose(row[17:25], expected / expected.sum(), atol=1e-15)
    assert row.sum() == pytest.approx(1.0) and np.count_nonzero(row) == 8


def test_distortions_raise_niqe(astronaut):
    # MATLAB's niqe() documentation shows the same ordering on its lighthouse image:
    # original 2.55, Gaussian blur sigma 2: 5.27, 2% salt and pepper: 10.88.
    original = niqe(astronaut)
    blurred = niqe(filters.gaussian(astronaut, sigma=2, channel_axis=-1))
    noisy = niqe(util.random_noise(astronaut, mode="s&p", amount=0.02, rng=0))
    low = transform.rescale(astronaut, 0.25, channel_axis=-1, anti_aliasing=True)
    upscaled = niqe(transform.resize(low, astronaut.shape, order=3))
    assert original < 4.0
    assert blurred > original + 2.0
    assert noisy > original + 4.0
    assert upscaled > original + 2.0
    # More blur, worse NIQE.
    assert original < niqe(filters.gaussian(astronaut, sigma=1, channel_axis=-1)) < blurred


def test_inputs_crops_and_channels(astronaut):
    gray = data.camera()
    value = niqe(gray)
    assert niqe(gray[..., None]) == value  # (h, w, 1) is (h, w)
    assert niqe(gray, color="gray") == value  # one channel is not converted
    # Pixels past the last whole 96x96 block are ignored; crop_border cuts each edge first.
    padded = np.pad(gray, ((0, 50), (0, 60)), mode="reflect")  # still 5x5 whole blocks
    assert niqe(padded) == value
    bordered = np.pad(gray, 4, mode="reflect")
    assert niqe(bordered, crop_border=4) == value
    # Outside [0, 1], float images are clipped as when saved.
    assert niqe(astronaut * 1.5 - 0.25) == niqe(np.clip(astronaut * 1.5 - 0.25, 0, 1))


def test_flat_image_is_nan():
    assert math.isnan(niqe(np.full((192, 192), 0.5, np.float32)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image": np.zeros((96, 150, 3), np.float32)}, r"at least two 96x96 blocks.*shape \(96, 150, 3\)"),
        ({"image": np.zeros((200, 200, 3), np.float32), "crop_border": 10}, r"crop_border=10"),
        ({"image": np.zeros((200, 200, 4), np.float32)}, r"\(h, w, 3\); Received: image with shape \(200, 200, 4\)"),
        ({"image": np.zeros((200, 200), np.int32)}, r"float in \[0, 1\] or uint8; Received: image with dtype int32"),
        (
            {"image": np.zeros((200, 200)), "color": "rgb"},
            r"color must be one of \('gray', 'y'\); Received: color='rgb'",
        ),
        ({"image": np.zeros((200, 200)), "crop_border": -1}, r"crop_border=-1"),
        ({"image": np.zeros((200, 200)), "crop_border": 1.5}, r"crop_border=1.5"),
    ],
)
def test_errors_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        niqe(**kwargs)


def test_exported_from_metrics():
    import kerasdl.metrics

    assert kerasdl.metrics.niqe is niqe
    assert "kerasdl.metrics.perceptual" not in kerasdl.metrics.SUBMODULES
