"""Word embeddings: skip-gram word vectors from any text, scored on similarity and analogies beside PPMI + SVD."""

from kerasdl.apps.embeddings.task import Embeddings

__all__ = ["Embeddings"]
