"""No-reference perceptual quality: NIQE, the measure SR papers report beside PSNR.

NIQE (Mittal, Soundararajan and Bovik, "Making a 'completely blind' image quality analyzer",
IEEE Signal Processing Letters 2013) fits a multivariate Gaussian to natural-scene statistics
of 96x96 blocks of an image and reports its distance to the Gaussian of pristine photographs:
lower is more natural. SR papers after SRGAN (Ledig et al. 2017) and the PIRM 2018 challenge
use it to show what PSNR misses: an adversarially trained generator scores a worse PSNR and a
better NIQE than one trained on MSE.

This is the LIVE MATLAB release (``niqe_release``: ``computequality.m``) step by step, in
NumPy and SciPy: MSCN coefficients under a 7x7 Gaussian (sigma 7/6, replicated borders),
AGGD fits by the moment-matching table 0.2:0.001:10, the shape and scale of each block and
of its four neighbour products, two scales (the second by MATLAB's antialiased bicubic
``imresize(im, 0.5)``, in float64), then ``sqrt(d' pinv((S_pristine + S_image) / 2) d)``.
On the same 8-bit input it reproduces the NumPy NIQE of BasicSR and mmagic (which document
MATLAB parity: BasicSR gives 5.7295763 for Set14's baboon where MATLAB gives 5.72957338) to
1e-12 when their float32 resize is replaced by a float64 one, and to 1e-5 (relative) with it.

The model file ``niqe_pristine.npz`` holds the release's ``modelparameters.mat`` (the 36
means and 36x36 covariance fitted on its 125 pristine images, Copyright (c) 2012 The
University of Texas at Austin, LIVE, free to redistribute with that acknowledgement) and the
normalised 7x7 window, as BasicSR and mmagic redistribute them (``niqe_pris_params.npz``,
Apache-2.0). MATLAB's built-in ``niqe()`` has a different default model and other values.
"""

from __future__ import annotations

import functools
import math
import pathlib

import numpy as np
from scipy import ndimage, special

BLOCK_SIZE = 96  # the release's block size: the pristine model was fitted on 96x96 blocks
COLORS = ("gray", "y")
_PRISTINE_FILE = pathlib.Path(__file__).with_name("niqe_pristine.npz")
# MATLAB rgb2gray: the first row of the inverse NTSC (YIQ) matrix, not 0.299/0.587/0.114.
_RGB2GRAY = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
_STUDIO_Y = np.array([65.481, 128.553, 24.966])  # MATLAB rgb2ycbcr's Y row, 8-bit offsets
_SHAPES = 0.2 + 0.001 * np.arange(9801)  # MATLAB's 0.2:0.001:10, the AGGD shapes searched
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))  # MATLAB circshift offsets: H, V and the two diagonals


@functools.lru_cache(maxsize=1)
def _release_data():
    with np.load(_PRISTINE_FILE) as data:
        arrays = {key: data[key] for key in ("mean", "covariance", "window")}
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def pristine_model():
    """The LIVE release's pristine multivariate Gaussian: ``(mean (36,), covariance (36, 36))``."""
    data = _release_data()
    return data["mean"], data["covariance"]


@functools.lru_cache(maxsize=1)
def _shape_table():
    """``Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a))`` for every shape ``a`` the fit may choose."""
    return special.gamma(2.0 / _SHAPES) ** 2 / (special.gamma(1.0 / _SHAPES) * special.gamma(3.0 / _SHAPES))


def _gaussian_window():
    """``fspecial('gaussian', 7, 7/6)`` normalised, as stored beside the model (to the last bit)."""
    return _release_data()["window"]


def _blur(image):
    """``imfilter(image, window, 'replicate')``.

    The 2-D window, not its two 1-D factors: in flat regions ``I - mu`` is rounding noise
    whose signs the AGGD fit counts, so the order of the sums moves NIQE of nearly binary
    images by up to 1%, and of photographs by up to 1e-4. ``ndimage.convolve`` with the 2-D
    window sums as BasicSR's and mmagic's NumPy NIQE do, which reproduces them to 1e-12.
    """
    return ndimage.convolve(image, _gaussian_window(), mode="nearest")  # symmetric: the same as correlating


def _mscn(image):
    """Mean-subtracted contrast-normalised coefficients, ``(I - mu) / (sigma + 1)`` on 0-255."""
    mu = _blur(image)
    sigma = np.sqrt(np.abs(_blur(image * image) - mu * mu))
    return (image - mu) / (sigma + 1.0)


def _cubic(x):
    """Keys' cubic (a = -0.5), MATLAB ``imresize``'s bicubic kernel."""
    x = np.abs(x)
    near = (1.5 * x**3 - 2.5 * x**2 + 1.0) * (x <= 1)
    far = (-0.5 * x**3 + 2.5 * x**2 - 4.0 * x + 2.0) * ((x > 1) & (x <= 2))
    return near + far


def _half_matrix(length):
    """The ``(ceil(length / 2), length)`` matrix of ``imresize(., 0.5)`` along one axis.

    MATLAB's contributions: the cubic widened by 1/scale (antialiasing), each row normalised
    to sum to one, indices past either edge mirrored (symmetric padding).
    """
    scale, width = 0.5, 4.0 / 0.5
    out_length = math.ceil(length * scale)
    centres = np.arange(1, out_length + 1) / scale + 0.5 * (1.0 - 1.0 / scale)  # 1-based input coordinates
    left = np.floor(centres - width / 2.0)
    indices = left[:, None] + np.arange(math.ceil(width) + 2)[None, :]
    weights = scale * _cubic(scale * (centres[:, None] - indices))
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(length), np.arange(length)[::-1]])
    columns = mirror[np.mod(indices.astype(np.int64) - 1, 2 * length)]
    matrix = np.zeros((out_length, length))
    np.add.at(matrix, (np.repeat(np.arange(out_length), indices.shape[1]), columns.ravel()), weights.ravel())
    return matrix


def _half_size(image):
    """``imresize(image, 0.5)``: bicubic with antialiasing, as MATLAB does on a double image."""
    return _half_matrix(image.shape[0]) @ image @ _half_matrix(image.shape[1]).T


def _aggd(values):
    """Asymmetric generalised Gaussian fits of each row: ``(shape, left scale, right scale)``.

    ``estimateaggdparam.m``: left and right standard deviations over the strictly negative
    and positive values, the shape from the moment ratio by table look-up (the first minimum,
    as MATLAB's ``min``). Where a side is empty (a flat block) the scales are NaN and the
    shape 0.2, as in MATLAB, whose ``nanmean`` then still counts that shape.
    """
    negative, positive = values < 0, values > 0
    squares = values * values
    with np.errstate(invalid="ignore", divide="ignore"):
        left = np.sqrt(np.sum(squares * negative, axis=1) / np.sum(negative, axis=1))
        right = np.sqrt(np.sum(squares * positive, axis=1) / np.sum(positive, axis=1))
        ratio = left / right
        r_hat = np.mean(np.abs(values), axis=1) ** 2 / np.mean(squares, axis=1)
        r_norm = r_hat * (ratio**3 + 1.0) * (ratio + 1.0) / (ratio**2 + 1.0) ** 2
    position = np.argmin((_shape_table()[None, :] - np.nan_to_num(r_norm)[:, None]) ** 2, axis=1)
    position[np.isnan(r_norm)] = 0  # MATLAB's min over all-NaN differences returns index 1: shape 0.2
    shape = _SHAPES[position]
    spread = np.sqrt(special.gamma(1.0 / shape) / special.gamma(3.0 / shape))
    return shape, left * spread, right * spread


def _block_features(blocks):
    """``computefeature.m`` for ``(n, size, size)`` MSCN blocks: ``(n, 18)`` features."""
    n = blocks.shape[0]
    shape, left, right = _aggd(blocks.reshape(n, -1))
    features = [shape, (left + right) / 2.0]
    for shift in _SHIFTS:
        products = blocks * np.roll(blocks, shift, axis=(1, 2))
        shape, left, right = _aggd(products.reshape(n, -1))
        mean = (right - left) * special.gamma(2.0 / shape) / special.gamma(1.0 / shape)
        features += [shape, mean, left, right]
    return np.stack(features, axis=1)


def _split_blocks(image, size):
    """The non-overlapping ``size x size`` blocks of an image whose sides are multiples of ``size``."""
    rows, cols = image.shape[0] // size, image.shape[1] // size
    return image.reshape(rows, size, cols, size).transpose(0, 2, 1, 3).reshape(-1, size, size)


def _gray_levels(image, color):
    """The 0-255 single-channel image NIQE reads: 8-bit RGB levels, then MATLAB's conversion, rounded."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise ValueError(f"image must be (h, w), (h, w, 1) or (h, w, 3); Received: image with shape {image.shape}")
    if image.dtype == np.uint8:
        levels = image.astype(np.float64)
    elif np.issubdtype(image.dtype, np.floating):
        levels = np.round(np.clip(image.astype(np.float64), 0.0, 1.0) * 255.0)
    else:
        raise ValueError(f"image must be float in [0, 1] or uint8; Received: image with dtype {image.dtype}")
    if levels.ndim == 2:
        return levels  # one channel is used as it is, as the release and BasicSR do
    weights = _RGB2GRAY if color == "gray" else _STUDIO_Y / 255.0
    offset = 0.0 if color == "gray" else 16.0
    return np.floor(levels @ weights + offset + 0.5)  # MATLAB's uint8 conversion rounds half up


def niqe(image, *, crop_border=0, color="y"):
    """NIQE of one image (Mittal et al. 2013): lower is more natural.

    Follows the LIVE MATLAB release with its pristine model, so the numbers are those SR
    papers and the PIRM 2018 perceptual index report; sharp photographs score about 2-5,
    blurred, upscaled or noisy ones more (scikit-image's astronaut: 3.10; blurred with sigma
    2: 7.28; bicubic x4 down and up: 7.25; 2% salt and pepper: 10.04). The image is cut to
    whole 96x96 blocks from its top-left corner.

    Args:
        image: ``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)`` RGB, float in [0, 1] (quantised to
            8 bits first, as a saved PNG would be) or uint8. At least two 96x96 blocks must
            fit after cropping.
        crop_border: pixels cut from each edge first (SR evaluations cut the scale factor,
            as for PSNR).
        color: how RGB becomes one channel: ``"y"``, the studio-swing Y of MATLAB's
            ``rgb2ycbcr`` (as BasicSR, pyiqa and the PIRM perceptual index measure, and as
            kerasdl's PSNR/SSIM do), or ``"gray"``, MATLAB's ``rgb2gray`` (as the release's
            own script does). A single-channel image is used as it is.

    Returns:
        NIQE as a Python float; NaN when fewer than two blocks have any texture (a flat image).

    Example:

    >>> import numpy as np
    >>> from skimage import data
    >>> from kerasdl.metrics.perceptual import niqe
    >>> photo = data.astronaut()[..., :3].astype(np.float32) / 255.0
    >>> round(niqe(photo), 2)
    3.1
    """
    if isinstance(crop_border, bool) or not isinstance(crop_border, (int, np.integer)) or crop_border < 0:
        raise ValueError(f"crop_border must be a non-negative int; Received: crop_border={crop_border!r}")
    if color not in COLORS:
        raise ValueError(f"color must be one of {COLORS}; Received: color={color!r}")
    levels = _gray_levels(image, color)
    if crop_border:
        levels = levels[crop_border:-crop_border, crop_border:-crop_border]
    rows, cols = levels.shape[0] // BLOCK_SIZE, levels.shape[1] // BLOCK_SIZE
    if rows * cols < 2:
        raise ValueError(
            f"NIQE needs at least two {BLOCK_SIZE}x{BLOCK_SIZE} blocks (e.g. 96x192 pixels) after "
            f"crop_border={crop_border}; Received: image with shape {np.shape(image)}"
        )
    levels = levels[: rows * BLOCK_SIZE, : cols * BLOCK_SIZE]
    features = []
    for scale in (1, 2):
        size = BLOCK_SIZE // scale
        features.append(_block_features(_split_blocks(_mscn(levels), size)))
        if scale == 1:
            levels = _half_size(levels)
    features = np.concatenate(features, axis=1)
    complete = features[~np.isnan(features).any(axis=1)]
    if len(complete) < 2:
        return math.nan
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(features, axis=0)  # nanmean and nancov, as the release
    pristine_mean, pristine_covariance = pristine_model()
    covariance = (pristine_covariance + np.cov(complete, rowvar=False)) / 2.0
    difference = pristine_mean - mean
    # MATLAB pinv's tolerance: max(size) * eps, relative to the largest singular value.
    inverse = np.linalg.pinv(covariance, rcond=covariance.shape[0] * np.finfo(np.float64).eps)
    return float(np.sqrt(difference @ inverse @ difference))
