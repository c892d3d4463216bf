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
from keras import layers, ops

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
    shared_embeddings=False,
    normalize_first=False,
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
        shared_embeddings: one token embedding matrix for the source, the target and the
            output layer (Vaswani et al. 2017, section 3.4; Press & Wolf 2017), for a
            vocabulary shared by both languages: the two vocabulary sizes must be equal.
        normalize_first: layer normalisation before each attention and feed-forward block
            instead of after it ("pre-LN", Xiong et al. 2020), with a final normalisation of the
            encoder's and the decoder's outputs; trains stably at larger learning rates.
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
        source_vocabulary_size=source_vocabulary_size,
        target_vocabulary_size=target_vocabulary_size,
        source_sequence_length=source_sequence_length,
        target_sequence_length=target_sequence_length,
        embed_dim=embed_dim,
        intermediate_dim=intermediate_dim,
        num_heads=num_heads,
        num_encoder_layers=num_encoder_layers,
        num_decoder_layers=num_decoder_layers,
    ).items():
        check_positive_int(arg, value)
    check_rate("dropout", dropout)
    if embed_dim % num_heads:
        raise ValueError(f"num_heads must divide embed_dim={embed_dim}; Received: num_heads={num_heads!r}")
    if shared_embeddings and source_vocabulary_size != target_vocabulary_size:
        raise ValueError(
            "shared_embeddings needs one vocabulary: source_vocabulary_size="
            f"{source_vocabulary_size} and target_vocabulary_size={target_vocabulary_size} differ"
        )

    with warnings.catch_warnings():
        # keras-hub's layers take the padding mask from their inputs and apply it themselves; Keras
        # still warns that their inner projections "destroy the mask".
        warnings.filterwarnings("ignore", message=".*does not support masking.*")
        return _transformer(
            source_vocabulary_size,
            target_vocabulary_size,
            source_sequence_length,
            target_sequence_length,
            embed_dim,
            intermediate_dim,
            num_heads,
            num_encoder_layers,
            num_decoder_layers,
            dropout,
            shared_embeddings,
            normalize_first,
            name,
        )


def _transformer(
    source_vocabulary_size,
    target_vocabulary_size,
    source_sequence_length,
    target_sequence_length,
    embed_dim,
    intermediate_dim,
    num_heads,
    num_encoder_layers,
    num_decoder_layers,
    dropout,
    shared_embeddings,
    normalize_first,
    name,
):
    encoder_ids, decoder_ids = token_inputs()
    if shared_embeddings:
        tokens = keras_hub.layers.ReversibleEmbedding(
            source_vocabulary_size, embed_dim, tie_weights=True, mask_zero=True, name="shared_embedding"
        )
        x = _plus_positions(tokens(encoder_ids), source_sequence_length, "encoder")
        y = _plus_positions(tokens(decoder_ids), target_sequence_length, "decoder")
    else:
        x = keras_hub.layers.TokenAndPositionEmbedding(
            source_vocabulary_size, source_sequence_length, embed_dim, mask_zero=True, name="encoder_embedding"
        )(encoder_ids)
        y = keras_hub.layers.TokenAndPositionEmbedding(
            target_vocabulary_size, target_sequence_length, embed_dim, mask_zero=True, name="decoder_embedding"
        )(decoder_ids)
    # The shared embedding's outputs carry no Keras mask through the position sum, so the
    # padding masks are given to the keras-hub layers explicitly there.
    source_mask = ops.not_equal(encoder_ids, 0) if shared_embeddings else None
    target_mask = ops.not_equal(decoder_ids, 0) if shared_embeddings else None
    for i in range(num_encoder_layers):
        x = keras_hub.layers.TransformerEncoder(
            intermediate_dim, num_heads, dropout=dropout, normalize_first=normalize_first, name=f"encoder_layer_{i}"
        )(x, padding_mask=source_mask)
    if normalize_first:  # pre-LN leaves the residual stream unnormalised: normalise what the decoder reads
        x = layers.LayerNormalization(epsilon=1e-5, name="encoder_output_norm")(x)
    for i in range(num_decoder_layers):
        y = keras_hub.layers.TransformerDecoder(
            intermediate_dim, num_heads, dropout=dropout, normalize_first=normalize_first, name=f"decoder_layer_{i}"
        )(y, x, decoder_padding_mask=target_mask, encoder_padding_mask=source_mask)
    if normalize_first:
        y = layers.LayerNormalization(epsilon=1e-5, name="decoder_output_norm")(y)
    y = layers.Dropout(dropout, name="output_dropout")(y)
    # Tied: the logits are the decoder state's dot products with every token's embedding.
    if shared_embeddings:
        logits = layers.Activation("linear", dtype="float32", name="logits")(tokens(y, reverse=True))
    else:
        logits = layers.Dense(target_vocabulary_size, dtype="float32", name="logits")(y)
    return keras.Model({"encoder_token_ids": encoder_ids, "decoder_token_ids": decoder_ids}, logits, name=name)


def _plus_positions(token_vectors, sequence_length, side):
    """Token embeddings plus learned position embeddings."""
    positions = keras_hub.layers.PositionEmbedding(sequence_length, name=f"{side}_positions")(token_vectors)
    return layers.Add(name=f"{side}_embedding")([token_vectors, positions])
