"""Skip-gram with negative sampling (word2vec): a word table and a context table scored by dot products."""

import keras
from keras import ops

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
    y_true = ops.cast(y_true, y_pred.dtype)
    losses = -y_true * ops.log_sigmoid(y_pred) - (1 - y_true) * ops.log_sigmoid(-y_pred)
    return ops.sum(losses, axis=-1)


@keras.saving.register_keras_serializable(package="kerasdl")
class SkipGram(keras.Model):
    """The skip-gram's functional model, whose SGD step updates only the table rows a batch looked up.

    ``compile`` and ``fit`` train it as any model. Keras' own step differentiates the lookups
    into a dense gradient as large as both tables (2 x 50,000 x 100 floats on IMDB), and SGD
    then rewrites every row, where a batch of 4,096 pairs and 5 negatives touches at most 28,672
    rows. With the plain SGD word2vec uses (``keras.optimizers.SGD`` without momentum, weight
    decay, clipping or gradient accumulation), :func:`negative_sampling_loss` and no sample
    weights, this model's ``train_step`` instead computes the loss's gradient with respect to
    the looked-up vectors (``sigmoid(logit) - label``, averaged over the batch as the compiled
    loss is) and adds each row's step into its table by a scatter: the same update, rows
    repeated in the batch included (averaged under ``mean_updates``), written with
    ``keras.ops`` so every backend runs it (JAX through a stateless scope). The schedule's
    learning rate is read at the optimizer's step count, which it advances. Any other
    optimizer or loss, a frozen table or a distribution strategy takes Keras' step.

    On IMDB's vocabulary (50,496 words, 100-D, batches of 4,096, XLA, 2 AVX2 cores) a step on
    batches in memory took 10.7 ms against Keras' 17.8 ms, and a whole epoch of the app 188 s
    against 248 s.
    """

    def _takes_sparse_step(self, sample_weight) -> bool:
        optimizer = self.optimizer
        if (
            sample_weight is not None
            or type(optimizer) is not keras.optimizers.SGD
            or self.loss is not negative_sampling_loss
        ):
            return False
        if optimizer.momentum or optimizer.weight_decay or optimizer.use_ema or optimizer.gradient_accumulation_steps:
            return False
        if optimizer.clipnorm or optimizer.clipvalue or optimizer.global_clipnorm:
            return False
        if not all(self.get_layer(name).trainable for name in (WORD_EMBEDDING, CONTEXT_EMBEDDING)):
            return False
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            return not tf.distribute.has_strategy()
        return keras.distribution.distribution() is None

    def _sparse_sgd_step(self, x, labels):
        word_layer, context_layer = self.get_layer(WORD_EMBEDDING), self.get_layer(CONTEXT_EMBEDDING)
        word_table, context_table = word_layer.embeddings, context_layer.embeddings
        target, context = (ops.cast(ids, "int32") for ids in x)
        target = ops.reshape(target, (-1,))  # (batch,)
        batch, width = ops.shape(target)[0], ops.shape(word_table)[-1]
        words = ops.take(word_table, target, axis=0)  # (batch, embed_dim)
        contexts = ops.take(context_table, context, axis=0)  # (batch, 1 + negatives, embed_dim)
        logits = ops.einsum("bd,bkd->bk", words, contexts)
        loss = self._compute_loss(x=x, y=labels, y_pred=logits, sample_weight=None, training=True)

        rate = ops.cast(self.optimizer.learning_rate, logits.dtype)  # the schedule's, at this step
        errors = (ops.sigmoid(logits) - ops.cast(labels, logits.dtype)) * (rate / ops.cast(batch, logits.dtype))
        word_steps = ops.einsum("bk,bkd->bd", errors, contexts)  # the loss's gradient x rate, per lookup
        context_steps = ops.expand_dims(errors, -1) * ops.expand_dims(words, 1)
        if isinstance(word_layer, MeanUpdateEmbedding):
            word_steps = word_steps * ops.expand_dims(word_layer.gradient_scale(target), -1)
        if isinstance(context_layer, MeanUpdateEmbedding):
            context_steps = context_steps * ops.expand_dims(context_layer.gradient_scale(context), -1)
        word_table.assign(ops.scatter_update(word_table, ops.expand_dims(target, -1), -word_steps, reduction="add"))
        context_table.assign(
            ops.scatter_update(
                context_table,
                ops.reshape(context, (-1, 1)),
                -ops.reshape(context_steps, (-1, width)),
                reduction="add",
            )
        )
        self.optimizer.iterations.assign_add(1)
        self._loss_tracker.update_state(loss, sample_weight=batch)
        return self.compute_metrics(x, labels, logits, sample_weight=None)

    def train_step(self, *args):  # (data), or on JAX (state, data) -> (logs, state)
        x, labels, sample_weight = keras.utils.unpack_x_y_sample_weight(args[-1])
        if not self._takes_sparse_step(sample_weight):
            return super().train_step(*args)
        if keras.backend.backend() != "jax":  # variables assigned in place
            return self._sparse_sgd_step(x, labels)

        references = (  # JAX: the same step, run statelessly on the state given
            self.trainable_variables,
            self.non_trainable_variables,
            self.optimizer.variables,
            self.metrics_variables,
        )
        mapping = [(ref, value) for refs, values in zip(references, args[0]) for ref, value in zip(refs, values)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = self._sparse_sgd_step(x, labels)
        return logs, tuple([scope.get_current_value(ref) for ref in refs] for refs in references)


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
        A :class:`SkipGram` model from ``[target ids (batch, 1), context ids (batch, 1 + negatives)]``
        (int32) to logits ``(batch, 1 + negatives)``; trained with plain SGD, its step updates
        only the rows a batch looked up.

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
    return SkipGram([target, context], logits, name=name)
