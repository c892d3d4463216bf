"""The classical denoisers and the evaluation protocol: each method denoises, scores match scikit-image's."""

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from kerasdl.apps.denoising import baselines
from kerasdl.apps.denoising.evaluation import evaluate_files, format_table, psnr_ssim
from kerasdl.data.noise import NoiseModel, seeded_noisy
from kerasdl.metrics.image_quality import quantize
from tests.helpers import synthetic_pixels, write_image


def clean_image(channels, size=48, seed=0):
    return quantize(synthetic_pixels(size, size, channels, np.random.default_rng(seed))).numpy()


def score(image, clean):
    return psnr_ssim(image, clean)[0]


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("method", baselines.METHODS)
def test_every_method_removes_noise(method, channels):
    clean = clean_image(channels)
    noisy, _ = seeded_noisy(clean, NoiseModel.gaussian(25), seed=0, index=0)
    out = baselines.denoise(method, noisy, 25.0)
    assert out.shape == clean.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert score(out, clean) > score(noisy, clean) + 2, method


def test_bm3d_uses_the_sigma_it_is_given():
    clean = clean_image(1)
    noisy, _ = seeded_noisy(clean, NoiseModel.gaussian(25), seed=1, index=0)
    right = score(baselines.denoise("bm3d", noisy, 25.0), clean)
    too_small = score(baselines.denoise("bm3d", noisy, 2.0), clean)
    estimated = score(baselines.denoise("bm3d", noisy, None), clean)  # non-Gaussian noise: the estimate
    assert right > too_small + 3
    assert abs(estimated - right) < 1.0


def test_estimated_sigma():
    y, x = np.mgrid[0:96, 0:96] / 96.0
    clean = quantize((0.5 + 0.3 * np.sin(3 * x + 2 * y))[..., None]).numpy()  # smooth: no noise of its own
    for sigma in (15, 50):
        noisy, _ = seeded_noisy(clean, NoiseModel.gaussian(sigma), seed=2, index=0)
        assert baselines.estimated_sigma(noisy) * 255 == pytest.approx(sigma, rel=0.15)


def test_timed_denoise():
    noisy = clean_image(1)
    out, seconds = baselines.timed_denoise("tv_chambolle", noisy)
    np.testing.assert_array_equal(out, baselines.denoise("tv_chambolle", noisy))
    assert seconds > 0


@pytest.mark.parametrize("channels", [1, 3])
def test_psnr_ssim_match_scikit_image(channels):
    clean = clean_image(channels, seed=3)
    noisy, _ = seeded_noisy(clean, NoiseModel.gaussian(20), seed=3, index=0)
    psnr, ssim = psnr_ssim(noisy, clean)
    out8 = np.rint(np.clip(noisy, 0, 1) * 255)  # what the protocol scores: 8-bit output
    ref8 = np.rint(clean * 255)
    assert psnr == pytest.approx(peak_signal_noise_ratio(ref8, out8, data_range=255), abs=1e-4)
    # MATLAB's ssim, as DnCNN reports it: Gaussian 11x11 window, sigma 1.5, population covariance.
    expected = structural_similarity(
        ref8, out8, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1
    )
    assert ssim == pytest.approx(expected, abs=2e-3)


def test_psnr_ssim_rejects_mismatches():
    with pytest.raises(ValueError, match="shapes differ"):
        psnr_ssim(np.zeros((16, 16, 1)), np.zeros((16, 17, 1)))
    with pytest.raises(ValueError, match="at least 11x11"):
        psnr_ssim(np.zeros((8, 16, 1)), np.zeros((8, 16, 1)))


@pytest.mark.parametrize("workers", [1, 2])
def test_classical_only_evaluation(tmp_path, workers):
    files = [write_image(tmp_path / "a.png", (24, 30), "L"), write_image(tmp_path / "b.png", (26, 20), "RGB", seed=1)]
    noise = NoiseModel.parse("gaussian:15-35")
    report, results = evaluate_files(
        None, files, noise=noise, dataset="tiny", methods=("tv_chambolle", "wavelet"), seed=5, workers=workers
    )
    assert report["methods"] == ["noisy", "tv_chambolle", "wavelet"]
    assert report["channels"] == 1 and [r.clean.shape[-1] for r in results] == [1, 1]
    assert "gain_db_over_best_scikit_image" not in report
    assert (
        report["best_classical"]
        == report["best_scikit_image"]
        == max(("tv_chambolle", "wavelet"), key=lambda m: report["mean"][m]["psnr"])
    )
    levels = [report["images"][n]["level"] for n in ("a", "b")]
    assert all(15 <= v <= 35 for v in levels) and levels[0] != levels[1]  # blind: a seeded level per image
    again, _ = evaluate_files(None, files, noise=noise, dataset="tiny", methods=("tv_chambolle", "wavelet"), seed=5)
    assert again["images"] == report["images"]  # the same with or without worker processes
    table = format_table(report)
    assert "Gaussian, sigma 15 to 35 (blind)" in table and "mean PSNR" in table and "tv_chambolle" in table
