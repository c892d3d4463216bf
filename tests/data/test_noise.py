"""Noise models and the denoising patch pipeline: specs, statistics, seeding, errors."""

import numpy as np
import pytest
from PIL import Image

from kerasdl.data import denoise_patches
from kerasdl.data.noise import NoiseModel, seeded_noisy
from kerasdl.errors import UserInputError


@pytest.mark.parametrize(
    "spec, kind, low, high, canonical",
    [
        ("gaussian:25", "gaussian", 25, 25, "gaussian:25"),
        ("Gaussian: 0-55", "gaussian", 0, 55, "gaussian:0-55"),
        ("gaussian:7.5", "gaussian", 7.5, 7.5, "gaussian:7.5"),
        ("gaussian", "gaussian", 25, 25, "gaussian:25"),
        ("poisson:30", "poisson", 30, 30, "poisson:30"),
        ("salt-pepper:0.2", "salt_pepper", 0.2, 0.2, "salt_pepper:0.2"),
        ("salt_pepper:0.05-0.3", "salt_pepper", 0.05, 0.3, "salt_pepper:0.05-0.3"),
    ],
)
def test_parse(spec, kind, low, high, canonical):
    noise = NoiseModel.parse(spec)
    assert (noise.kind, noise.low, noise.high) == (kind, low, high)
    assert noise.spec == canonical and NoiseModel.parse(noise.spec) == noise
    assert noise.blind == (low != high)


def test_describe_and_sigma():
    assert NoiseModel.parse("gaussian:25").describe() == "Gaussian, sigma 25"
    assert NoiseModel.parse("gaussian:0-55").describe() == "Gaussian, sigma 0 to 55 (blind)"
    assert NoiseModel.parse("poisson:30").describe() == "Poisson, peak 30"
    assert NoiseModel.parse("gaussian:25").sigma() == 25.0
    assert NoiseModel.parse("gaussian:0-55").sigma(12.5) == 12.5
    assert NoiseModel.parse("poisson:30").sigma() is None
    assert NoiseModel.gaussian(15) == NoiseModel.parse("gaussian:15")
    assert NoiseModel.gaussian((5, 50)).blind


@pytest.mark.parametrize(
    "spec, message",
    [
        ("gaussian:300", "Gaussian noise sigma (0-255 scale) must be in [0, 255]; got 300"),
        ("gaussian:-5", "cannot read the noise level '-5'"),
        ("gaussian:0", "must be above 0"),
        ("gaussian:50-10", "noise range 50-10 is reversed"),
        ("gaussian:abc", "cannot read the noise level 'abc'"),
        ("speckle:3", "unknown noise 'speckle'"),
        ("poisson:0", "Poisson noise peak (photon count at white) must be in [0.01, 1e+06]; got 0"),
        ("salt_pepper:1.5", "salt-and-pepper amount (fraction of values replaced) must be in [0, 1]; got 1.5"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(UserInputError) as err:
        NoiseModel.parse(spec)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_gaussian_noise_is_additive_unclipped_float():
    clean = np.full((200, 200, 1), 0.02, np.float32)  # near black: clipping would bias the noise
    noisy = NoiseModel.parse("gaussian:25").add(clean, np.random.default_rng(0))
    assert noisy.dtype == np.float32 and noisy.min() < 0  # not clipped
    residual = noisy - clean
    assert residual.std() * 255 == pytest.approx(25, rel=0.02)
    assert abs(residual.mean()) * 255 < 0.5
    assert len(np.unique(noisy)) > 1000  # not quantised


def test_poisson_and_salt_pepper_statistics():
    rng = np.random.default_rng(1)
    clean = np.full((300, 300, 1), 0.5, np.float32)
    poisson = NoiseModel.parse("poisson:20").add(clean, rng)
    assert poisson.mean() == pytest.approx(0.5, abs=0.01)
    assert poisson.var() == pytest.approx(0.5 / 20, rel=0.05)  # variance = mean / peak
    sp = NoiseModel.parse("salt_pepper:0.2").add(clean, rng)
    changed = sp != 0.5
    assert changed.mean() == pytest.approx(0.2, abs=0.01)
    assert set(np.unique(sp[changed])) == {0.0, 1.0}
    assert (sp[changed] == 1.0).mean() == pytest.approx(0.5, abs=0.03)


def test_seeded_noise_repeats_exactly_and_differs_per_image():
    clean = np.random.default_rng(2).random((16, 16, 3), dtype=np.float32)
    noise = NoiseModel.parse("gaussian:0-55")
    a, level_a = seeded_noisy(clean, noise, seed=3, index=0)
    b, level_b = seeded_noisy(clean, noise, seed=3, index=0)
    np.testing.assert_array_equal(a, b)
    assert level_a == level_b and 0 <= level_a <= 55
    c, _ = seeded_noisy(clean, noise, seed=3, index=1)
    d, _ = seeded_noisy(clean, noise, seed=4, index=0)
    assert not np.array_equal(a, c) and not np.array_equal(a, d)


def test_blind_batches_draw_a_level_per_patch():
    clean = np.full((64, 32, 32, 1), 0.5, np.float32)
    noisy = NoiseModel.parse("gaussian:0-50").add_batch(clean, np.random.default_rng(0))
    sigmas = (noisy - clean).std(axis=(1, 2, 3)) * 255
    assert sigmas.min() < 10 and sigmas.max() > 40


def test_training_and_validation_datasets():
    rng = np.random.default_rng(0)
    images = [rng.random((30, 40, 1), dtype=np.float32), rng.random((25, 25, 1), dtype=np.float32)]
    noise = NoiseModel.parse("gaussian:25")
    ds = denoise_patches.training_dataset(images, noise=noise, patch_size=16, batch_size=4, seed=0)
    first = [(n.numpy(), c.numpy()) for n, c in ds.take(2)]
    for noisy, clean in first:
        assert noisy.shape == clean.shape == (4, 16, 16, 1)
        assert (noisy - clean).std() * 255 == pytest.approx(25, rel=0.2)
    again = next(iter(denoise_patches.training_dataset(images, noise=noise, patch_size=16, batch_size=4, seed=0)))
    np.testing.assert_array_equal(again[0].numpy(), first[0][0])  # seeded: the same patches and noise
    assert not np.array_equal(first[0][0], first[1][0])

    val = list(denoise_patches.validation_dataset(images, noise=noise, patch_size=16, batch_size=8, count=20))
    assert [tuple(n.shape) for n, _ in val] == [(8, 16, 16, 1), (8, 16, 16, 1), (4, 16, 16, 1)]
    val_again = list(denoise_patches.validation_dataset(images, noise=noise, patch_size=16, batch_size=8, count=20))
    np.testing.assert_array_equal(val[0][0].numpy(), val_again[0][0].numpy())


def test_training_dataset_needs_images():
    with pytest.raises(UserInputError, match="no training images"):
        denoise_patches.training_dataset([], noise=NoiseModel.parse("gaussian:25"))


def test_digit_mosaics_and_default_images(kerasdl_cache):
    folders = denoise_patches.digit_mosaics()
    sizes = {split: Image.open(folder / "digits.png").size for split, folder in folders.items()}
    assert sizes == {"train": (384, 384), "val": (192, 192), "test": (192, 192)}
    assert Image.open(folders["train"] / "digits.png").mode == "L"
    default = denoise_patches.default_images()
    assert [p.name for p in default["test"]] == ["china.png", "flower.png", "digits.png"]
    assert len(default["train"]) == 5 and all(p.is_file() for p in default["val"])
