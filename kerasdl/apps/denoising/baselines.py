"""The classical denoisers every network is measured against: scikit-image's and BM3D.

Each takes the noisy float image ``(h, w, c)`` (not clipped) and the true Gaussian sigma on
the 0-255 scale (None for other noise), and returns the denoised float image. The
scikit-image methods are blind, as in scikit-image's own denoising gallery: they estimate
the noise with ``estimate_sigma``. BM3D is given the true sigma, as its paper and the
denoising benchmarks do (for non-Gaussian noise, the estimate).
"""

from __future__ import annotations

import time

import numpy as np

# denoise_tv_chambolle's weight per unit of estimated sigma (in [0, 1] units). On 24 train400
# images the best of 0.4/0.6/0.8/1.0/1.2/1.5 was 0.6 at sigma 15 and 0.8 at sigma 25 and 50;
# 0.7 sits between. The wavelet keeps scikit-image's default db1 with BayesShrink: there it
# was within 0.25 dB of db2 at sigma 15 and 25, best at 50, and ahead of sym4, sym8, coif3
# and of VisuShrink.
TV_WEIGHT_PER_SIGMA = 0.7
SCIKIT_IMAGE = ("nl_means", "tv_chambolle", "wavelet")
METHODS = (*SCIKIT_IMAGE, "bm3d")
LABELS = {
    "nl_means": "non-local means (scikit-image)",
    "tv_chambolle": "total variation (scikit-image)",
    "wavelet": "wavelet BayesShrink (scikit-image)",
    "bm3d": "BM3D",
}


def estimated_sigma(noisy) -> float:
    """scikit-image's robust wavelet estimate of the noise sigma, in [0, 1] units, averaged over channels."""
    from skimage.restoration import estimate_sigma

    return float(np.mean(estimate_sigma(np.asarray(noisy, np.float64), channel_axis=-1)))


def nl_means(noisy, sigma=None):
    """Non-local means (Buades et al., 2005), scikit-image's recipe: fast mode, 5x5 patches, h = 0.8 sigma."""
    from skimage.restoration import denoise_nl_means

    s = estimated_sigma(noisy)
    out = denoise_nl_means(
        np.asarray(noisy, np.float64),
        h=0.8 * s,
        sigma=s,
        fast_mode=True,
        patch_size=5,
        patch_distance=6,
        channel_axis=-1,
    )
    return out.reshape(np.shape(noisy))


def tv_chambolle(noisy, sigma=None):
    """Total-variation denoising (Chambolle, 2004) with a weight proportional to the estimated sigma."""
    from skimage.restoration import denoise_tv_chambolle

    weight = TV_WEIGHT_PER_SIGMA * estimated_sigma(noisy)
    return denoise_tv_chambolle(np.asarray(noisy, np.float64), weight=weight, channel_axis=-1)


def wavelet(noisy, sigma=None):
    """Wavelet shrinkage with BayesShrink thresholds (Chang et al., 2000); colour in YCbCr."""
    from skimage.restoration import denoise_wavelet

    noisy = np.asarray(noisy, np.float64)
    return denoise_wavelet(
        noisy,
        method="BayesShrink",
        mode="soft",
        rescale_sigma=True,
        channel_axis=-1,
        convert2ycbcr=noisy.shape[-1] == 3,
    )


def bm3d(noisy, sigma=None):
    """BM3D (Dabov et al., 2007) through the ``bm3d`` package, given the true sigma; RGB in opponent colours."""
    import bm3d as bm3d_package

    noisy = np.asarray(noisy, np.float64)
    sigma_psd = sigma / 255.0 if sigma is not None else estimated_sigma(noisy)
    if noisy.shape[-1] == 3:
        return bm3d_package.bm3d_rgb(noisy, sigma_psd)
    return np.asarray(bm3d_package.bm3d(noisy[..., 0], sigma_psd=sigma_psd))[..., None]


FUNCTIONS = {"nl_means": nl_means, "tv_chambolle": tv_chambolle, "wavelet": wavelet, "bm3d": bm3d}


def denoise(method: str, noisy, sigma=None) -> np.ndarray:
    """Runs one classical method; the result is float32 ``(h, w, c)`` clipped to [0, 1]."""
    out = FUNCTIONS[method](noisy, sigma)
    return np.clip(np.asarray(out, np.float32).reshape(np.shape(noisy)), 0.0, 1.0)


def timed_denoise(method: str, noisy, sigma=None) -> tuple[np.ndarray, float]:
    """:func:`denoise` and the seconds it took (for a worker process, which times itself)."""
    start = time.perf_counter()
    out = denoise(method, noisy, sigma)
    return out, time.perf_counter() - start
