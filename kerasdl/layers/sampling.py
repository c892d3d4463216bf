"""Layers of variational autoencoders: the reparameterised latent sample and the decoder's output model.

:class:`GaussianSampling` draws ``z ~ q(z|x) = N(mean, exp(log_var))`` by the
reparameterisation trick and adds ``KL(q(z|x) || N(0, I))`` to the model's losses;
:class:`DecoderLikelihood` is the decoder's last layer, a float32 sigmoid that also records
which observation model (Bernoulli or fixed-variance Gaussian) the outputs parameterise, so a
reloaded ``.keras`` file still says how to score it. Both follow "Auto-Encoding Variational
Bayes" (Kingma and Welling, 2014).
"""

import keras
from keras import ops

from kerasdl.losses.likelihood import check_likelihood


def _check_kl_weight(kl_weight):
    if isinstance(kl_weight, bool) or not isinstance(kl_weight, (int, float)) or not kl_weight >= 0:
        raise ValueError(f"kl_weight must be a non-negative float; Received: kl_weight={kl_weight!r}")


def gaussian_kl(z_mean, z_log_var):
    """``KL(N(mean, exp(log_var)) || N(0, I))`` per example, in closed form.

    ``-0.5 * sum(1 + log_var - mean**2 - exp(log_var))`` over the latent dimensions
    (Kingma and Welling, 2014, appendix B).

    Args:
        z_mean: the posterior means, ``(batch, latent_dim)``.
        z_log_var: the posterior log-variances, same shape.

    Returns:
        A float32 tensor ``(batch,)`` of divergences in nats.

    Example:
        >>> [float(v) for v in gaussian_kl(keras.ops.ones((2, 3)), keras.ops.zeros((2, 3)))]  # 0.5 * sum(mean**2)
        [1.5, 1.5]
    """
    mean = ops.cast(z_mean, "float32")
    log_var = ops.cast(z_log_var, "float32")
    terms = 1.0 + log_var - ops.square(mean) - ops.exp(log_var)
    return -0.5 * ops.sum(ops.reshape(terms, (ops.shape(terms)[0], -1)), axis=-1)


@keras.saving.register_keras_serializable(package="kerasdl")
class GaussianSampling(keras.layers.Layer):
    """Samples ``z = mean + exp(0.5 * log_var) * eps``, ``eps ~ N(0, I)``, and adds the KL term to the losses.

    The reparameterisation trick of "Auto-Encoding Variational Bayes" (Kingma and Welling,
    2014): the sample is a differentiable function of the encoder's outputs, so the ELBO's
    reconstruction term back-propagates into the encoder. The layer also records
    ``kl_weight * mean over the batch of KL(q(z|x) || N(0, I))`` (:func:`gaussian_kl`) with
    ``add_loss``, on every call, training or not, so ``fit`` and ``evaluate`` add it to the
    reconstruction loss: the total is the negative ELBO per example (``kl_weight=1``; other
    weights give the beta-VAE objective of Higgins et al., 2017).

    In training the layer samples; otherwise it returns the mean, like ``Dropout`` turning
    itself off, so ``predict`` reconstructs deterministically and ``evaluate`` scores the
    reconstruction at the posterior mean plus the KL term.

    Args:
        kl_weight: the KL term's weight, at least 0.
        seed: optional int for reproducible noise.

    Call arguments:
        inputs: ``[z_mean, z_log_var]``, each ``(batch, latent_dim)``.
        training: whether to sample (``True``) or return ``z_mean``.

    Example:
        >>> layer = GaussianSampling(seed=0)
        >>> z = layer([keras.ops.ones((4, 2)), keras.ops.zeros((4, 2))], training=True)  # N(1, I) draws
        >>> float(layer.losses[0])  # KL(N(1, I) || N(0, I)) = 0.5 * 2
        1.0
    """

    def __init__(self, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_kl_weight(kl_weight)
        self.kl_weight = float(kl_weight)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._build_at_init()

    def call(self, inputs, training=False):
        z_mean, z_log_var = inputs
        self.add_loss(self.kl_weight * ops.mean(gaussian_kl(z_mean, z_log_var)))
        if not training:
            return z_mean
        eps = keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}


@keras.saving.register_keras_serializable(package="kerasdl")
class DecoderLikelihood(keras.layers.Layer):
    """A VAE decoder's output: a float32 sigmoid that records the observation model it parameterises.

    The outputs are Bernoulli probabilities (``likelihood="bernoulli"``) or the means of
    Gaussians of fixed standard deviation ``stddev`` (``"gaussian"``), as the two decoders of
    "Auto-Encoding Variational Bayes" (Kingma and Welling, 2014); both lie in (0, 1). The
    layer's config carries ``likelihood`` and ``stddev``, so a model reloaded from ``.keras``
    still knows which :class:`~kerasdl.losses.ReconstructionNLL` scores it.

    Args:
        likelihood: ``"bernoulli"`` or ``"gaussian"``.
        stddev: the Gaussian's fixed standard deviation, a positive float.

    Example:
        >>> layer = DecoderLikelihood("gaussian", stddev=0.1)
        >>> [float(v) for v in layer(keras.ops.zeros((1, 2)))[0]]
        [0.5, 0.5]
    """

    def __init__(self, likelihood="bernoulli", stddev=0.1, **kwargs):
        kwargs.setdefault("dtype", "float32")  # full-precision outputs under mixed precision
        super().__init__(**kwargs)
        check_likelihood(likelihood, stddev)
        self.likelihood = likelihood
        self.stddev = float(stddev)
        self._build_at_init()

    def call(self, inputs):
        return ops.sigmoid(ops.cast(inputs, "float32"))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "likelihood": self.likelihood, "stddev": self.stddev}
