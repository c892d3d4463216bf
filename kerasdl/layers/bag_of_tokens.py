"""A bag of token embeddings: embedding lookup, optional fixed per-token scaling, pooling.

The core of fastText ("Bag of Tricks for Efficient Text Classification", Joulin et al., 2017)
and, with naive-Bayes log-count ratios as the fixed scaling, of NBSVM ("Baselines and
Bigrams", Wang & Manning, 2012) trained as a network.
"""

import keras
import numpy as np

POOLINGS = ("sum", "mean")


@keras.saving.register_keras_serializable(package="kerasdl")
class BagOfTokens(keras.layers.Layer):
    """Pools the embeddings of a sequence's token ids, ignoring padding (id 0).

    For ids ``t_1 .. t_n`` (0 = padding) it returns ``pool_i(E[t_i] * S[t_i])``: ``E`` is a
    trainable ``(vocabulary_size, embed_dim)`` table, ``S`` an optional fixed
    ``(vocabulary_size, k)`` table of per-token weights (``k == embed_dim``, or ``k`` any
    width when ``embed_dim == 1``, which broadcasts), and ``pool`` a sum or a mean. With
    ``binary=True`` a token that occurs several times in a row counts once (binarised
    features, as NBSVM uses), found by sorting each row's ids.

    The fixed weights are a non-trainable variable, saved with the other weights; the
    config only records their width, so ``.keras`` files stay small and load in safe mode.

    Args:
        vocabulary_size: number of token ids, padding (0) included.
        embed_dim: width of the trainable embeddings.
        token_weights: optional array ``(vocabulary_size, k)`` or ``(vocabulary_size,)`` of
            fixed per-token weights, e.g. naive-Bayes log-count ratios.
        token_weights_dim: ``k`` when the weights come later (``set_weights`` or a saved
            file); taken from ``token_weights`` when that is given.
        pooling: ``"sum"`` or ``"mean"`` over the non-padding tokens.
        binary: count each distinct token of a row once.
        embeddings_initializer: initializer of ``E``.
        embeddings_regularizer: optional regularizer of ``E``.

    Example:
        >>> bag = BagOfTokens(vocabulary_size=100, embed_dim=8)
        >>> bag(np.array([[5, 7, 7, 0]])).shape  # (1, 8)
    """

    def __init__(
        self,
        vocabulary_size,
        embed_dim,
        *,
        token_weights=None,
        token_weights_dim=None,
        pooling="sum",
        binary=False,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(vocabulary_size, bool) or not isinstance(vocabulary_size, int) or vocabulary_size < 2:
            raise ValueError(
                f"vocabulary_size must be an int of at least 2; Received: vocabulary_size={vocabulary_size!r}"
            )
        if isinstance(embed_dim, bool) or not isinstance(embed_dim, int) or embed_dim < 1:
            raise ValueError(f"embed_dim must be a positive int; Received: embed_dim={embed_dim!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}; Received: pooling={pooling!r}")
        if token_weights is not None:
            token_weights = np.asarray(token_weights, dtype="float32")
            if token_weights.ndim == 1:
                token_weights = token_weights[:, None]
            if token_weights.ndim != 2 or token_weights.shape[0] != vocabulary_size:
                raise ValueError(
                    f"token_weights must have shape (vocabulary_size={vocabulary_size}, k); "
                    f"Received: token_weights.shape={token_weights.shape}"
                )
            token_weights_dim = int(token_weights.shape[1])
        if token_weights_dim is not None and embed_dim not in (1, token_weights_dim):
            raise ValueError(
                "token weights of width k need embed_dim == k or embed_dim == 1; "
                f"Received: embed_dim={embed_dim}, token weights width {token_weights_dim}"
            )
        self.vocabulary_size = vocabulary_size
        self.embed_dim = embed_dim
        self.token_weights_dim = token_weights_dim
        self.pooling = pooling
        self.binary = bool(binary)
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.embeddings_regularizer = keras.regularizers.get(embeddings_regularizer)
        self._initial_token_weights = token_weights

    @property
    def output_dim(self) -> int:
        """Width of the pooled output: ``embed_dim``, or the token weights' width if larger."""
        return max(self.embed_dim, self.token_weights_dim or 1)

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.embed_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            name="embeddings",
        )
        self.token_weights = None
        if self.token_weights_dim is not None:
            initial = self._initial_token_weights
            self.token_weights = self.add_weight(
                shape=(self.vocabulary_size, self.token_weights_dim),
                initializer="zeros" if initial is None else keras.initializers.Constant(initial),
                trainable=False,
                name="token_weights",
            )
            self._initial_token_weights = None  # the variable holds them now

    def call(self, inputs):
        ops = keras.ops
        ids = ops.cast(inputs, "int32")
        if self.binary:
            # Sorted, a repeated id sits next to its twin: keep the first of each run.
            ids = ops.sort(ids, axis=-1)
            previous = ops.pad(ids[:, :-1], [[0, 0], [1, 0]], constant_values=-1)
            keep = ops.logical_and(ops.not_equal(ids, previous), ops.not_equal(ids, 0))
        else:
            keep = ops.not_equal(ids, 0)
        keep = ops.expand_dims(ops.cast(keep, self.compute_dtype), -1)  # LiteRT has no new-axis slicing
        vectors = ops.take(self.embeddings, ids, axis=0)
        if self.token_weights is not None:
            vectors = vectors * ops.cast(ops.take(self.token_weights, ids, axis=0), self.compute_dtype)
        pooled = ops.sum(vectors * keep, axis=1)
        if self.pooling == "mean":
            pooled = pooled / ops.maximum(ops.sum(keep, axis=1), 1.0)
        return pooled

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            embed_dim=self.embed_dim,
            token_weights_dim=self.token_weights_dim,
            pooling=self.pooling,
            binary=self.binary,
            embeddings_initializer=keras.initializers.serialize(self.embeddings_initializer),
            embeddings_regularizer=keras.regularizers.serialize(self.embeddings_regularizer),
        )
        return config
