"""RNN encoder–decoder with attention (Bahdanau et al. 2015; Luong et al. 2015).

The encoder is a (bidirectional) LSTM or GRU over the source embeddings; its last states
start the decoder RNN, which reads the target shifted right. At every target position the
decoder output attends over all encoder outputs — with additive (Bahdanau) or multiplicative
(Luong) scoring — and Luong's attentional hidden state ``tanh(W [context; h])`` predicts the
next token. Attention follows the decoder RNN (Luong's global attention, no input feeding),
so a whole sentence trains in one parallel call.
"""

from __future__ import annotations

import keras
from keras import layers

from kerasdl.models.arguments import check_choice, check_positive_int, check_rate
from kerasdl.models.seq2seq.common import token_inputs
from kerasdl.registry import register_model

CELLS = {"lstm": layers.LSTM, "gru": layers.GRU}
ATTENTIONS = ("bahdanau", "luong", None)
ATTENTION_LAYER = "attention"


def _attention_layer(kind):
    if kind == "bahdanau":
        return layers.AdditiveAttention(name=ATTENTION_LAYER)  # v·tanh(q + k)
    return layers.Attention(use_scale=True, name=ATTENTION_LAYER)  # g·(q·k)


def _encoder(x, *, cell, units, bidirectional):
    """Encoder outputs and the states that start the decoder (forward/backward concatenated)."""
    rnn = CELLS[cell]
    if not bidirectional:
        outputs, *states = rnn(units, return_sequences=True, return_state=True, name="encoder_rnn")(x)
        return outputs, states
    outputs, *states = layers.Bidirectional(
        rnn(units // 2, return_sequences=True, return_state=True), name="encoder_rnn"
    )(x)
    half = len(states) // 2  # [h, c] forward then backward for LSTM; [h] each for GRU
    merged = [
        layers.Concatenate(name=f"encoder_state_{i}")([forward, backward])
        for i, (forward, backward) in enumerate(zip(states[:half], states[half:]))
    ]
    return outputs, merged


@register_model("rnn_seq2seq", family="seq2seq")
def rnn_seq2seq(
    *,
    source_vocabulary_size=8000,
    target_vocabulary_size=8000,
    source_sequence_length=None,
    target_sequence_length=None,
    embed_dim=128,
    units=256,
    cell="lstm",
    attention="luong",
    bidirectional_encoder=True,
    dropout=0.0,
    name="rnn_seq2seq",
):
    """RNN encoder–decoder with attention, after Bahdanau et al. (2015) and Luong et al. (2015).

    Args:
        source_vocabulary_size: source token ids are in ``[0, source_vocabulary_size)``; 0 pads.
        target_vocabulary_size: the same for the target; the output has this many logits.
        source_sequence_length: fixed source length, or ``None`` for any.
        target_sequence_length: fixed decoder-input length, or ``None`` for any.
        embed_dim: token embedding width of both sides.
        units: RNN width (the bidirectional encoder uses ``units // 2`` per direction).
        cell: ``"lstm"`` or ``"gru"``.
        attention: ``"bahdanau"`` (additive), ``"luong"`` (multiplicative) or ``None``
            (the plain encoder–decoder of Sutskever et al. 2014).
        bidirectional_encoder: read the source in both directions.
        dropout: dropout rate on the embeddings and before the output layer.
        name: the model's name.

    Returns:
        A Keras model from ``{"encoder_token_ids", "decoder_token_ids"}`` to next-token logits
        ``(batch, target_length, target_vocabulary_size)``. With attention, the layer named
        ``"attention"`` also yields the attention weights (see :func:`attention_model`).

    Example:
        >>> model = rnn_seq2seq(source_vocabulary_size=50, target_vocabulary_size=60, units=32)
        >>> model({"encoder_token_ids": keras.ops.ones((2, 7), "int32"),
        ...        "decoder_token_ids": keras.ops.ones((2, 5), "int32")}).shape
        (2, 5, 60)
    """
    check_positive_int("source_vocabulary_size", source_vocabulary_size)
    check_positive_int("target_vocabulary_size", target_vocabulary_size)
    check_positive_int("source_sequence_length", source_sequence_length, allow_none=True)
    check_positive_int("target_sequence_length", target_sequence_length, allow_none=True)
    check_positive_int("embed_dim", embed_dim)
    check_positive_int("units", units)
    check_choice("cell", cell, tuple(CELLS))
    check_choice("attention", attention, ATTENTIONS)
    check_rate("dropout", dropout)
    if bidirectional_encoder and units % 2:
        raise ValueError(f"a bidirectional encoder needs an even units; Received: units={units!r}")

    encoder_ids, decoder_ids = token_inputs(source_sequence_length, target_sequence_length)
    x = layers.Embedding(source_vocabulary_size, embed_dim, mask_zero=True, name="encoder_embedding")(encoder_ids)
    x = layers.Dropout(dropout, name="encoder_dropout")(x)
    encoder_outputs, states = _encoder(x, cell=cell, units=units, bidirectional=bidirectional_encoder)

    y = layers.Embedding(target_vocabulary_size, embed_dim, mask_zero=True, name="decoder_embedding")(decoder_ids)
    y = layers.Dropout(dropout, name="decoder_dropout")(y)
    h = CELLS[cell](units, return_sequences=True, name="decoder_rnn")(y, initial_state=states)
    if attention is not None:
        context, _ = _attention_layer(attention)([h, encoder_outputs], return_attention_scores=True)
        h = layers.Concatenate(name="context_and_state")([context, h])
        h = layers.Dense(units, activation="tanh", name="attentional_state")(h)
    h = layers.Dropout(dropout, name="output_dropout")(h)
    logits = layers.Dense(target_vocabulary_size, dtype="float32", name="logits")(h)
    return keras.Model({"encoder_token_ids": encoder_ids, "decoder_token_ids": decoder_ids}, logits, name=name)


def attention_model(model):
    """A model with the same inputs that returns the attention weights ``(batch, target, source)``.

    Raises:
        ValueError: ``model`` has no layer named ``"attention"`` (built with ``attention=None``).
    """
    try:
        layer = model.get_layer(ATTENTION_LAYER)
    except ValueError:
        raise ValueError(f"model {model.name!r} has no attention layer (built with attention=None?)") from None
    return keras.Model(model.inputs, layer.output[1], name=f"{model.name}_attention")
