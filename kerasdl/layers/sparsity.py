"""The KL-divergence sparsity penalty of sparse autoencoders (Ng, "Sparse autoencoder", CS294A notes)."""

import keras


def _check_target(target):
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
        raise ValueError(f"target must be a float in (0, 1); Received: target={target!r}")


def _check_weight(weight):
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
        raise ValueError(f"weight must be a non-negative float; Received: weight={weight!r}")


def kl_sparsity(activations, target):
    """``sum_j KL(rho || rho_hat_j)``: how far each unit's mean activation is from ``target``.

    ``rho_hat_j`` is unit ``j``'s activation averaged over the batch (and any spatial
    axes); the sum runs over the last axis. The means are clipped to
    ``[epsilon, 1 - epsilon]``, so saturated units give a large but finite penalty.

    Args:
        activations: a tensor of values in (0, 1) (sigmoid units), units on the last axis.
        target: the sparsity parameter ``rho``, the desired mean activation.

    Returns:
        A float32 scalar tensor.

    Example:
        >>> float(kl_sparsity(keras.ops.full((4, 3), 0.05), 0.05))
        0.0
    """
    x = keras.ops.cast(activations, "float32")
    eps = keras.config.epsilon()
    rho_hat = keras.ops.clip(keras.ops.mean(x, axis=tuple(range(len(x.shape) - 1))), eps, 1.0 - eps)
    rho = float(target)
    kl = rho * keras.ops.log(rho / rho_hat) + (1.0 - rho) * keras.ops.log((1.0 - rho) / (1.0 - rho_hat))
    return keras.ops.sum(kl)


@keras.saving.register_keras_serializable(package="kerasdl")
class KLSparsity(keras.layers.Layer):
    """Identity layer that adds ``weight * sum_j KL(target || mean activation of unit j)`` to the losses.

    The sparsity penalty of Andrew Ng's "Sparse autoencoder" (CS294A lecture notes, 2011),
    ``beta * sum_j KL(rho || rho_hat_j)``, where ``rho_hat_j`` is the mean activation of
    hidden unit ``j`` over the batch. Put it after a sigmoid layer; the penalty pushes each
    unit to be active on about a fraction ``target`` of the inputs.

    A layer that calls ``add_loss`` rather than an ``activity_regularizer``: Keras divides
    activity-regulariser losses by the batch size, which is right for per-example penalties
    such as L1 but would make this batch statistic weaker the larger the batch. Like
    activity regularisers, the penalty is recorded on every call, training or not.

    Args:
        target: the sparsity parameter ``rho`` in (0, 1), e.g. 0.05.
        weight: the penalty's weight ``beta``, at least 0.

    Example:
        >>> layer = KLSparsity(target=0.05, weight=1e-2)
        >>> y = layer(keras.ops.full((8, 16), 0.5))  # y equals the input
        >>> penalty = layer.losses[0]  # 1e-2 * 16 * KL(0.05 || 0.5)
    """

    def __init__(self, target=0.05, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        _check_target(target)
        _check_weight(weight)
        self.target = float(target)
        self.weight = float(weight)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        self.add_loss(self.weight * kl_sparsity(inputs, self.target))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "target": self.target, "weight": self.weight}
