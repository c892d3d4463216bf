"""Skip-gram data on tiny corpora, checked by hand: vocabulary, pairs and windows, subsampling, negatives."""

import numpy as np
import pytest

from kerasdl.data.text import skipgrams as skipgrams_module
from kerasdl.data.text.skipgrams import (
    SkipGrams,
    Vocabulary,
    build_vocabulary,
    encode_corpus,
    keep_probabilities,
    negative_table,
    skipgram_dataset,
    window_pairs,
)
from kerasdl.errors import UserInputError


def as_set(targets, contexts):
    return set(zip(targets.tolist(), contexts.tolist()))


def test_vocabulary_keeps_frequent_words_most_frequent_first():
    documents = [["a", "b", "a", "c"], ["b", "a", "d"], ["e", "b"]]
    vocabulary = build_vocabulary(documents, min_count=2)
    assert vocabulary.words == ("a", "b")  # a: 3, b: 3 -> ties alphabetical; c, d, e once
    assert vocabulary.counts.tolist() == [3, 3] and vocabulary.total == 9
    ids, offsets = encode_corpus(documents, vocabulary)
    assert ids.tolist() == [0, 1, 0, 1, 0, 1] and offsets.tolist() == [0, 3, 5, 6]  # c, d, e dropped
    revived = Vocabulary.from_json(vocabulary.to_json())
    assert revived.words == vocabulary.words and revived.counts.tolist() == [3, 3] and revived.total == 9
    with pytest.raises(UserInputError, match="seen at least 5 times"):
        build_vocabulary(documents, min_count=5)


def test_window_pairs_by_hand():
    ids = np.array([10, 11, 12, 13, 20, 21])  # two documents: 10..13 and 20, 21
    documents = np.array([0, 0, 0, 0, 1, 1])
    t, c = window_pairs(ids, documents, np.ones(6, int), 1)
    assert as_set(t, c) == {(10, 11), (11, 10), (11, 12), (12, 11), (12, 13), (13, 12), (20, 21), (21, 20)}
    assert len(t) == 8  # nothing across the documents' edge (13, 20)
    # Dynamic window: the target's own radius decides. 10 reaches 2 words, the others 1.
    t, c = window_pairs(ids, documents, np.array([2, 1, 1, 1, 2, 2]), 2)
    expected = {(10, 11), (11, 10), (11, 12), (12, 11), (12, 13), (13, 12), (20, 21), (21, 20), (10, 12)}
    assert as_set(t, c) == expected and len(t) == 9  # (12, 10) not: 12's radius is 1
    t, c = window_pairs(ids[:2], documents[:2], np.array([5, 5]), 5)  # a window wider than the text
    assert as_set(t, c) == {(10, 11), (11, 10)}
    assert len(window_pairs(ids[:1], documents[:1], np.array([5]), 5)[0]) == 0


def test_keep_probabilities_follow_the_papers_rule():
    # f = 1e-2 -> sqrt(1e-4 / 1e-2) = 0.1; f = 1e-5 -> sqrt(10) > 1 -> 1.
    keep = keep_probabilities([10_000, 10], sample=1e-4, total=1_000_000)
    np.testing.assert_allclose(keep, [0.1, 1.0])
    np.testing.assert_allclose(keep_probabilities([5, 1], sample=0), [1.0, 1.0])


def test_negative_table_is_the_unigram_distribution_to_the_three_quarters():
    table = negative_table([16, 1], power=0.75, size=9)  # 16 ** 0.75 = 8: shares 8/9 and 1/9
    assert table.tolist() == [0] * 8 + [1]


def distinct_words(n):
    """A vocabulary of ``n`` words seen once each, ids in order: ``w000`` is 0."""
    words = [f"w{i:03d}" for i in range(n)]
    return words, build_vocabulary([words], min_count=1)


def test_dynamic_window_makes_nearer_contexts_more_frequent():
    words, vocabulary = distinct_words(400)
    ids, offsets = encode_corpus([words], vocabulary)
    assert ids.tolist() == list(range(400))
    pairs = SkipGrams(ids, offsets, vocabulary, window=3, negatives=1, sample=0, seed=0)
    rng = np.random.default_rng(0)
    distances = np.concatenate([np.abs(np.subtract(*pairs.pairs(rng, 0, 400))) for _ in range(20)])
    share = np.bincount(distances, minlength=4)[1:] / len(distances)
    # radius r uniform in 1..3: distance d is taken when r >= d, with probability (4 - d) / 3 -> 3 : 2 : 1
    np.testing.assert_allclose(share, [3 / 6, 2 / 6, 1 / 6], atol=0.02)


def test_subsampling_discards_frequent_words():
    # a: 9,000 of 10,000 tokens (f = 0.9), b: 1,000 (f = 0.1); t = 0.225 keeps a with sqrt(0.225 / 0.9) = 0.5, b always
    rng = np.random.default_rng(1)
    tokens = rng.permutation(["a"] * 9_000 + ["b"] * 1_000).tolist()
    vocabulary = build_vocabulary([tokens], min_count=1)
    ids, offsets = encode_corpus([tokens], vocabulary)
    examples = SkipGrams(ids, offsets, vocabulary, window=1, negatives=1, sample=0.225, seed=0)
    np.testing.assert_allclose(examples.keep, [0.5, 1.0], rtol=1e-3)
    counts = vocabulary.counts
    targets, _ = examples.pairs(np.random.default_rng(2), 0, len(ids))
    # window 1: each kept token is the target of 2 pairs (1 at the ends)
    ratio = np.sum(targets == 0) / np.sum(targets == 1)
    assert ratio == pytest.approx(counts[0] * 0.5 / counts[1], rel=0.05)


def test_negatives_follow_the_smoothed_unigram_distribution():
    tokens = ["a"] * 81 + ["b"] * 16 + ["c"] * 1  # to the 3/4: 27, 8, 1
    vocabulary = build_vocabulary([tokens], min_count=1)
    ids, offsets = encode_corpus([tokens], vocabulary)
    examples = SkipGrams(ids, offsets, vocabulary, negatives=5, sample=0, table_size=36_000)
    drawn = examples.draw_negatives(np.random.default_rng(0), 40_000)
    assert drawn.shape == (40_000, 5)
    share = np.bincount(drawn.ravel(), minlength=3) / drawn.size
    np.testing.assert_allclose(share, [27 / 36, 8 / 36, 1 / 36], atol=0.005)


def test_batches_hold_a_true_context_then_negatives():
    documents = [[f"w{i}" for i in range(6)], [f"v{i}" for i in range(5)]]
    vocabulary = build_vocabulary(documents, min_count=1)
    ids, offsets = encode_corpus(documents, vocabulary)
    document_of = {w: d for d, words in enumerate(documents) for w in words}
    examples = SkipGrams(ids, offsets, vocabulary, window=2, negatives=3, sample=0, seed=0)
    batches = examples.batches(8)
    for _ in range(5):
        (targets, contexts), labels = next(batches)
        assert targets.shape == (8, 1) and contexts.shape == (8, 4) and labels.shape == (8, 4)
        assert labels.tolist() == [[1, 0, 0, 0]] * 8
        for t, c in zip(targets[:, 0], contexts[:, 0]):  # the true context: near, in the same document
            tw, cw = vocabulary.words[t], vocabulary.words[c]
            assert document_of[tw] == document_of[cw] and 1 <= abs(int(tw[1:]) - int(cw[1:])) <= 2
    dataset = skipgram_dataset(examples, 8, batches=3)
    assert dataset.cardinality() == 3 and len(list(dataset)) == 3


def test_the_dataset_hands_over_the_batches_in_order():
    documents = [[f"w{i % 7}" for i in range(40)], [f"v{i % 5}" for i in range(23)]]
    vocabulary = build_vocabulary(documents, min_count=1)
    ids, offsets = encode_corpus(documents, vocabulary)
    examples = SkipGrams(ids, offsets, vocabulary, window=2, negatives=2, sample=0, seed=3)
    expected = list(examples.batches(4, epochs=2))  # a finite stream: pairs left over at the end are dropped
    dataset = skipgram_dataset(examples, 4, epochs=2)
    for _ in range(2):  # every iteration gives the stream from its start
        found = list(dataset.as_numpy_iterator())
        assert len(found) == len(expected) > 3
        for ((t, c), y), ((t2, c2), y2) in zip(expected, found):
            np.testing.assert_array_equal(t, t2)
            np.testing.assert_array_equal(c, c2)
            np.testing.assert_array_equal(y, y2)


def test_blocks_are_the_batches_of_a_chunk_stacked(monkeypatch):
    monkeypatch.setattr(skipgrams_module, "CHUNK_TOKENS", 20)  # several chunks in a tiny corpus
    documents = [[f"w{i % 7}" for i in range(40)], [f"v{i % 5}" for i in range(23)], [f"u{i % 3}" for i in range(35)]]
    vocabulary = build_vocabulary(documents, min_count=1)
    ids, offsets = encode_corpus(documents, vocabulary)
    examples = SkipGrams(ids, offsets, vocabulary, window=2, negatives=2, sample=0, seed=3)
    assert examples.chunk_count() == 3
    blocks = list(examples.blocks(8, epochs=2))
    assert len(blocks) == 2 * examples.chunk_count()
    for targets, contexts, labels in blocks:
        assert targets.shape[1:] == (8, 1) and contexts.shape[1:] == (8, 3) and labels.shape == contexts.shape
    # By hand, a batch at a time: each chunk's pairs after those the last one left over, cut
    # into whole batches, each batch's negatives drawn as it is made.
    rng, expected = np.random.default_rng(3), []
    held_t, held_c = np.zeros(0, np.int32), np.zeros(0, np.int32)
    for _ in range(2):
        for start, stop in examples.chunks(rng):
            targets, contexts = examples.pairs(rng, start, stop)
            targets, contexts = np.concatenate([held_t, targets]), np.concatenate([held_c, contexts])
            full = len(targets) // 8 * 8
            for i in range(0, full, 8):
                negatives = examples.draw_negatives(rng, 8)
                expected.append((targets[i : i + 8, None], np.concatenate([contexts[i : i + 8, None], negatives], 1)))
            held_t, held_c = targets[full:], contexts[full:]
    assert len(expected) > 6
    np.testing.assert_array_equal(np.concatenate([b[0] for b in blocks]), np.stack([t for t, _ in expected]))
    np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]), np.stack([c for _, c in expected]))
    np.testing.assert_array_equal(np.concatenate([b[2] for b in blocks])[:, :, 0], 1)


def test_a_corpus_without_vocabulary_words_is_refused():
    vocabulary = build_vocabulary([["a", "b"]], min_count=1)
    with pytest.raises(UserInputError, match="no words of the vocabulary"):
        SkipGrams(np.zeros(0, np.int32), np.array([0]), vocabulary)
