"""An embedding table whose rows learn from the mean of their gradients in a batch, not the sum."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasdl")
class MeanUpdateEmbedding(keras.layers.Embedding):
    """``keras.layers.Embedding`` whose rows take the mean of their gradients in a batch.

    word2vec updates its tables one pair at a time, so a frequent word's row takes many small
    steps, each from where the last one left it. A batch of pairs sums those steps instead,
    all computed at the same point: a word seen ``n`` times in a batch moves ``n`` steps at
    once, which overshoots as batches grow or subsampling keeps more frequent words. This
    layer divides the gradient of each lookup by how many times its id occurs among the
    layer's inputs in the batch, so a row moves by the mean of its gradients: a word seen once
    learns exactly as before, a frequent one by one averaged step. The forward pass is the
    plain lookup (the outputs are ``Embedding``'s to the bit).

    Args:
        input_dim: number of rows (ids ``0 .. input_dim - 1``).
        output_dim: width of a row.
        **kwargs: ``keras.layers.Embedding``'s other arguments.

    Example:
        >>> table = MeanUpdateEmbedding(10, 4)
        >>> table(keras.ops.convert_to_tensor([[1, 1, 2]])).shape
        (1, 3, 4)
    """

    def gradient_scale(self, ids, dtype="float32"):
        """``1 / n`` for each id in ``ids``, where ``n`` is how many times that id occurs in ``ids`` (same shape)."""
        ids = ops.cast(ids, "int32")
        flat = ops.reshape(ids, (-1,))
        counts = ops.segment_sum(ops.ones_like(flat, dtype=dtype), flat, num_segments=self.input_dim)
        return 1.0 / ops.take(counts, ids)

    def call(self, inputs):
        vectors = super().call(inputs)
        scale = ops.expand_dims(self.gradient_scale(inputs, vectors.dtype), -1)
        frozen = ops.stop_gradient(vectors)
        return frozen + (vectors - frozen) * scale  # the value of `vectors`, the gradient divided by the count
