"""Transformer encoder–decoder (Vaswani et al. 2017) from keras-hub layers.

Token + learned position embeddings, a stack of ``TransformerEncoder`` layers over the
source, a stack of ``TransformerDecoder`` layers (causal self-attention, then
cross-attention to the encoder output) over the target shifted right, and a linear layer
to next-token logits. Padding (id 0) is masked on both sides through Keras masks.
"""

from __future__ import annotations

import warnings

import keras
import keras_hub
from keras import layers

from kerasdl.models.arguments import check_positive_int, check_rate
from kerasdl.models.seq2seq.common import token_inputs
from kerasdl.registry import register_model


@register_model("transformer_seq2seq", family="seq2seq")
def transformer_seq2seq(
    *,
    source_vocabulary_size=8000,
    target_vocabulary_size=8000,
    source_sequence_length=64,
    target_sequence_length=64,
    embed_dim=256,
    intermediate_dim=1024,
    num_heads=4,
    num_encoder_layers=2,
    num_decoder_layers=2,
    dropout=0.1,
    name="transformer_seq2seq",
):
    """Transformer encoder–decoder, after Vaswani et al., "Attention Is All You Need" (2017).

    The keras.io English-to-Spanish example is ``embed_dim=256, intermediate_dim=2048,
    num_heads=8, num_encoder_layers=1, num_decoder_layers=1``.

    Args:
        source_vocabulary_size: source token ids are in ``[0, source_vocabulary_size)``; 0 pads.
        target_vocabulary_size: the same for the target; the output has this many logits.
        source_sequence_length: the longest source (size of the position embedding).
        target_sequence_length: the longest decoder input (size of its position embedding).
        embed_dim: model width.
        intermediate_dim: width of each feed-forward block.
        num_heads: attention heads; must divide ``embed_dim``.
        num_encoder_layers: encoder depth.
        num_decoder_layers: decoder depth.
        dropout: dropout rate inside the Transformer layers.
        name: the model's name.

    Returns:
        A Keras model from ``{"encoder_token_ids", "decoder_token_ids"}`` (any lengths up to the
        two maxima) to next-token logits ``(batch, target_length, target_vocabulary_size)``.

    Example:
        >>> model = transformer_seq2seq(source_vocabulary_size=50, target_vocabulary_size=60,
        ...     source_sequence_length=10, target_sequence_length=12, embed_dim=16,
        ...     intermediate_dim=32, num_heads=2, num_encoder_layers=1, num_decoder_layers=1)
        >>> model({"encoder_token_ids": keras.ops.ones((2, 7), "int32"),
        ...        "decoder_token_ids": keras.ops.ones((2, 5), "int32")}).shape
        (2, 5, 60)
    """
    for arg, value in dict(
        source_vocabulary_size=source_vocabulary_size, target_vocabulary_size=target_vocabulary_size,
        source_sequence_length=source_sequence_length, target_sequence_length=target_sequence_length,
        embed_dim=embed_dim, intermediate_dim=intermediate_dim, num_heads=num_heads,
        num_encoder_layers=num_encoder_layers, num_decoder_layers=num_decoder_layers,
    ).items():
        check_positive_int(arg, value)
    check_rate("dropout", dropout)
    if embed_dim % num_heads:
        raise ValueError(f"num_heads must divide embed_dim={embed_dim}; Received: num_heads={num_heads!r}")

    with warnings.catch_warnings():
        # keras-hub's layers take the padding mask from their inputs and apply it themselves; Keras
        # still warns that their inner projections "destroy the mask".
        warnings.filterwarnings("ignore", message=".*does not support masking.*")
        return _transformer(source_vocabulary_size, target_vocabulary_size, source_sequence_length,
                            target_sequence_length, embed_dim, intermediate_dim, num_heads,
                            num_encoder_layers, num_decoder_layers, dropout, name)


def _transformer(source_vocabulary_size, target_vocabulary_size, source_sequence_length, target_sequence_length,
                 embed_dim, intermediate_dim, num_heads, num_encoder_layers, num_decoder_layers, dropout, name):
    encoder_ids, decoder_ids = token_inputs()
    x = keras_hub.layers.TokenAndPositionEmbedding(
        source_vocabulary_size, source_sequence_length, embed_dim, mask_zero=True, name="encoder_embedding"
    )(encoder_ids)
    for i in range(num_encoder_layers):
        x = keras_hub.layers.TransformerEncoder(intermediate_dim, num_heads, dropout=dropout, name=f"encoder_layer_{i}")(x)

    y = keras_hub.layers.TokenAndPositionEmbedding(
        target_vocabulary_size, target_sequence_length, embed_dim, mask_zero=True, name="decoder_embedding"
    )(decoder_ids)
    for i in range(num_decoder_layers):
        y = keras_hub.layers.TransformerDecoder(intermediate_dim, num_heads, dropout=dropout, name=f"decoder_layer_{i}")(y, x)
    y = layers.Dropout(dropout, name="output_dropout")(y)
    logits = layers.Dense(target_vocabulary_size, name="logits")(y)
    return keras.Model({"encoder_token_ids": encoder_ids, "decoder_token_ids": decoder_ids}, logits, name=name)
