"""Bag-of-n-grams classifiers: fastText, and NBSVM's naive-Bayes-weighted linear model as a network."""

import keras
import numpy as np

from kerasdl.layers import BagOfTokens
from kerasdl.models.sequence.common import check_arguments, classifier_head, token_input
from kerasdl.registry import register_model

HEADS = ("dense", None)


@register_model(family="sequence")
def bag_of_ngrams_classifier(
    *,
    vocabulary_size=20000,
    sequence_length=None,
    embed_dim=10,
    token_weights=None,
    binary=False,
    pooling="mean",
    head="dense",
    embeddings_initializer="uniform",
    dropout=0.0,
    classes=2,
    classifier_activation="softmax",
    name="bag_of_ngrams_classifier",
):
    """A bag of n-gram embeddings, pooled, then classified: fastText, or NBSVM trained as a network.

    With the defaults it is fastText ("Bag of Tricks for Efficient Text Classification",
    Joulin et al., 2017): the mean of the tokens' embeddings (unigrams and n-grams are all
    tokens: the tokenizer decides) feeds one ``Dense`` layer. With ``token_weights`` the
    embeddings are multiplied by fixed per-token weights before pooling; naive-Bayes
    log-count ratios there, ``binary=True``, ``pooling="sum"`` and ``head=None`` give NBSVM
    ("Baselines and Bigrams: Simple, Good Sentiment and Topic Classification", Wang &
    Manning, 2012) in the form fast.ai's "NBSVM++" trains it: class ``c``'s logit is
    ``sum_t w_t * r[t, c]`` over the distinct n-grams ``t`` of the text, with one learned
    weight ``w_t`` per n-gram (``embed_dim=1``) and the fixed ratios ``r``.

    Args:
        vocabulary_size: number of token ids, padding (0) included.
        sequence_length: tokens per example, or None for any length.
        embed_dim: width of the learned per-token vectors; 1 with ``(vocabulary_size,
            classes)`` token weights gives one learned weight per token.
        token_weights: optional fixed ``(vocabulary_size, k)`` (or ``(vocabulary_size,)``)
            array multiplied into the embeddings, with ``k == embed_dim`` or
            ``embed_dim == 1``. Stored as a non-trainable weight.
        binary: count each distinct token of an example once.
        pooling: ``"mean"`` (fastText) or ``"sum"`` over the non-padding tokens.
        head: ``"dense"``: a ``Dense(classes)`` layer on the pooled vector; None: the pooled
            vector is the logits (its width must equal ``classes``).
        embeddings_initializer: initializer of the learned vectors (e.g.
            ``keras.initializers.RandomUniform(0.3, 0.5)`` to start NBSVM at naive Bayes).
        dropout: dropout rate on the pooled vector before a dense head.
        classes: number of classes.
        classifier_activation: activation of the output (``"softmax"``, or None for logits).
        name: the model's name.

    Returns:
        A ``keras.Model`` from int token ids ``(batch, sequence_length)`` to ``(batch, classes)``.

    Example:
        >>> model = bag_of_ngrams_classifier(vocabulary_size=50000, embed_dim=16, classes=2)
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
    if head not in HEADS:
        raise ValueError(f"head must be 'dense' or None; Received: head={head!r}")
    if token_weights is not None:
        token_weights = np.asarray(token_weights, dtype="float32")
    bag = BagOfTokens(
        vocabulary_size,
        embed_dim,
        token_weights=token_weights,
        pooling=pooling,
        binary=binary,
        embeddings_initializer=embeddings_initializer,
        name="bag_of_tokens",
    )
    if head is None and bag.output_dim != classes:
        raise ValueError(
            f"with head=None the pooled width ({bag.output_dim}: embed_dim or the token weights' width) must equal "
            f"classes; Received: classes={classes}"
        )
    ids = token_input(sequence_length)
    x = bag(ids)
    if head is None:
        if dropout:
            raise ValueError(f"dropout needs head='dense'; Received: dropout={dropout!r} with head=None")
        outputs = keras.layers.Activation(classifier_activation, dtype="float32", name="predictions")(x)
    else:
        outputs = classifier_head(x, classes=classes, classifier_activation=classifier_activation, dropout=dropout)
    return keras.Model(ids, outputs, name=name)
