"""Turning seeds, noise and labels into images with a trained VAE decoder or GAN generator.

The same TensorFlow ops make the noise in ``predict`` and inside the exported SavedModel,
so a seed gives the same image in both.
"""

from __future__ import annotations

import numpy as np

from kerasdl.errors import UserInputError


def parse_requests(inputs) -> tuple[list[int], list[str] | None, list[str]]:
    """What ``predict`` takes: seeds (``7``, ``"7"``) or, for a conditional model, ``"label:seed"`` strings.

    Returns:
        ``(seeds, labels or None, names)``: ``names`` is each input as text.

    Raises:
        UserInputError: an input that is not a seed, a seed out of range, labels on some inputs only.
    """
    items = [inputs] if isinstance(inputs, (int, str, np.integer)) else list(inputs)
    if not items:
        raise UserInputError("no inputs: give seeds (integers) or, for a conditional model, label:seed pairs")
    seeds, labels, names = [], [], []
    for item in items:
        text = str(item)
        label, _, seed = text.rpartition(":")
        try:
            value = int(seed)
        except ValueError:
            raise UserInputError(
                f"not a seed (an integer) or a label:seed pair: {text!r}"
                + (" (no such file either)" if "." in text or "/" in text else "")
            ) from None
        if not 0 <= value < 2**31:
            raise UserInputError(f"seeds must be in [0, 2**31); got {value} in {text!r}")
        seeds.append(value)
        labels.append(label if ":" in text else None)
        names.append(text)
    given = [label is not None for label in labels]
    if any(given) and not all(given):
        raise UserInputError("give every input as label:seed, or none of them")
    return seeds, (labels if all(given) else None), names


def noise_from_seeds(seeds, latent_dim: int):
    """``(n, latent_dim)`` standard normal noise, one row per seed (``tf.random.stateless_normal``)."""
    import tensorflow as tf

    seeds = tf.cast(tf.convert_to_tensor(seeds), tf.int64)
    return tf.map_fn(
        lambda s: tf.random.stateless_normal([latent_dim], seed=tf.stack([s, tf.constant(0, tf.int64)])),
        seeds,
        fn_output_signature=tf.TensorSpec([latent_dim], tf.float32),
    )


def label_indices(labels, class_names):
    """Class-name strings to int32 indices inside a graph; an unknown name fails with ``InvalidArgumentError``."""
    import tensorflow as tf

    names = tf.constant(list(class_names))
    matches = tf.equal(tf.reshape(labels, [-1, 1]), names[None, :])
    tf.debugging.assert_equal(
        tf.reduce_all(tf.reduce_any(matches, axis=1)),
        True,
        message=f"unknown label; the classes are {', '.join(class_names)}",
    )
    return tf.cast(tf.argmax(tf.cast(matches, tf.int32), axis=1), tf.int32)


def generator_of(model):
    """The network that makes images: a VAE's decoder or a GAN's generator."""
    from kerasdl.models.generative import generative_parts

    parts = generative_parts(model)
    return parts["decoder"] if "decoder" in parts else parts["generator"]


def serving_model(model):
    """A one-input model for ``serving_float`` and LiteRT: noise (and, last, the class index as a float) -> images.

    Conditional networks take ``[noise, label]``; the exported file takes one float tensor
    ``[batch, latent_dim + 1]`` whose last column is the class index, so it is a single
    input that every runtime can feed.
    """
    import keras

    from kerasdl.models.generative import generative_info

    info = generative_info(model)
    network = generator_of(model)
    width = info.latent_dim + (1 if info.classes else 0)
    noise = keras.Input((width,), name="noise")
    if info.classes:
        images = network([noise[:, : info.latent_dim], noise[:, info.latent_dim :]])
    else:
        images = network(noise)
    return keras.Model(noise, images, name=f"{model.name}_generator")


def generate(model, noise, labels=None, *, batch_size: int = 256) -> np.ndarray:
    """Images in [0, 1] from noise ``(n, latent_dim)`` and, for a conditional model, int labels ``(n,)``."""
    network = generator_of(model)
    noise = np.asarray(noise, np.float32)
    out = []
    for start in range(0, len(noise), batch_size):
        z = noise[start : start + batch_size]
        if labels is None:
            out.append(np.asarray(network(z, training=False)))
        else:
            y = np.asarray(labels[start : start + batch_size], np.int32).reshape(-1, 1)
            out.append(np.asarray(network([z, y], training=False)))
    return np.clip(np.concatenate(out), 0.0, 1.0) if out else np.zeros((0,), np.float32)
