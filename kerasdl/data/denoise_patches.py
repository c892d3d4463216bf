"""Denoising training data: random clean patches with noise drawn on the fly, with tf.data.

The clean patches come from the same sampler as super-resolution's
(:mod:`kerasdl.data.sr_patches`: positions uniform over all images' area, the eight
flips and rotations); the noise is added per batch by a :class:`~kerasdl.data.noise.NoiseModel`,
so no two epochs see the same noisy patch. The embedded default data are scikit-learn's
sample photos and mosaics of its handwritten digits.
"""

from __future__ import annotations

import pathlib

import numpy as np
import tensorflow as tf

from kerasdl.data.noise import NoiseModel
from kerasdl.data.sr_patches import _random_patches, check_patchable
from kerasdl.errors import UserInputError

__all__ = ["check_patchable", "default_images", "digit_mosaics", "training_dataset", "validation_dataset"]

# Digit mosaics: per split, (digits per side, first digit index); 1,797 digits in all.
_MOSAICS = {"train": (16, 0), "val": (8, 256), "test": (8, 320)}
_DIGIT_SIDE = 24  # each 8x8 digit enlarged 3x (bicubic) so its strokes are a few pixels wide


def _noisy_batches(images, noise, patch, batch_size, rng, augment):
    for clean in _random_patches(images, patch, batch_size, rng, augment):
        yield noise.add_batch(clean, rng), clean


def training_dataset(images, *, noise: NoiseModel, patch_size=40, batch_size=16, augment=True, seed=0):
    """An endless ``tf.data.Dataset`` of ``(noisy, clean)`` batches cut from ``images``.

    Args:
        images: list of float32 arrays ``(h, w, c)`` in [0, 1], all with the same ``c``.
        noise: the noise to add; a blind range draws a level per patch.
        patch_size: side of the square patches.
        batch_size: patches per batch (global, across replicas).
        augment: random flips and 90-degree rotations.
        seed: seeds crop positions, augmentation and noise, so runs repeat.

    Returns:
        A dataset of ``(noisy, clean)`` float32 batches.
    """
    if not images:
        raise UserInputError("no training images")
    rng = np.random.default_rng(seed)
    spec = tf.TensorSpec((batch_size, patch_size, patch_size, images[0].shape[-1]), tf.float32)
    ds = tf.data.Dataset.from_generator(
        lambda: _noisy_batches(images, noise, patch_size, batch_size, rng, augment), output_signature=(spec, spec)
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def validation_dataset(images, *, noise: NoiseModel, patch_size=40, batch_size=16, count=64, seed=1):
    """A fixed, finite dataset of ``count`` seeded ``(noisy, clean)`` patches for validation."""
    rng = np.random.default_rng(seed)
    clean = next(_random_patches(images, patch_size, count, rng, augment=False))
    return tf.data.Dataset.from_tensor_slices((noise.add_batch(clean, rng), clean)).batch(batch_size)


def digit_mosaics() -> dict[str, pathlib.Path]:
    """scikit-learn's 8x8 handwritten digits, enlarged and tiled into grayscale mosaics.

    Three disjoint sets of digits make a 384x384 training mosaic (about the area of the
    photos' training strips) and 192x192 validation
    and test mosaics: strokes on a flat background, a different statistic from photos.
    Written once as PNGs under :func:`kerasdl.data.embedded.cache_dir`.

    Returns:
        ``{"train": folder, "val": folder, "test": folder}``, one ``digits.png`` in each.
    """
    from sklearn.datasets import load_digits

    from kerasdl.data.embedded import cache_dir
    from kerasdl.data.images import save_png

    root = cache_dir() / "digit_mosaics"
    folders = {split: root / split for split in _MOSAICS}
    if all((folder / "digits.png").is_file() for folder in folders.values()):
        return folders
    digits = load_digits().images.astype(np.float32) / 16.0
    big = tf.image.resize(digits[..., None], (_DIGIT_SIDE, _DIGIT_SIDE), method="bicubic").numpy()[..., 0]
    for split, (side, first) in _MOSAICS.items():
        tiles = np.clip(big[first : first + side * side], 0.0, 1.0)
        mosaic = tiles.reshape(side, side, _DIGIT_SIDE, _DIGIT_SIDE).transpose(0, 2, 1, 3)
        save_png(mosaic.reshape(side * _DIGIT_SIDE, side * _DIGIT_SIDE), folders[split] / "digits.png")
    return folders


def default_images() -> dict[str, list[pathlib.Path]]:
    """The embedded default data: the sample photos' strips and the digit mosaics, per split."""
    from kerasdl.data.embedded import sample_photos
    from kerasdl.data.images import find_images

    photos, digits = sample_photos(), digit_mosaics()
    return {split: find_images(photos[split]) + find_images(digits[split]) for split in ("train", "val", "test")}
