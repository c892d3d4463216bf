"""Local response normalisation across channels (Krizhevsky et al., 2012), in keras.ops."""

import keras


@keras.saving.register_keras_serializable(package="kerasdl")
class LocalResponseNormalization(keras.layers.Layer):
    """Divides each activation by ``(k + alpha * sum of squares over n adjacent maps) ** beta``.

    Section 3.3 of "ImageNet Classification with Deep Convolutional Neural Networks"
    (Krizhevsky, Sutskever and Hinton, 2012): ``b = a / (k + alpha * sum_j a_j**2) ** beta``
    over the ``n`` maps centred on each one, with the paper's ``k=2, n=5, alpha=1e-4,
    beta=0.75``. ``alpha`` is not divided by ``n`` (as in the paper and
    ``tf.nn.local_response_normalization`` with ``depth_radius=(n - 1) // 2``; PyTorch's
    ``LocalResponseNorm`` divides it). Written with ``keras.ops`` so it runs on every
    backend; it has no weights.

    Args:
        size: ``n``, the odd number of adjacent maps summed over.
        k: the additive constant.
        alpha: the scale of the sum of squares.
        beta: the exponent.

    Example:
        >>> y = LocalResponseNormalization()(keras.ops.ones((1, 8, 8, 96)))
    """

    def __init__(self, size=5, k=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1 or size % 2 == 0:
            raise ValueError(f"size must be a positive odd int; Received: size={size!r}")
        self.size, self.k, self.alpha, self.beta = size, float(k), float(alpha), float(beta)

    def call(self, inputs):
        channels = inputs.shape[-1]
        radius = (self.size - 1) // 2
        squares = keras.ops.pad(keras.ops.square(inputs), [(0, 0)] * (len(inputs.shape) - 1) + [(radius, radius)])
        window = squares[..., 0:channels]
        for i in range(1, self.size):
            window = window + squares[..., i : i + channels]
        return inputs / keras.ops.power(self.k + self.alpha * window, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "size": self.size, "k": self.k, "alpha": self.alpha, "beta": self.beta}
