"""Training crops for segmentation: random square patches of images and their masks, as ``tf.data``.

An image smaller than the patch is placed at a random position in it and the rest is
background (black pixels, class 0). Void mask pixels (255, PASCAL VOC's borders) stay 255 in the
crops, for the loss to skip. No flips or rotations: a mirrored digit is another shape.
"""

from __future__ import annotations

import numpy as np


def random_crop(image, mask, *, patch_size: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """A random ``patch_size`` square of ``image`` ``(h, w, c)`` and the same square of ``mask`` ``(h, w)``.

    Where the image is smaller than the patch, the crop sits at a random offset inside it,
    surrounded by background.
    """
    h, w = mask.shape
    top, left = rng.integers(max(h - patch_size, 0) + 1), rng.integers(max(w - patch_size, 0) + 1)
    pixels = image[top : top + patch_size, left : left + patch_size]
    classes = mask[top : top + patch_size, left : left + patch_size]
    ch, cw = classes.shape
    y, x = rng.integers(patch_size - ch + 1), rng.integers(patch_size - cw + 1)
    out_image = np.zeros((patch_size, patch_size, image.shape[-1]), np.float32)
    out_mask = np.zeros((patch_size, patch_size), np.int32)
    out_image[y : y + ch, x : x + cw] = pixels
    out_mask[y : y + ch, x : x + cw] = classes
    return out_image, out_mask


def _batches(images, masks, *, patch_size, batch_size, rng):
    while True:
        crops = [
            random_crop(images[k], masks[k], patch_size=patch_size, rng=rng)
            for k in rng.integers(len(images), size=batch_size)
        ]
        yield np.stack([c[0] for c in crops]), np.stack([c[1] for c in crops])


def training_dataset(images, masks, *, patch_size: int, batch_size: int, seed: int = 0):
    """An endless ``tf.data.Dataset`` of ``(images, masks)`` batches of random crops.

    Args:
        images: float32 ``(h, w, c)`` images in [0, 1], all with the same channels; sizes may differ.
        masks: their ``(h, w)`` class-index masks.
        patch_size: the side of the crops.
        batch_size: crops per batch (global, across replicas).
        seed: seeds which images are cropped where, so runs repeat.

    Returns:
        Batches of float32 ``(batch, p, p, c)`` images and int32 ``(batch, p, p)`` masks.
    """
    import tensorflow as tf

    channels = images[0].shape[-1]
    rng = np.random.default_rng(seed)
    ds = tf.data.Dataset.from_generator(
        lambda: _batches(images, masks, patch_size=patch_size, batch_size=batch_size, rng=rng),
        output_signature=(
            tf.TensorSpec((batch_size, patch_size, patch_size, channels), tf.float32),
            tf.TensorSpec((batch_size, patch_size, patch_size), tf.int32),
        ),
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def validation_dataset(images, masks, *, patch_size: int, batch_size: int, count: int = 256, seed: int = 1):
    """A fixed, finite dataset: one seeded crop of each of the first ``count`` images."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    crops = [random_crop(x, y, patch_size=patch_size, rng=rng) for x, y in zip(images[:count], masks[:count])]
    x, y = np.stack([c[0] for c in crops]), np.stack([c[1] for c in crops])
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
