"""The nearest-neighbour baseline: each test image gets the caption of the closest training image.

Closeness is the cosine similarity of the images' mean feature vectors from the trained
model's own encoder (Devlin et al., "Exploring Nearest Neighbor Approaches for Image
Captioning", 2015, with one neighbour and its first reference caption).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from kerasdl.data.captions.vocabulary import normalize_caption
from kerasdl.models.captioning.common import ENCODER_LAYER


def image_features(model, images: np.ndarray, *, batch_size: int = 64) -> np.ndarray:
    """L2-normalised mean encoder features ``(n, channels)`` of uint8 images."""
    encoder = model.get_layer(ENCODER_LAYER)
    run = tf.function(lambda x: tf.reduce_mean(encoder(x, training=False), axis=1), reduce_retracing=True)
    parts = [
        run(tf.constant(images[i : i + batch_size].astype(np.float32) / 255.0)).numpy()
        for i in range(0, len(images), batch_size)
    ]
    features = np.concatenate(parts).astype(np.float64)
    return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)


def nearest_captions(train_features, train_captions, test_features, *, batch: int = 1024):
    """Per test image: ``(index of the nearest training image, its first caption, normalised)``."""
    nearest = np.concatenate(
        [
            np.argmax(test_features[i : i + batch] @ train_features.T, axis=1)
            for i in range(0, len(test_features), batch)
        ]
    )
    return nearest, [normalize_caption(train_captions[j][0]) for j in nearest]
