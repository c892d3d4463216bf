"""A causal Transformer language model (GPT) built from keras-hub's layers."""

from __future__ import annotations

import keras

from kerasdl.models.arguments import check_bool, check_choice, check_rate
from kerasdl.models.sequence.common import check_positive, token_input
from kerasdl.registry import register_model

ACTIVATIONS = ("gelu", "relu")


@register_model(family="language")
def gpt(
    *,
    vocabulary_size=5000,
    sequence_length=128,
    embed_dim=256,
    num_heads=4,
    num_layers=2,
    intermediate_dim=1024,
    dropout=0.0,
    normalize_first=True,
    activation="gelu",
    name="gpt",
):
    """A GPT: token and position embeddings, causal Transformer decoder blocks, next-token logits.

    Follows GPT (Radford et al., 2018, "Improving Language Understanding by Generative
    Pre-Training") and GPT-2 (Radford et al., 2019, "Language Models are Unsupervised
    Multitask Learners"), configured small: keras-hub's ``TokenAndPositionEmbedding``
    (learned positions), ``TransformerDecoder`` blocks called without an encoder (so they
    have self-attention only, under a causal mask: position ``t`` sees positions ``<= t``)
    and a dense vocabulary head giving logits. With ``normalize_first`` (GPT-2's pre-norm
    blocks) a last layer norm comes before the head, as in GPT-2; without it the blocks are
    the post-norm ones of GPT and of keras.io's ``text_generation_gpt.py`` example.

    Args:
        vocabulary_size: number of token ids (padding, 0, included).
        sequence_length: the longest context in tokens (the position table's size).
        embed_dim: width of the embeddings and of every block (each head attends over
            ``embed_dim // num_heads`` dimensions).
        num_heads: attention heads per block.
        num_layers: decoder blocks stacked.
        intermediate_dim: width of each block's feed-forward layer.
        dropout: dropout rate inside the blocks.
        normalize_first: pre-norm blocks and a final layer norm (GPT-2); False: post-norm (GPT).
        activation: the feed-forward activation, ``"gelu"`` (GPT, GPT-2) or ``"relu"``.
        name: the model's name.

    Returns:
        A ``keras.Model`` from int token ids ``(batch, length)``, ``length <= sequence_length``,
        to next-token logits ``(batch, length, vocabulary_size)`` (float32): the logits at
        position ``t`` depend on tokens ``0..t`` only.

    Example:
        >>> model = gpt(vocabulary_size=1000, sequence_length=32, embed_dim=32, num_heads=2, intermediate_dim=64)
        >>> model.output_shape
        (None, None, 1000)
    """
    import keras_hub

    check_positive(
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        num_heads=num_heads,
        num_layers=num_layers,
        intermediate_dim=intermediate_dim,
    )
    if vocabulary_size < 2:
        raise ValueError(f"vocabulary_size must be an int of at least 2; Received: vocabulary_size={vocabulary_size}")
    check_rate("dropout", dropout, noun="rate")
    check_bool("normalize_first", normalize_first)
    check_choice("activation", activation, ACTIVATIONS)

    ids = token_input(None)  # any length up to sequence_length
    x = keras_hub.layers.TokenAndPositionEmbedding(
        vocabulary_size, sequence_length, embed_dim, name="token_and_position_embedding"
    )(ids)
    for i in range(num_layers):
        x = keras_hub.layers.TransformerDecoder(
            intermediate_dim,
            num_heads,
            dropout=dropout,
            activation=activation,
            normalize_first=normalize_first,
            name=f"transformer_decoder_{i + 1}",
        )(x)  # no encoder sequence: self-attention only, causal mask
    if normalize_first:
        x = keras.layers.LayerNormalization(epsilon=1e-5, name="final_layer_norm")(x)
    # float32 so that mixed-precision training keeps the logits (and the loss) exact.
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")(x)
    return keras.Model(ids, logits, name=name)
