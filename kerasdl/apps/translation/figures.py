"""Attention heatmaps: which source pieces each output piece looked at.

For the RNN the weights are the ``attention`` layer's (``attention_model``). For the
Transformer they are the last decoder layer's cross-attention, averaged over heads: its
self-attention block is re-run from the layer's own sublayers (keras-hub's
``TransformerDecoder`` does not return its scores) and its cross-attention layer asked
for the scores.
"""

from __future__ import annotations

import numpy as np
from keras import ops
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerasdl.files import save_figure
from kerasdl.models.seq2seq.common import DECODER_INPUT, ENCODER_INPUT


def _last_decoder_layer(model):
    import keras_hub

    layers = [layer for layer in model.layers if isinstance(layer, keras_hub.layers.TransformerDecoder)]
    return layers[-1] if layers else None


def attention_weights(model, source_ids, decoder_ids) -> np.ndarray:
    """Attention ``(batch, target, source)`` of a model on given source and decoder-input ids.

    Raises:
        ValueError: the model has neither an ``attention`` layer nor a Transformer decoder.
    """
    import keras

    from kerasdl.models.seq2seq import attention_model

    source_ids = ops.convert_to_tensor(source_ids, "int32")
    decoder_ids = ops.convert_to_tensor(decoder_ids, "int32")
    inputs = {ENCODER_INPUT: source_ids, DECODER_INPUT: decoder_ids}
    layer = _last_decoder_layer(model)
    if layer is None:
        return np.asarray(attention_model(model)(inputs, training=False))
    decoder_in, encoder_out = layer.input if isinstance(layer.input, (list, tuple)) else (layer.input, None)
    if encoder_out is None:
        raise ValueError(f"model {model.name!r}: its last decoder layer has no cross-attention")
    y, x = keras.Model(model.inputs, [decoder_in, encoder_out])(inputs, training=False)
    self_mask = layer._compute_self_attention_mask(
        decoder_sequence=y,
        decoder_padding_mask=ops.not_equal(decoder_ids, 0),
        decoder_attention_mask=None,
        use_causal_mask=True,
        self_attention_cache=None,
        self_attention_cache_update_index=None,
    )
    h = y
    if layer.normalize_first:
        h = layer._self_attention_layer_norm(h)
    h = layer._self_attention_layer(query=h, value=h, attention_mask=self_mask) + y
    query = layer._cross_attention_layer_norm(h) if layer.normalize_first else layer._self_attention_layer_norm(h)
    cross_mask = ops.expand_dims(ops.not_equal(source_ids, 0), 1)
    _, scores = layer._cross_attention_layer(
        query=query, value=x, attention_mask=cross_mask, return_attention_scores=True
    )
    return np.asarray(ops.mean(scores, axis=1))  # (batch, heads, target, source) -> mean over heads


def heatmap_figure(items, path, *, title: str = "") -> None:
    """One heatmap per sentence: rows = output pieces, columns = source pieces.

    Args:
        items: ``[(source_pieces, output_pieces, weights (len(output), len(source)))]``.
        path: PNG to write (atomically).
    """
    fig = Figure(figsize=(6.0 * len(items), 5.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(items), squeeze=False)[0]
    for ax, (source, output, weights) in zip(axes, items):
        ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=max(float(np.max(weights)), 1e-6), aspect="auto")
        ax.set_xticks(range(len(source)), source, rotation=70, fontsize=8)
        ax.set_yticks(range(len(output)), output, fontsize=8)
        ax.set_xlabel("source pieces")
        ax.set_ylabel("output pieces")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=90)


def attention_figure(
    model, tokenizer, translate, sources, path, *, source_length: int, target_length: int, title: str = ""
):
    """Translates ``sources`` and draws where each output piece attended; returns the weights used.

    An output whose pieces, tokenized again, outrun the decoder (``target_length`` with the start
    piece) is drawn up to there.
    """
    import tensorflow as tf

    from kerasdl.apps.translation.data import piece_ids
    from kerasdl.data.subword import START_ID

    outputs = [t.decode("utf-8") for t in translate(tf.constant(sources))["translation"].numpy()]
    items = []
    for source, output in zip(sources, outputs):
        src, out = piece_ids(tokenizer, [source, output])
        src, out = src[:source_length], out[: target_length - 1]
        decoder = np.concatenate([[START_ID], out]).astype(np.int32)
        weights = attention_weights(model, src[None], decoder[None])[0]
        # row i: attention while predicting output piece i (the decoder has read start + pieces < i)
        pieces = [tokenizer.id_to_token(int(i)) for i in out] + ["</s>"]
        items.append(([tokenizer.id_to_token(int(i)) for i in src], pieces, weights[: len(pieces), : len(src)]))
    heatmap_figure(items, path, title=title)
    return items
