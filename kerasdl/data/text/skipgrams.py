"""Skip-gram training data, as word2vec makes it: vocabulary, subsampling, dynamic windows, negative samples.

After Mikolov et al. (2013), "Distributed Representations of Words and Phrases and their
Compositionality", and the reference C implementation:

* the vocabulary keeps the words seen at least ``min_count`` times, most frequent first;
* every epoch, each occurrence of a word of frequency ``f`` is kept with probability
  ``min(1, sqrt(t / f))`` (the paper's rule, ``t = sample``), and discarded words are removed
  before windows are taken, so the window reaches further;
* each kept word is a target whose window radius is drawn uniformly from ``1..window``
  (nearer words are contexts more often); windows stay inside a document;
* each (target, context) pair gets ``negatives`` words drawn from the unigram counts raised
  to ``power`` = 3/4 (from a table, as the C code does).

The examples are ``((target (batch, 1), [context, negatives...] (batch, 1 + negatives)),
labels (batch, 1 + negatives))`` with labels ``[1, 0, ..., 0]``: what
:func:`kerasdl.models.language.skipgram` trains on with binary cross-entropy on logits.
Pairs are made with vectorised numpy a chunk of documents at a time and shuffled within the
chunk; this module imports neither Keras nor TensorFlow except in :func:`skipgram_dataset`.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from kerasdl.errors import UserInputError

TABLE_SIZE = 10_000_000  # entries of the negative-sampling table (the C code uses 1e8)
CHUNK_TOKENS = 1_000_000  # corpus tokens turned into pairs at a time


@dataclasses.dataclass(frozen=True, eq=False)
class Vocabulary:
    """Words seen at least ``min_count`` times, most frequent first (ties alphabetically); ids are positions.

    Attributes:
        words: the words; ``words[i]`` has id ``i``.
        counts: how often each was seen (int64, the same order).
        total: tokens in the corpus, words below ``min_count`` included.
    """

    words: tuple[str, ...]
    counts: np.ndarray
    total: int

    def __len__(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        """``{word: id}``."""
        found = self.__dict__.get("_index")
        if found is None:
            found = {w: i for i, w in enumerate(self.words)}
            object.__setattr__(self, "_index", found)
        return found

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """int32 ids of the tokens in the vocabulary (others dropped)."""
        index = self.index
        return np.fromiter((index[t] for t in tokens if t in index), dtype=np.int32)

    def to_json(self) -> dict:
        return {"words": list(self.words), "counts": [int(c) for c in self.counts], "total": int(self.total)}

    @classmethod
    def from_json(cls, record: dict) -> Vocabulary:
        return cls(tuple(record["words"]), np.asarray(record["counts"], dtype=np.int64), int(record["total"]))


def build_vocabulary(documents: Iterable[Sequence[str]], *, min_count: int = 5, max_size: int | None = None):
    """The :class:`Vocabulary` of tokenised documents.

    Args:
        documents: lists of tokens.
        min_count: keep words seen at least this often.
        max_size: keep at most this many (the most frequent).

    Raises:
        UserInputError: no word reaches ``min_count``.
    """
    counter: collections.Counter = collections.Counter()
    for tokens in documents:
        counter.update(tokens)
    total = sum(counter.values())
    kept = sorted(((w, c) for w, c in counter.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    if max_size is not None:
        kept = kept[:max_size]
    if len(kept) < 2:
        raise UserInputError(
            f"the corpus has {len(kept)} word(s) seen at least {min_count} times ({total} tokens in all); "
            "word vectors need a larger corpus or a lower --min-count"
        )
    return Vocabulary(tuple(w for w, _ in kept), np.asarray([c for _, c in kept], dtype=np.int64), total)


def keep_probabilities(counts, *, sample: float = 1e-5, total: int | None = None) -> np.ndarray:
    """Per-word probability of keeping an occurrence: ``min(1, sqrt(sample / f))``, ``f`` the word's frequency.

    Mikolov et al. (2013) discard each occurrence with probability ``1 - sqrt(t / f)``. ``total``
    is the corpus' token count (default: the counts' sum). ``sample=0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if not sample:
        return np.ones_like(counts)
    frequency = counts / float(total if total is not None else counts.sum())
    return np.minimum(1.0, np.sqrt(sample / frequency))


def negative_table(counts, *, power: float = 0.75, size: int = TABLE_SIZE) -> np.ndarray:
    """word2vec's table for negative sampling: word ``i`` fills a share ``counts[i]**power / sum`` of ``size`` entries.

    A uniform draw from the table is a draw from the unigram distribution raised to ``power``.
    """
    weights = np.asarray(counts, dtype=np.float64) ** power
    bounds = np.round(np.cumsum(weights) / weights.sum() * size).astype(np.int64)
    return np.repeat(np.arange(len(weights), dtype=np.int32), np.diff(bounds, prepend=0))


def encode_corpus(documents: Iterable[Sequence[str]], vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, offsets)``: every document's in-vocabulary ids end to end, and where each document starts (and ends).

    Document ``d`` is ``ids[offsets[d]:offsets[d + 1]]``.
    """
    pieces, lengths = [], [0]
    for tokens in documents:
        encoded = vocabulary.encode(tokens)
        pieces.append(encoded)
        lengths.append(len(encoded))
    ids = np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
    return ids, np.cumsum(lengths)


def window_pairs(ids, documents, radii, window: int) -> tuple[np.ndarray, np.ndarray]:
    """``(targets, contexts)``: every pair within each target's radius and inside one document.

    Args:
        ids: word ids, documents end to end.
        documents: each id's document number (pairs never cross documents).
        radii: each position's window radius (``1..window``), as a target.
        window: the largest radius.

    Returns:
        int32 arrays, grouped by distance (nearest first), left and right contexts alike.
    """
    ids, documents, radii = np.asarray(ids), np.asarray(documents), np.asarray(radii)
    targets, contexts = [np.zeros(0, np.int32)], [np.zeros(0, np.int32)]
    for distance in range(1, min(window, len(ids) - 1) + 1):
        left, right = slice(0, len(ids) - distance), slice(distance, len(ids))
        same = documents[left] == documents[right]
        forward = same & (radii[left] >= distance)  # target on the left, context `distance` to its right
        backward = same & (radii[right] >= distance)  # target on the right, context to its left
        targets += [ids[left][forward], ids[right][backward]]
        contexts += [ids[right][forward], ids[left][backward]]
    return (
        np.concatenate(targets).astype(np.int32, copy=False),
        np.concatenate(contexts).astype(np.int32, copy=False),
    )


@dataclasses.dataclass
class SkipGrams:
    """Skip-gram examples from an encoded corpus, epoch after epoch (seeded).

    Attributes:
        ids: the corpus' word ids, documents end to end (:func:`encode_corpus`).
        offsets: where each document starts, and the end.
        vocabulary: the :class:`Vocabulary`.
        window: the largest window radius.
        negatives: negative samples per pair.
        sample: the subsampling threshold ``t`` (0: keep every word).
        power: the negative-sampling distribution's exponent.
        seed: the random seed.
    """

    ids: np.ndarray
    offsets: np.ndarray
    vocabulary: Vocabulary
    window: int = 5
    negatives: int = 5
    sample: float = 1e-5
    power: float = 0.75
    seed: int = 0
    table_size: int = TABLE_SIZE

    def __post_init__(self):
        if self.window < 1 or self.negatives < 0:
            raise UserInputError(f"window must be >= 1 and negatives >= 0; got {self.window} and {self.negatives}")
        self.keep = keep_probabilities(self.vocabulary.counts, sample=self.sample, total=self.vocabulary.total)
        self.table = negative_table(self.vocabulary.counts, power=self.power, size=self.table_size)
        lengths = np.diff(self.offsets)
        self.document_of = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        if len(self.ids) == 0:
            raise UserInputError("the corpus has no words of the vocabulary")

    def expected_pairs(self) -> float:
        """About how many pairs an epoch makes: kept tokens times the mean number of contexts (both sides)."""
        kept = float(self.keep[self.ids].sum())
        return kept * (self.window + 1)  # radius r uniform in 1..W: 2 * mean(r) = W + 1 contexts, fewer at edges

    def pairs(self, rng: np.random.Generator, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """The shuffled ``(targets, contexts)`` of tokens ``start:stop`` (whole documents), subsampled and windowed."""
        ids, documents = self.ids[start:stop], self.document_of[start:stop]
        kept = rng.random(len(ids)) < self.keep[ids]
        ids, documents = ids[kept], documents[kept]
        radii = rng.integers(1, self.window + 1, size=len(ids))
        targets, contexts = window_pairs(ids, documents, radii, self.window)
        order = rng.permutation(len(targets))
        return targets[order], contexts[order]

    def draw_negatives(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``(count, negatives)`` word ids drawn from the unigram distribution to the ``power``."""
        return self.table[rng.integers(0, len(self.table), size=(count, self.negatives))]

    def chunks(self, rng: np.random.Generator) -> Iterator[tuple[int, int]]:
        """Token ranges of about :data:`CHUNK_TOKENS` made of whole documents, in a shuffled order."""
        bounds = [0]
        for end in self.offsets[1:]:
            if end - bounds[-1] >= CHUNK_TOKENS:
                bounds.append(int(end))
        if bounds[-1] != int(self.offsets[-1]):
            bounds.append(int(self.offsets[-1]))
        ranges = list(zip(bounds[:-1], bounds[1:]))
        for i in rng.permutation(len(ranges)):
            yield ranges[i]

    def chunk_count(self) -> int:
        """How many token ranges :meth:`chunks` gives an epoch."""
        return sum(1 for _ in self.chunks(np.random.default_rng(0)))

    def blocks(self, batch_size: int, *, epochs: int | None = None) -> Iterator[tuple]:
        """The batches of one chunk of the corpus at a time, stacked: one block per chunk, in order.

        Yields ``(targets (n, B, 1), contexts (n, B, 1 + negatives), labels (n, B, 1 + negatives))``
        numpy arrays, ``n`` the whole batches the chunk's pairs fill (pairs left over start the next
        chunk's; ``n`` may be 0); endless when ``epochs`` is None, else ``epochs`` times
        :meth:`chunk_count` blocks.
        """
        rng = np.random.default_rng(self.seed)
        k = 1 + self.negatives
        held_t, held_c = np.zeros(0, np.int32), np.zeros(0, np.int32)
        epoch = 0
        while epochs is None or epoch < epochs:
            for start, stop in self.chunks(rng):
                targets, contexts = self.pairs(rng, start, stop)
                targets, contexts = np.concatenate([held_t, targets]), np.concatenate([held_c, contexts])
                n = len(targets) // batch_size
                full = n * batch_size
                both = np.concatenate([contexts[:full, None], self.draw_negatives(rng, full)], axis=1)
                labels = np.zeros((n, batch_size, k), np.float32)
                labels[..., 0] = 1
                yield targets[:full].reshape(n, batch_size, 1), both.reshape(n, batch_size, k), labels
                held_t, held_c = targets[full:], contexts[full:]
            epoch += 1

    def batches(self, batch_size: int, *, epochs: int | None = None) -> Iterator[tuple]:
        """``((targets (B, 1), contexts (B, 1 + negatives)), labels (B, 1 + negatives))`` numpy batches.

        The :meth:`blocks` one batch at a time; endless when ``epochs`` is None.
        """
        for targets, contexts, labels in self.blocks(batch_size, epochs=epochs):
            for i in range(len(targets)):
                yield (targets[i], contexts[i]), labels[i]


def skipgram_dataset(skipgrams: SkipGrams, batch_size: int, *, epochs: int | None = None, batches: int | None = None):
    """:meth:`SkipGrams.batches` as a ``tf.data.Dataset``: endless, or ``epochs`` passes, or ``batches`` batches.

    Python makes a chunk's batches at once (:meth:`SkipGrams.blocks`) and TensorFlow slices them
    (``from_tensor_slices`` in a ``flat_map``), so tf.data does almost nothing a batch. Measured
    on IMDB (batches of 4,096, 2 cores, AVX2 only, the compiled step 32 steps a call, 2,560
    steps): 12-18 ms a step fed this way, 21-24 ms fed by ``from_generator`` and ``unbatch`` (16
    batches a call), whose work for each batch competes with the step for the cores; the step
    alone, on batches already in memory, 9-12 ms. A whole epoch (14,240 steps): 248 s against
    299-304 s. Every iteration starts the stream again, so with ``batches`` it gives the same
    batches each time (a fixed validation set); iterate it once at a time.
    """
    import tensorflow as tf

    k = 1 + skipgrams.negatives
    streams = []
    empty = (np.zeros((0, batch_size, 1), np.int32), np.zeros((0, batch_size, k), np.int32))
    empty += (np.zeros((0, batch_size, k), np.float32),)

    def next_block(index):
        if index == 0:  # a new iteration: the stream from its start
            streams[:] = [skipgrams.blocks(batch_size, epochs=epochs)]
        return next(streams[0], empty)

    def block(index):
        targets, contexts, labels = tf.numpy_function(
            next_block, [index], (tf.int32, tf.int32, tf.float32), stateful=True
        )
        targets = tf.ensure_shape(targets, (None, batch_size, 1))
        contexts = tf.ensure_shape(contexts, (None, batch_size, k))
        labels = tf.ensure_shape(labels, (None, batch_size, k))
        return tf.data.Dataset.from_tensor_slices(((targets, contexts), labels))

    count = np.iinfo(np.int64).max if epochs is None else epochs * skipgrams.chunk_count()
    dataset = tf.data.Dataset.range(count).flat_map(block)
    if batches is not None:
        dataset = dataset.take(batches).apply(tf.data.experimental.assert_cardinality(batches))
    return dataset.prefetch(64)
