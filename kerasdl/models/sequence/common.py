"""What every sequence-classification builder shares: argument checks, the token input, the head.

Every builder takes integer token ids ``(batch, sequence_length)``, 0 meaning padding, and
uses the same words in the same order, keyword-only: ``vocabulary_size, sequence_length,
embed_dim``, then its own options, then ``classes, classifier_activation, name``.
Tokenising text into ids is the app's (or a preprocessing layer's) job, not the builder's.
"""

from __future__ import annotations

import keras

from kerasdl.models.arguments import check_rate


def _positive_int(name, value, *, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = "a positive int" if minimum == 1 else f"an int of at least {minimum}"
        raise ValueError(f"{name} must be {what}; Received: {name}={value!r}")


def check_arguments(
    *, vocabulary_size, sequence_length, embed_dim, classes, dropout=0.0, sequence_length_required=False
):
    """Raises ``ValueError`` naming the argument and echoing the value.

    Args:
        vocabulary_size: number of token ids, padding (0) included; at least 2.
        sequence_length: tokens per example, a positive int, or None for any length.
        embed_dim: width of the token embeddings, a positive int.
        classes: number of classes, a positive int.
        dropout: a rate in [0, 1).
        sequence_length_required: the architecture needs a fixed length (position embeddings).
    """
    _positive_int("vocabulary_size", vocabulary_size, minimum=2)
    if sequence_length is None:
        if sequence_length_required:
            raise ValueError(
                "sequence_length must be a positive int for this architecture; Received: sequence_length=None"
            )
    else:
        _positive_int("sequence_length", sequence_length)
    _positive_int("embed_dim", embed_dim)
    _positive_int("classes", classes)
    check_rate("dropout", dropout, noun="rate")


def check_positive(**values):
    """Raises ``ValueError`` unless every keyword's value is a positive int."""
    for name, value in values.items():
        _positive_int(name, value)


def check_transformer_arguments(
    *, vocabulary_size, sequence_length, embed_dim, num_heads, intermediate_dim, num_layers, dropout, classes=1
):
    """The checks of a Transformer builder (a classifier, BERT, GPT): :func:`check_arguments` with a fixed
    ``sequence_length`` (the position table), positive block sizes, heads that divide ``embed_dim``."""
    check_arguments(
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        classes=classes,
        dropout=dropout,
        sequence_length_required=True,
    )
    check_positive(num_heads=num_heads, intermediate_dim=intermediate_dim, num_layers=num_layers)
    if embed_dim % num_heads:
        raise ValueError(f"embed_dim must be divisible by num_heads={num_heads}; Received: embed_dim={embed_dim}")


def token_input(sequence_length, name="token_ids"):
    """The model's input: int32 token ids ``(batch, sequence_length)``; 0 is padding."""
    return keras.Input(shape=(sequence_length,), dtype="int32", name=name)


def classifier_head(x, *, classes, classifier_activation, dropout, name="predictions"):
    """Dropout (when ``dropout`` > 0) and the last ``Dense(classes)``, in float32."""
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    # float32 so that mixed-precision training keeps the probabilities exact.
    return keras.layers.Dense(classes, activation=classifier_activation, dtype="float32", name=name)(x)
