"""The SR patch pipeline: shapes, degradation, determinism, validation, image checks."""

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.data.sr_patches import (
    bicubic_upscale,
    check_patchable,
    downscale,
    modcrop,
    training_dataset,
    validation_dataset,
)
from kerasdl.errors import UserInputError
from tests.helpers import synthetic_pixels


def make_images(channels=3, sizes=((40, 52), (33, 30), (64, 48))):
    rng = np.random.default_rng(0)
    return [synthetic_pixels(h, w, channels, rng).astype(np.float32) for h, w in sizes]


def take(dataset, n):
    return [(lr.numpy(), hr.numpy()) for lr, hr in dataset.take(n)]


@pytest.mark.parametrize("scale, channels", [(2, 3), (3, 1), (4, 3)])
def test_training_batches(scale, channels):
    ds = training_dataset(make_images(channels), scale=scale, lr_patch_size=6, batch_size=5, seed=0)
    assert ds.element_spec[0].shape == (5, 6, 6, channels)
    assert ds.element_spec[1].shape == (5, 6 * scale, 6 * scale, channels)
    for lr, hr in take(ds, 3):
        assert lr.shape == (5, 6, 6, channels) and hr.shape == (5, 6 * scale, 6 * scale, channels)
        assert lr.dtype == np.float32 and hr.dtype == np.float32
        for x in (lr, hr):
            assert 0.0 <= x.min() and x.max() <= 1.0
        np.testing.assert_array_equal(lr, downscale(hr, scale).numpy())
        # 8-bit levels, as the LR image a user would load from a PNG
        np.testing.assert_allclose(lr * 255, np.round(lr * 255), atol=1e-4)


def test_training_patches_are_crops_of_the_images():
    images = make_images(1)
    _, hr = take(training_dataset(images, scale=2, lr_patch_size=4, batch_size=4, augment=False), 1)[0]
    for patch in hr:
        found = False
        for image in images:
            windows = np.lib.stride_tricks.sliding_window_view(image[..., 0], (8, 8))
            if np.any(np.all(windows == patch[..., 0], axis=(-2, -1))):
                found = True
        assert found, "a training patch is not a crop of any input image"


def test_training_dataset_is_endless_and_seeded():
    images = make_images()
    a = take(training_dataset(images, scale=2, lr_patch_size=4, batch_size=3, seed=7), 4)
    b = take(training_dataset(images, scale=2, lr_patch_size=4, batch_size=3, seed=7), 4)
    c = take(training_dataset(images, scale=2, lr_patch_size=4, batch_size=3, seed=8), 4)
    for (lr_a, hr_a), (lr_b, hr_b) in zip(a, b):
        np.testing.assert_array_equal(hr_a, hr_b)
        np.testing.assert_array_equal(lr_a, lr_b)
    assert any(not np.array_equal(hr_a, hr_c) for (_, hr_a), (_, hr_c) in zip(a, c))
    assert not np.array_equal(a[0][1], a[1][1])  # batches differ from each other
    assert len(take(training_dataset(images, scale=2, lr_patch_size=4, batch_size=1), 50)) == 50


def test_training_dataset_without_images():
    with pytest.raises(UserInputError, match="no training images"):
        training_dataset([], scale=2)


def test_validation_dataset_is_finite_and_fixed():
    images = make_images()
    ds = validation_dataset(images, scale=3, lr_patch_size=5, batch_size=4, count=10)
    batches = take(ds, 100)
    assert [lr.shape[0] for lr, _ in batches] == [4, 4, 2]  # 10 patches, then the end
    for lr, hr in batches:
        assert lr.shape[1:] == (5, 5, 3) and hr.shape[1:] == (15, 15, 3)
        np.testing.assert_array_equal(lr, downscale(hr, 3).numpy())
    again = take(ds, 100)  # iterating again gives the very same patches
    for (lr_a, hr_a), (lr_b, hr_b) in zip(batches, again):
        np.testing.assert_array_equal(hr_a, hr_b)
        np.testing.assert_array_equal(lr_a, lr_b)
    rebuilt = take(validation_dataset(images, scale=3, lr_patch_size=5, batch_size=4, count=10), 100)
    np.testing.assert_array_equal(np.concatenate([hr for _, hr in rebuilt]), np.concatenate([hr for _, hr in batches]))


def test_check_patchable_names_the_small_image():
    images = [np.zeros((40, 40, 1)), np.zeros((40, 20, 1)), np.zeros((10, 10, 1))]
    names = ["big.png", "narrow.png", "tiny.png"]
    with pytest.raises(
        UserInputError, match=r"image narrow.png is 20x40, smaller than the 24x24 training patch"
    ) as info:
        check_patchable(images, names, 24)
    assert "\n" not in str(info.value) and "--patch-size" in str(info.value)
    check_patchable(images[:1], names[:1], 40)  # exactly the patch size is fine


def test_modcrop():
    image = np.arange(7 * 11).reshape(7, 11, 1)
    assert modcrop(image, 3).shape == (6, 9, 1)
    np.testing.assert_array_equal(modcrop(image, 3), image[:6, :9])
    assert modcrop(image, 1).shape == image.shape
    assert modcrop(np.zeros((8, 12, 3)), 4).shape == (8, 12, 3)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_downscale_shape_and_levels(scale):
    hr = make_images(3, sizes=((24, 36),))[0]
    lr = downscale(hr, scale).numpy()
    assert lr.shape == (24 // scale, 36 // scale, 3)
    np.testing.assert_allclose(lr * 255, np.round(lr * 255), atol=1e-4)
    batch = downscale(np.stack([hr, hr]), scale).numpy()
    assert batch.shape == (2, 24 // scale, 36 // scale, 3)
    np.testing.assert_array_equal(batch[1], lr)
    assert bicubic_upscale(lr, scale).shape == (24 // scale * scale, 36 // scale * scale, 3)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_downscale_then_bicubic_upscale_of_a_smooth_image(scale):
    y, x = np.mgrid[0:48, 0:60] / 48.0
    smooth = np.stack([0.5 + 0.3 * np.sin(2 * y + x), 0.5 + 0.2 * np.cos(x - y), 0.3 + 0.4 * y * x / 1.25], axis=-1)
    smooth = smooth.astype(np.float32)
    restored = bicubic_upscale(downscale(smooth, scale), scale).numpy()
    assert restored.shape == smooth.shape
    inner = (slice(2 * scale, -2 * scale), slice(2 * scale, -2 * scale))
    assert np.abs(restored - smooth)[inner].max() < 0.01  # within ~2 grey levels
    assert 0.0 <= restored.min() and restored.max() <= 1.0
    # ...while a noise image does not survive: the check above has teeth.
    noise = np.random.default_rng(0).random(smooth.shape, dtype=np.float32)
    assert np.abs(bicubic_upscale(downscale(noise, scale), scale).numpy() - noise)[inner].max() > 0.2


def test_downscale_accepts_tensors():
    hr = tf.ones((12, 12, 1))
    np.testing.assert_allclose(downscale(hr, 3).numpy(), 1.0)
