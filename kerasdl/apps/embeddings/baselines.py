"""The classical baseline: PPMI + truncated SVD word vectors (Levy, Goldberg & Dagan, 2015).

"Improving Distributional Similarity with Lessons Learned from Word Embeddings" shows that a
positive pointwise-mutual-information matrix of word-context counts, with the context
distribution smoothed (counts to the 3/4, as word2vec's negatives) and factorised by a
truncated SVD (``U * sqrt(S)``), matches skip-gram on word similarity. It is fitted here on the
same tokens the model trained on, counted within a fixed window, over the most frequent words.
"""

from __future__ import annotations

import numpy as np

from kerasdl.data.text.skipgrams import CHUNK_TOKENS, window_pairs

BASELINE = "PPMI + SVD (Levy et al. 2015)"
MAX_WORDS = 20000  # rows and columns of the count matrix: the most frequent words
WINDOW = 2  # Levy et al.'s best window for similarity
SMOOTHING = 0.75  # context distribution smoothing


def ppmi_svd_vectors(
    ids,
    offsets,
    *,
    vocabulary_size: int,
    dim: int = 100,
    window: int = WINDOW,
    max_words: int = MAX_WORDS,
    smoothing: float = SMOOTHING,
    seed: int = 0,
) -> np.ndarray:
    """Word vectors ``(min(vocabulary_size, max_words), dim)`` of the most frequent words (ids below ``max_words``).

    Args:
        ids: the corpus' word ids, documents end to end (ids sorted by frequency: 0 most frequent).
        offsets: where each document starts, and the end.
        vocabulary_size: the vocabulary's size.
        dim: the vectors' width.
        window: contexts up to this many words away, on both sides, inside a document.
        max_words: keep this many most frequent words (rows and contexts).
        smoothing: the context counts' exponent in the PPMI's denominator.
        seed: the randomized SVD's seed.
    """
    import scipy.sparse
    from sklearn.utils.extmath import randomized_svd

    size = min(vocabulary_size, max_words)
    ids, offsets = np.asarray(ids), np.asarray(offsets)
    documents = np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))
    counts = scipy.sparse.csr_matrix((size, size), dtype=np.float64)
    for start in range(0, len(ids), CHUNK_TOKENS):  # pairs across a chunk's edge (a few per million) are left out
        chunk, chunk_docs = ids[start : start + CHUNK_TOKENS], documents[start : start + CHUNK_TOKENS]
        targets, contexts = window_pairs(chunk, chunk_docs, np.full(len(chunk), window), window)
        keep = (targets < size) & (contexts < size)
        counts = counts + scipy.sparse.csr_matrix(
            (np.ones(int(keep.sum())), (targets[keep], contexts[keep])), shape=(size, size)
        )
    counts.sum_duplicates()
    total = counts.sum()
    row = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** smoothing
    context_p = context / context.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data * 1.0 / total) - np.log(row[coo.row] / total) - np.log(context_p[coo.col])
    positive = pmi > 0
    ppmi = scipy.sparse.csr_matrix((pmi[positive], (coo.row[positive], coo.col[positive])), shape=(size, size))
    k = min(dim, size - 1)
    u, s, _ = randomized_svd(ppmi, n_components=k, n_iter=5, random_state=seed)
    vectors = u * np.sqrt(s)
    if k < dim:
        vectors = np.pad(vectors, ((0, 0), (0, dim - k)))
    return vectors.astype(np.float32)
