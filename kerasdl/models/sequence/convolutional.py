"""Kim's text CNN: parallel convolutions of several widths, max-over-time pooling."""

import keras

from kerasdl.models.sequence.common import check_arguments, check_positive, classifier_head, token_input
from kerasdl.registry import register_model


@register_model(family="sequence")
def text_cnn_classifier(
    *,
    vocabulary_size=20000,
    sequence_length=None,
    embed_dim=128,
    kernel_sizes=(3, 4, 5),
    filters=100,
    dropout=0.5,
    classes=2,
    classifier_activation="softmax",
    name="text_cnn_classifier",
):
    """Token embeddings, parallel 1-D convolutions, max over time, a classifier.

    Follows "Convolutional Neural Networks for Sentence Classification" (Kim, 2014), the
    CNN-rand variant (embeddings learned from scratch): window sizes 3, 4 and 5 with 100
    feature maps each, ReLU, max-over-time pooling, their concatenation, dropout 0.5 and
    a softmax layer. Parameters: ``V*d`` for the embeddings, ``k*d*f + f`` per window size
    ``k``, and ``(f*len(kernel_sizes) + 1) * classes`` for the classifier.

    Args:
        vocabulary_size: number of token ids, padding (0) included.
        sequence_length: tokens per example (at least the largest kernel size), or None.
        embed_dim: width of the token embeddings.
        kernel_sizes: the convolution window sizes, one parallel branch each.
        filters: feature maps per window size.
        dropout: dropout rate on the pooled features.
        classes: number of classes.
        classifier_activation: activation of the output (``"softmax"``, or None for logits).
        name: the model's name.

    Returns:
        A ``keras.Model`` from int token ids ``(batch, sequence_length)`` to ``(batch, classes)``.

    Example:
        >>> model = text_cnn_classifier(vocabulary_size=20000, sequence_length=400)
        >>> model.output_shape
        (None, 2)
    """
    check_arguments(
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        classes=classes,
        dropout=dropout,
    )
    kernel_sizes = tuple(kernel_sizes) if isinstance(kernel_sizes, (list, tuple)) else kernel_sizes
    if (
        not isinstance(kernel_sizes, tuple)
        or not kernel_sizes
        or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in kernel_sizes)
    ):
        raise ValueError(
            f"kernel_sizes must be a non-empty tuple of positive ints; Received: kernel_sizes={kernel_sizes!r}"
        )
    check_positive(filters=filters)
    if sequence_length is not None and sequence_length < max(kernel_sizes):
        raise ValueError(
            f"sequence_length must be at least the largest kernel size ({max(kernel_sizes)}); "
            f"Received: sequence_length={sequence_length}"
        )
    ids = token_input(sequence_length)
    x = keras.layers.Embedding(vocabulary_size, embed_dim, name="token_embedding")(ids)
    pooled = []
    for i, k in enumerate(kernel_sizes, start=1):
        branch = keras.layers.Conv1D(filters, k, activation="relu", name=f"conv_{i}")(x)
        pooled.append(keras.layers.GlobalMaxPooling1D(name=f"max_over_time_{i}")(branch))
    x = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate(name="features")(pooled)
    outputs = classifier_head(x, classes=classes, classifier_activation=classifier_activation, dropout=dropout)
    return keras.Model(ids, outputs, name=name)
