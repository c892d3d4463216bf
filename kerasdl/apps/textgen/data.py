"""The text-generation app's data: a WordPiece vocabulary, documents as one token stream, windows of it.

Every document is followed by the end token ``[EOS]``, which also starts the stream (GPT-2's
``<|endoftext|>``: one token ends a text and begins the next), so a document of ``n`` tokens
is ``n + 1`` predictions: its tokens and its end. Training windows are ``sequence_length + 1``
tokens cut at random places of the training stream (inputs: the first ``sequence_length``,
targets: the last); perplexity is scored on non-overlapping windows, so every token of the
held-out stream is predicted exactly once.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from kerasdl.errors import UserInputError

PAD, UNKNOWN, END = "[PAD]", "[UNK]", "[EOS]"
RESERVED = (PAD, UNKNOWN, END)
PAD_ID, UNKNOWN_ID, END_ID = 0, 1, 2
VOCABULARY_FILE = "vocabulary.txt"
VOCABULARY_DOCUMENTS = 3000  # documents the WordPiece vocabulary is learned from (a seeded sample)
TEST_FRACTION = 0.1  # of a corpus without its own test texts
VAL_FRACTION = 0.05  # of the training documents, at most MAX_VAL_DOCUMENTS
MAX_VAL_DOCUMENTS = 100
SPLIT_SEED = 0


def learn_vocabulary(documents, *, vocabulary_size: int, seed: int = SPLIT_SEED) -> list[str]:
    """A lower-case WordPiece vocabulary (keras-hub's ``compute_word_piece_vocabulary``), reserved tokens first.

    Learned from a seeded sample of at most :data:`VOCABULARY_DOCUMENTS` documents.
    """
    import keras_hub
    import tensorflow as tf

    documents = list(documents)
    if len(documents) > VOCABULARY_DOCUMENTS:
        keep = np.sort(np.random.default_rng(seed).permutation(len(documents))[:VOCABULARY_DOCUMENTS])
        documents = [documents[i] for i in keep]
    vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
        tf.data.Dataset.from_tensor_slices(documents).batch(256),
        vocabulary_size=vocabulary_size,
        lowercase=True,
        strip_accents=True,
        reserved_tokens=list(RESERVED),
    )
    return list(vocabulary)


def make_tokenizer(vocabulary):
    """keras-hub's ``WordPieceTokenizer`` over ``vocabulary`` (lower-cased, accents stripped, ragged output)."""
    import keras_hub

    return keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=list(vocabulary), lowercase=True, strip_accents=True, oov_token=UNKNOWN, dtype="int32"
    )


def encode(tokenizer, documents, *, batch_size: int = 1024) -> list[np.ndarray]:
    """Each document's token ids (int32 arrays)."""
    import tensorflow as tf

    out = []
    for start in range(0, len(documents), batch_size):
        rows = tokenizer(tf.constant(list(documents[start : start + batch_size])))
        rows = rows.numpy() if hasattr(rows, "numpy") else rows  # keras-hub gives lists in eager mode
        out += [np.asarray(row, np.int32) for row in rows]
    return out


def stream(token_lists) -> np.ndarray:
    """``[EOS] doc1 [EOS] doc2 [EOS] ...``: the documents as one int32 stream."""
    parts = [np.array([END_ID], np.int32)]
    for ids in token_lists:
        parts += [np.asarray(ids, np.int32), np.array([END_ID], np.int32)]
    return np.concatenate(parts)


def scoring_windows(ids: np.ndarray, sequence_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-overlapping windows over a stream: ``(inputs, targets, weights)``, each ``(n, sequence_length)``.

    Every token after the first is a target exactly once; the last window is 0-padded and its
    padding weighs 0.
    """
    targets_count = len(ids) - 1
    rows = max(1, -(-targets_count // sequence_length))
    padded = np.zeros(rows * sequence_length + 1, np.int32)
    padded[: len(ids)] = ids
    inputs = np.stack([padded[i * sequence_length : (i + 1) * sequence_length] for i in range(rows)])
    targets = np.stack([padded[i * sequence_length + 1 : (i + 1) * sequence_length + 1] for i in range(rows)])
    weights = (np.arange(rows * sequence_length).reshape(rows, sequence_length) < targets_count).astype(np.float32)
    return inputs, targets, weights


def training_dataset(ids: np.ndarray, *, sequence_length: int, batch_size: int, seed: int):
    """Endless ``tf.data`` of ``(inputs, targets)`` batches: windows cut at seeded random places of the stream."""
    import tensorflow as tf

    if len(ids) < sequence_length + 2:
        ids = np.tile(ids, -(-(sequence_length + 2) // len(ids)))
    data = tf.constant(ids)
    starts = len(ids) - sequence_length - 1

    def window(r):
        start = tf.cast(r % starts, tf.int32)
        w = data[start : start + sequence_length + 1]
        return w[:-1], w[1:]

    return (
        tf.data.Dataset.random(seed=seed)
        .map(window, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def scoring_dataset(ids: np.ndarray, *, sequence_length: int, batch_size: int = 64):
    """Finite ``tf.data`` of ``(inputs, targets, weights)`` batches over a held-out stream (validation)."""
    import tensorflow as tf

    inputs, targets, weights = scoring_windows(ids, sequence_length)
    return tf.data.Dataset.from_tensor_slices((inputs, targets, weights)).batch(batch_size)


@dataclasses.dataclass
class CorpusSplit:
    """The documents a run trains, validates and is scored on, and where they came from."""

    train: list[str]
    val: list[str]
    test: list[str]
    description: str

    def counts(self) -> dict:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def split_documents(documents, *, test=None, seed: int = SPLIT_SEED, description: str = "the corpus") -> CorpusSplit:
    """A seeded split by documents: validation from the training ones; test too when not given.

    Raises:
        UserInputError: fewer than 3 documents to split.
    """
    documents = list(documents)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(documents))
    if test is None:
        if len(documents) < 3:
            raise UserInputError(
                f"{description} has {len(documents)} document(s); a language model needs at least 3 "
                "(training, validation and test text), e.g. one per line of a .txt file"
            )
        n_test = max(1, round(TEST_FRACTION * len(documents)))
        test = [documents[i] for i in np.sort(order[:n_test])]
        order = order[n_test:]
    elif len(documents) < 2:
        raise UserInputError(f"{description} has {len(documents)} document(s); training needs at least 2")
    n_val = max(1, min(MAX_VAL_DOCUMENTS, round(VAL_FRACTION * len(order))))
    val = [documents[i] for i in np.sort(order[:n_val])]
    train = [documents[i] for i in np.sort(order[n_val:])]
    return CorpusSplit(train=train, val=val, test=list(test), description=description)
