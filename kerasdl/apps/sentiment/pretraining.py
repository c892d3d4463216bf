"""Pretraining for sentiment: word vectors learned from unlabelled text start a classifier's embedding.

``kerasdl sentiment pretrain`` trains the ``embeddings`` app's skip-gram on the unlabelled
texts given plus the training part of the labelled split (never its validation or test
texts) and writes an ordinary embeddings run; ``--pretrained RUN`` then copies its vectors
into the token embedding of a word-sequence classifier (CNN, LSTM, GRU, Transformer) for
every word both vocabularies share. The rest keep their random start and everything is
fine-tuned. On IMDB this lifts the CNN recipe from 0.887 to 0.909 (see the README).
"""

from __future__ import annotations

import pathlib

import numpy as np

from kerasdl.errors import UserInputError

TOKEN_EMBEDDING = "token_embedding"  # the embedding layer's name in the sequence builders


def load_vectors(run_dir) -> tuple[list[str], np.ndarray]:
    """``(words, vectors)`` of an embeddings run (``kerasdl sentiment pretrain`` or ``kerasdl embeddings train``).

    Raises:
        UserInputError: no such run, or a run of another app.
    """
    from kerasdl.apps.embeddings import Embeddings

    run_dir = pathlib.Path(run_dir)
    if not run_dir.is_dir():
        raise UserInputError(f"no pretraining run at {run_dir}: run `kerasdl sentiment pretrain` first")
    embeddings = Embeddings.from_run(run_dir)
    return embeddings.words, embeddings.vectors()


def initial_embeddings(vocabulary, words, vectors, *, seed: int = 0) -> tuple[np.ndarray, int]:
    """A token-embedding matrix for ``vocabulary`` with the pretrained rows copied in.

    Tokens without a vector (punctuation, rare words) start from a normal draw of the
    vectors' own scale; row 0 (padding) is zero.

    Args:
        vocabulary: the classifier's tokens, index = token id.
        words: the pretrained vocabulary; ``vectors[i]`` is ``words[i]``'s.
        vectors: ``(len(words), width)``.
        seed: the seed of the draws.

    Returns:
        ``(matrix (len(vocabulary), width) float32, how many tokens found a vector)``.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    rows = {word: i for i, word in enumerate(words)}
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, float(vectors.std()), (len(vocabulary), vectors.shape[1])).astype(np.float32)
    found = 0
    for token_id, token in enumerate(vocabulary):
        row = rows.get(token)
        if row is not None and token_id > 0:
            matrix[token_id] = vectors[row]
            found += 1
    matrix[0] = 0.0
    return matrix, found


def token_embedding(core):
    """The classifier's token-embedding layer (raises ``UserInputError`` for a model without one)."""
    for layer in core.layers:
        if layer.name == TOKEN_EMBEDDING:
            return layer
        inner = getattr(layer, "token_embedding", None)  # keras-hub's TokenAndPositionEmbedding
        if inner is not None:
            return inner
    raise UserInputError(f"{core.name} has no token embedding to start from pretrained vectors")
