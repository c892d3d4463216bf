"""Figures: captions under images in a grid, and Show, Attend and Tell's attention over the image."""

from __future__ import annotations

import pathlib
import textwrap

import numpy as np
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerasdl.apps.captioning.decoding import END_ID, ids_to_text
from kerasdl.files import save_figure
from kerasdl.models.captioning.common import CAPTION_INPUT, ENCODER_LAYER, FEATURES_INPUT


def _wrap(text, width=44):
    return "\n".join(textwrap.wrap(text, width)) or "(empty)"


def caption_grid(images, rows, path, *, columns=4, max_images=8) -> pathlib.Path:
    """Images with text under each: ``rows`` is a list of ``{label: caption}`` dicts, one per image."""
    count = min(len(images), max_images)
    grid_rows = (count + columns - 1) // columns
    labels = ["\n".join(_wrap(f"{label}: {text}") for label, text in rows[i].items()) for i in range(count)]
    lines = max((len(label.splitlines()) for label in labels), default=1)
    fig = Figure(figsize=(3.2 * columns, grid_rows * (3.0 + 0.16 * lines)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(grid_rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= count:
            continue
        ax.imshow(np.asarray(images[i]))
        ax.set_xlabel(labels[i], fontsize=7)
        ax.axis("on")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return save_figure(fig, path, dpi=90)


def attention_figure(captioner, images, path, *, max_images=3, max_words=8) -> pathlib.Path:
    """Per image, the greedy caption word by word with the attention weights over the image.

    Raises:
        ValueError: the model has no attention over the image (not ``show_attend_tell``).
    """
    from kerasdl.models.captioning.show_attend_tell import attention_model

    attend = attention_model(captioner.model)
    images = np.asarray(images[:max_images])
    floats = tf.constant(images.astype(np.float32) / 255.0)
    ids = captioner.ids(floats).numpy()
    features = captioner.model.get_layer(ENCODER_LAYER)(floats, training=False)
    weights = attend({FEATURES_INPUT: features, CAPTION_INPUT: tf.constant(ids)}).numpy()  # (n, length, positions)
    side = int(round(np.sqrt(weights.shape[-1])))
    fig = Figure(figsize=(1.9 * (max_words + 1), 2.1 * len(images)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(images), max_words + 1, squeeze=False)
    for row, image, tokens, attention in zip(axes, images, ids, weights):
        words = ids_to_text(tokens[None], captioner.vocabulary)[0].split()
        row[0].imshow(image)
        row[0].set_title("input", fontsize=8)
        for ax in row:
            ax.axis("off")
        # word t (ids[t + 1]) was chosen at position t, attending with weights[t]
        steps = list(enumerate(words + (["<end>"] if END_ID in tokens else [])))[:max_words]
        for ax, (t, word) in zip(row[1:], steps):
            heat = attention[t].reshape(side, side)
            heat = tf.image.resize(heat[..., None], image.shape[:2], method="bilinear").numpy()[..., 0]
            ax.imshow(image)
            ax.imshow(heat / max(heat.max(), 1e-12), cmap="jet", alpha=0.45, vmin=0, vmax=1)
            ax.set_title(word, fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path, dpi=80)
