"""Skip-gram with negative sampling (word2vec): a word table and a context table scored by dot products."""

import keras

from kerasdl.layers.mean_update_embedding import MeanUpdateEmbedding
from kerasdl.models.arguments import check_bool, check_int_at_least, check_positive_int
from kerasdl.registry import register_model

WORD_EMBEDDING = "word_embedding"  # the layer whose table is the word vectors
CONTEXT_EMBEDDING = "context_embedding"


@keras.saving.register_keras_serializable(package="kerasdl")
def negative_sampling_loss(y_true, y_pred):
    """The negative-sampling loss per example: binary cross-entropy on the logits, summed over the context ids.

    With labels ``[1, 0, ..., 0]`` it is ``-log s(v_w . v'_c) - sum_k log s(-v_w . v'_k)``, the
    negation of Mikolov et al.'s objective for one (target, context) pair and its negatives.

    Args:
        y_true: ``(batch, 1 + negatives)`` labels.
        y_pred: ``(batch, 1 + negatives)`` logits.

    Returns:
        ``(batch,)`` losses.
    """
    # In log-sigmoids the loss is stable for large logits and autodiff's gradient is
    # sigmoid(logit) - label everywhere. Written as maximum(z, 0) - z y + log1p(exp(-|z|)), it took the
    # subgradients 1 and 0 at z = 0 and gave 1 - label there: every pair whose context vector was still
    # zero (all of them at the first step) moved twice as far for a negative and not at all for the
    # true context.
    y_true = keras.ops.cast(y_true, y_pred.dtype)
    losses = -y_true * keras.ops.log_sigmoid(y_pred) - (1 - y_true) * keras.ops.log_sigmoid(-y_pred)
    return keras.ops.sum(losses, axis=-1)


@register_model(family="language")
def skipgram(
    *,
    vocabulary_size=30000,
    embed_dim=100,
    negatives=5,
    mean_updates=False,
    name="skipgram",
):
    """Skip-gram with negative sampling, the word2vec model.

    Follows "Distributed Representations of Words and Phrases and their Compositionality"
    (Mikolov et al., 2013): every word has two vectors, a word (input) vector ``v_w`` in one
    table and a context (output) vector ``v'_c`` in another. A training example is a target
    word, one context word seen near it, and ``negatives`` words drawn from the unigram
    distribution raised to 3/4 (the data pipeline draws them:
    :mod:`kerasdl.data.text.skipgrams`); the model scores each pair by the dot product
    ``v_w . v'_c``. Trained with binary cross-entropy on the logits (label 1 for the true
    context, 0 for the negatives), that is the paper's negative-sampling objective
    ``log s(v_w . v'_c) + sum_k log s(-v_w . v'_k)``. The word vectors are the
    ``word_embedding`` layer's table (its rows are the words' ids).

    As in the reference C implementation, the word vectors start uniform in
    ``[-0.5 / embed_dim, 0.5 / embed_dim]`` and the context vectors at zero.

    The paper's SGD takes one pair at a time; trained in batches, a row's gradient is the sum
    over its occurrences in the batch. ``mean_updates=True`` makes it their mean instead
    (:class:`~kerasdl.layers.MeanUpdateEmbedding`), so a frequent word takes one averaged step a
    batch instead of many steps at once computed from the same point.

    Args:
        vocabulary_size: number of word ids (rows of both tables).
        embed_dim: width of the word vectors.
        negatives: negative samples per example: the context input holds ``1 + negatives``
            ids, the true context first.
        mean_updates: each table row learns from the mean of its gradients in a batch, not
            their sum (the outputs are the same).
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``[target ids (batch, 1), context ids (batch, 1 + negatives)]``
        (int32) to logits ``(batch, 1 + negatives)``.

    Example:
        >>> model = skipgram(vocabulary_size=1000, embed_dim=16, negatives=4)
        >>> model.output_shape
        (None, 5)
        >>> tuple(model.get_layer("word_embedding").embeddings.shape)
        (1000, 16)
    """
    check_int_at_least("vocabulary_size", vocabulary_size, 2)
    check_positive_int("embed_dim", embed_dim)
    check_int_at_least("negatives", negatives, 0)
    check_bool("mean_updates", mean_updates)
    scale = 0.5 / embed_dim
    target = keras.Input(shape=(1,), dtype="int32", name="target")
    context = keras.Input(shape=(1 + negatives,), dtype="int32", name="context")
    Embedding = MeanUpdateEmbedding if mean_updates else keras.layers.Embedding  # noqa: N806 (a layer class)
    word_vectors = Embedding(
        vocabulary_size,
        embed_dim,
        embeddings_initializer=keras.initializers.RandomUniform(-scale, scale),
        name=WORD_EMBEDDING,
    )(target)  # (batch, 1, embed_dim)
    context_vectors = Embedding(vocabulary_size, embed_dim, embeddings_initializer="zeros", name=CONTEXT_EMBEDDING)(
        context
    )  # (batch, 1 + negatives, embed_dim)
    scores = keras.layers.Dot(axes=2, name="dot")([word_vectors, context_vectors])  # (batch, 1, 1 + negatives)
    logits = keras.layers.Reshape((1 + negatives,), dtype="float32", name="logits")(scores)
    return keras.Model([target, context], logits, name=name)
