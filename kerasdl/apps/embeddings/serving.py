"""The served word vectors: words (strings) -> vectors in the SavedModel, and the vector files beside it."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from kerasdl.models.language.skipgram import WORD_EMBEDDING

WORD2VEC_FILE = "vectors.txt"  # word2vec's text format: "<count> <dim>", then "<word> <v1> ... <vd>" per line
VECTORS_FILE = "vectors.tsv"  # TensorBoard projector: one vector a line, tab-separated
METADATA_FILE = "metadata.tsv"  # TensorBoard projector: one word a line, in the vectors' order


def lookup_models(words, vectors):
    """``(ids_model, word_model)``: float word ids -> vectors (LiteRT's), and strings -> vectors (serving's).

    Id ``i + 1`` is ``words[i]``; id 0 (an unknown word) gives zeros. Both share one table, and
    ``ids_model.word_model`` keeps the string model (and its lookup table) tracked for the export.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    table = keras.layers.Embedding(
        len(words) + 1,
        vectors.shape[1],
        weights=[np.concatenate([np.zeros((1, vectors.shape[1]), np.float32), vectors])],
        name=WORD_EMBEDDING,
    )
    ids = keras.Input(shape=(), dtype="float32", name="word_ids")
    ids_model = keras.Model(ids, table(keras.ops.cast(ids, "int32")), name="word_vectors")
    word = keras.Input(shape=(), dtype="string", name="word")
    lookup = keras.layers.StringLookup(vocabulary=list(words), num_oov_indices=1, name="word_lookup")
    word_ids = lookup(word)
    word_model = keras.Model(word, [table(word_ids), word_ids], name="word_lookup_vectors")
    ids_model.word_model = word_model
    return ids_model, word_model


def word_endpoint_fn(word_model):
    """``serving_default``: ``[batch]`` words (lower-cased in the graph) -> ``vector`` and ``known``."""

    def serve(word):
        vector, ids = word_model(tf.strings.lower(tf.strings.strip(word)), training=False)
        return {"vector": vector, "known": tf.not_equal(ids, 0)}

    return serve


def word2vec_text(words, vectors) -> str:
    """The vectors in word2vec's text format, which gensim's ``KeyedVectors.load_word2vec_format`` reads."""
    vectors = np.asarray(vectors, dtype=np.float32)
    lines = [f"{len(words)} {vectors.shape[1]}"]
    lines += [word + " " + " ".join(f"{x:.6g}" for x in row) for word, row in zip(words, vectors)]
    return "\n".join(lines) + "\n"


def projector_files(words, vectors) -> dict[str, str]:
    """TensorBoard projector's ``vectors.tsv`` and ``metadata.tsv`` (one word a line, no header)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return {
        VECTORS_FILE: "".join("\t".join(f"{x:.6g}" for x in row) + "\n" for row in vectors),
        METADATA_FILE: "".join(f"{word}\n" for word in words),
    }


def vector_files(words, vectors) -> dict[str, str]:
    """Every vector file the export writes beside the SavedModel."""
    return {WORD2VEC_FILE: word2vec_text(words, vectors), **projector_files(words, vectors)}
