"""The reconstruction term of a VAE: the negative log-likelihood of the data under the decoder, in nats.

A variational autoencoder's decoder gives the parameters of ``p(x|z)`` for every pixel:
Bernoulli probabilities for binary(ised) images, or the means of Gaussians with a fixed
standard deviation for grey levels. :func:`log_likelihood` is ``log p(x|z)`` summed over an
example's pixels (what an importance-sampling estimate of ``log p(x)`` needs), and
:class:`ReconstructionNLL` its negation as a Keras loss, so ``fit`` minimises the negative
ELBO once the sampling layer adds the KL term (Kingma and Welling, 2014).
"""

import math

import keras
from keras import ops

LIKELIHOODS = ("bernoulli", "gaussian")
PROBABILITY_EPSILON = 1e-7  # Bernoulli probabilities are clipped to [eps, 1 - eps]


def check_likelihood(likelihood, stddev, *, stddev_name="stddev"):
    """Checks an observation model: ``likelihood`` in :data:`LIKELIHOODS`, ``stddev`` a positive float."""
    if likelihood not in LIKELIHOODS:
        raise ValueError(
            f"likelihood must be one of {', '.join(map(repr, LIKELIHOODS))}; Received: likelihood={likelihood!r}"
        )
    if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not stddev > 0:
        raise ValueError(f"{stddev_name} must be a positive float; Received: {stddev_name}={stddev!r}")


def log_likelihood(x, decoded, *, likelihood="bernoulli", stddev=0.1):
    """``log p(x|z)`` per example: the decoder's log-likelihood of ``x``, summed over its values.

    Bernoulli: ``sum x log p + (1 - x) log(1 - p)`` with ``p`` clipped to ``[1e-7, 1 - 1e-7]``
    (for ``x`` in [0, 1] this is minus the binary cross-entropy). Gaussian with fixed ``stddev``
    ``s``: ``sum -0.5 ((x - mu) / s)**2 - log s - 0.5 log(2 pi)``, constant included, so it is
    a true log-density and comparable across ``s``.

    Args:
        x: the data, ``(batch, ...)``, values in [0, 1].
        decoded: the decoder's output of the same shape: probabilities or means.
        likelihood: ``"bernoulli"`` or ``"gaussian"``.
        stddev: the Gaussian's standard deviation (ignored for Bernoulli).

    Returns:
        A float32 tensor ``(batch,)`` of log-likelihoods in nats.

    Example:
        >>> x = keras.ops.ones((2, 4))
        >>> values = log_likelihood(x, keras.ops.full((2, 4), 0.5), likelihood="bernoulli")
        >>> [round(float(v), 4) for v in values]  # 4 log 0.5 each
        [-2.7726, -2.7726]
    """
    check_likelihood(likelihood, stddev)
    x = ops.cast(x, "float32")
    decoded = ops.cast(decoded, "float32")
    if likelihood == "bernoulli":
        p = ops.clip(decoded, PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)
        values = x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p)
    else:
        s = float(stddev)
        values = -0.5 * ops.square((x - decoded) / s) - (math.log(s) + 0.5 * math.log(2.0 * math.pi))
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


@keras.saving.register_keras_serializable(package="kerasdl")
class ReconstructionNLL(keras.losses.Loss):
    """Negative log-likelihood of the target under the decoder's output, summed over each example's values.

    The reconstruction term of the negative ELBO of "Auto-Encoding Variational Bayes"
    (Kingma and Welling, 2014), ``-log p(x|z)`` in nats, for a Bernoulli or a fixed-variance
    Gaussian decoder (see :func:`log_likelihood`). The sum over pixels, rather than Keras'
    usual mean, keeps it on the KL term's scale; the batch is averaged as usual. Compile a VAE
    with it and ``fit(x, x)``: the sampling layer's KL loss makes the total the negative ELBO
    per example.

    Args:
        likelihood: ``"bernoulli"`` (the decoder gives probabilities) or ``"gaussian"`` (means).
        stddev: the Gaussian decoder's fixed standard deviation, a positive float.
        name: the loss's name.
        reduction: how per-example values are reduced; the batch mean by default.

    Example:
        >>> loss = ReconstructionNLL(likelihood="gaussian", stddev=0.1)
        >>> x = keras.ops.zeros((2, 8, 8, 1))
        >>> round(float(loss(x, x)), 2)  # 64 pixels * (log 0.1 + 0.5 log(2 pi))
        -88.55
    """

    def __init__(
        self, likelihood="bernoulli", stddev=0.1, name="reconstruction_nll", reduction="sum_over_batch_size", **kwargs
    ):
        super().__init__(name=name, reduction=reduction, **kwargs)
        check_likelihood(likelihood, stddev)
        self.likelihood = likelihood
        self.stddev = float(stddev)

    def call(self, y_true, y_pred):
        return -log_likelihood(y_true, y_pred, likelihood=self.likelihood, stddev=self.stddev)

    def get_config(self):
        return {**super().get_config(), "likelihood": self.likelihood, "stddev": self.stddev}
