"""A Transformer-encoder classifier built from keras-hub's layers."""

import keras

from kerasdl.models.sequence.common import check_transformer_arguments, classifier_head, token_input
from kerasdl.registry import register_model


@register_model(family="sequence")
def transformer_classifier(
    *,
    vocabulary_size=20000,
    sequence_length=256,
    embed_dim=64,
    num_heads=2,
    intermediate_dim=128,
    num_layers=1,
    dropout=0.1,
    classes=2,
    classifier_activation="softmax",
    name="transformer_classifier",
):
    """Token and position embeddings, Transformer encoder blocks, mean pooling, a classifier.

    The encoder block is the post-norm block of "Attention Is All You Need" (Vaswani et
    al., 2017), keras-hub's ``TransformerEncoder``; the embeddings are keras-hub's
    ``TokenAndPositionEmbedding`` (learned positions, as BERT), with padding (id 0) masked
    in attention and in the average over tokens. The input takes any length up to
    ``sequence_length``. Parameters per block: ``4(d^2 + d)`` for
    the attention projections, ``2df + f + d`` for the feed-forward part and ``4d`` for two
    layer norms, with ``d = embed_dim`` and ``f = intermediate_dim``.

    Args:
        vocabulary_size: number of token ids, padding (0) included.
        sequence_length: the most tokens an example may have (the position table's size).
        embed_dim: width of the embeddings and of every block; divisible by ``num_heads``.
        num_heads: attention heads per block.
        intermediate_dim: width of each block's feed-forward layer.
        num_layers: encoder blocks stacked.
        dropout: dropout rate inside the blocks and before the classifier.
        classes: number of classes.
        classifier_activation: activation of the output (``"softmax"``, or None for logits).
        name: the model's name.

    Returns:
        A ``keras.Model`` from int token ids ``(batch, length)``, ``length <= sequence_length``,
        to ``(batch, classes)``.

    Example:
        >>> model = transformer_classifier(vocabulary_size=20000, sequence_length=200, num_heads=2)
        >>> model.output_shape
        (None, 2)
    """
    import keras_hub

    check_transformer_arguments(
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        num_heads=num_heads,
        intermediate_dim=intermediate_dim,
        num_layers=num_layers,
        dropout=dropout,
        classes=classes,
    )
    ids = token_input(None)  # any length up to sequence_length
    padding_mask = keras.ops.not_equal(ids, 0)
    x = keras_hub.layers.TokenAndPositionEmbedding(
        vocabulary_size, sequence_length, embed_dim, name="token_and_position_embedding"
    )(ids)
    for i in range(num_layers):
        x = keras_hub.layers.TransformerEncoder(
            intermediate_dim, num_heads, dropout=dropout, name=f"transformer_encoder_{i + 1}"
        )(x, padding_mask=padding_mask)
    x = keras.layers.GlobalAveragePooling1D(name="mean_over_tokens")(x, mask=padding_mask)
    outputs = classifier_head(x, classes=classes, classifier_activation=classifier_activation, dropout=dropout)
    return keras.Model(ids, outputs, name=name)
