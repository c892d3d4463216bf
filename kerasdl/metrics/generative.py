"""Measures of generative models: importance-sampled likelihood, Frechet distance, a GMM baseline.

``importance_sampled_nll`` scores a VAE by the likelihood it gives held-out images (Burda,
Grosse and Salakhutdinov 2016); ``frechet_distance`` compares two sets of features, as FID
does (Heusel et al. 2017); ``GaussianMixtureBaseline`` is the classical model those numbers
are read beside: PCA, then a Gaussian mixture on the coefficients.
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
from scipy import linalg, special

LIKELIHOODS = ("bernoulli", "gaussian")
BERNOULLI_EPSILON = 1e-7  # probabilities are clipped to [eps, 1 - eps] before the log
_LOG_2PI = math.log(2.0 * math.pi)


def _check_positive_int(value, argument):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{argument} must be a positive int; Received: {argument}={value!r}")
    return int(value)


def _check_labels(labels, n):
    """Integer labels as an ``(n,)`` array, or ``None``."""
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers, one per image; Received: labels with shape {labels.shape}")
    return labels


def _log_likelihood(x, decoded, *, likelihood, stddev):
    """``log p(x | z)`` summed over all but the first two axes of ``decoded`` ``(samples, images, ...)``."""
    if likelihood == "bernoulli":
        p = keras.ops.clip(decoded, BERNOULLI_EPSILON, 1.0 - BERNOULLI_EPSILON)
        terms = x * keras.ops.log(p) + (1.0 - x) * keras.ops.log(1.0 - p)
    else:
        terms = -0.5 * keras.ops.square((x - decoded) / stddev) - (math.log(stddev) + 0.5 * _LOG_2PI)
    return keras.ops.sum(keras.ops.reshape(terms, (*decoded.shape[:2], -1)), axis=-1)


def _standard_normal_logpdf(values):
    """Log density of independent standard normals, summed over the last axis."""
    return -0.5 * np.sum(values**2, axis=-1) - 0.5 * values.shape[-1] * _LOG_2PI


def importance_sampled_nll(
    encoder,
    decoder,
    images,
    labels=None,
    *,
    samples=1000,
    likelihood="bernoulli",
    stddev=0.1,
    batch_size=4096,
    seed=0,
    progress=False,
):
    """Per-image negative log-likelihood of a VAE, in nats, by importance sampling.

    The bound of "Importance Weighted Autoencoders" (Burda, Grosse and Salakhutdinov, 2016):
    ``-log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x)`` with ``z_1 .. z_k ~ q(z | x)``
    and ``p(z) = N(0, I)``. With ``samples=1`` it is the negative ELBO; it decreases
    towards ``-log p(x)`` as ``samples`` grows (5,000 is the paper's MNIST protocol).
    The mean is taken in log space (``scipy.special.logsumexp``). Images are encoded a
    batch at a time and their samples decoded in chunks, so memory is bounded by
    ``batch_size`` whatever the number of images and samples.

    Args:
        encoder: a Keras model from images (or ``[images, labels]`` when ``labels`` is
            given, labels int32 ``(n, 1)``) to ``[z_mean, z_log_var, ...]`` (further
            outputs, such as a sampled ``z``, are ignored): a diagonal Gaussian ``q(z|x)``.
        decoder: a Keras model from ``z`` (or ``[z, labels]``) to Bernoulli probabilities or
            Gaussian means with as many values per example as an image has.
        images: array ``(n, ...)``; the log-likelihood sums over every non-batch axis.
        labels: optional integer labels ``(n,)`` for a conditional VAE.
        samples: importance samples ``k`` per image.
        likelihood: ``"bernoulli"`` (images in [0, 1], probabilities clipped to
            ``[1e-7, 1 - 1e-7]``) or ``"gaussian"`` (fixed ``stddev``, with its
            ``0.5 log(2 pi)`` constant, so values are comparable across models).
        stddev: the Gaussian decoder's standard deviation.
        batch_size: the most latents decoded in one call (images times samples): the
            memory bound. Images are encoded ``batch_size // samples`` at a time (at least one).
        seed: seed of the latent draws; the same seed gives the same estimate.
        progress: whether to show a ``keras.utils.Progbar`` over the images.

    Returns:
        Float64 array ``(n,)`` of ``-log p(x)`` estimates, in nats.

    Example:
        >>> nll = importance_sampled_nll(vae.encoder, vae.decoder, x_test, samples=5000)  # doctest: +SKIP
        >>> float(nll.mean())  # doctest: +SKIP
        86.8
    """
    samples = _check_positive_int(samples, "samples")
    batch_size = _check_positive_int(batch_size, "batch_size")
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}; Received: likelihood={likelihood!r}")
    if not stddev > 0:
        raise ValueError(f"stddev must be positive; Received: stddev={stddev!r}")
    images = np.asarray(images, dtype="float32")
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch (n, ...); Received: images with shape {images.shape}")
    n = len(images)
    labels = _check_labels(labels, n)
    per_batch = min(n, max(1, batch_size // samples))
    chunk = min(samples, max(1, batch_size // per_batch))
    rng = np.random.default_rng(seed)
    bar = keras.utils.Progbar(n, unit_name="image") if progress else None
    nll = np.empty(n)
    for start in range(0, n, per_batch):
        x = images[start : start + per_batch]
        label = None if labels is None else labels[start : start + per_batch, None].astype("int32")
        moments = encoder(x if label is None else [x, label], training=False)
        z_mean, z_log_var = (keras.ops.convert_to_numpy(m).astype("float64") for m in moments[:2])
        log_weights = np.empty((samples, len(x)))
        for first in range(0, samples, chunk):
            count = min(chunk, samples - first)
            eps = rng.standard_normal((count, *z_mean.shape))
            z = z_mean + np.exp(0.5 * z_log_var) * eps
            log_q = _standard_normal_logpdf(eps) - 0.5 * np.sum(z_log_var, axis=-1)
            flat = z.reshape(-1, z.shape[-1]).astype("float32")
            decoded = decoder(flat if label is None else [flat, np.tile(label, (count, 1))], training=False)
            decoded = keras.ops.reshape(keras.ops.cast(decoded, "float32"), (count, *x.shape))
            log_px = _log_likelihood(x[None], decoded, likelihood=likelihood, stddev=stddev)
            log_weights[first : first + count] = keras.ops.convert_to_numpy(log_px) + _standard_normal_logpdf(z) - log_q
        nll[start : start + len(x)] = math.log(samples) - special.logsumexp(log_weights, axis=0)
        if bar is not None:
            bar.update(start + len(x))
    return nll


def _moments(features, argument):
    features = np.asarray(features, dtype="float64")
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(
            f"{argument} must be (n, d) with at least 2 rows; Received: {argument} with shape {features.shape}"
        )
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def frechet_distance(features_a, features_b, *, eps=1e-6) -> float:
    """Frechet distance between Gaussians fitted to two sets of features (FID on Inception features).

    From "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
    Equilibrium" (Heusel et al., 2017): ``||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``,
    the square root by ``scipy.linalg.sqrtm`` and its real part kept. When the product is
    singular (fewer samples than dimensions) and the root is not accurate, ``eps`` is added
    to both diagonals and the root taken again, as the reference implementations do.

    Args:
        features_a: array ``(n_a, d)``.
        features_b: array ``(n_b, d)``.
        eps: the diagonal offset of the fallback.

    Returns:
        The distance, a float >= 0 (round-off below zero is clipped).

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> round(frechet_distance(rng.normal(0, 1, (5000, 2)), rng.normal(1, 1, (5000, 2))), 1)
        2.0
    """
    mu_a, cov_a = _moments(features_a, "features_a")
    mu_b, cov_b = _moments(features_b, "features_b")
    if mu_a.shape != mu_b.shape:
        raise ValueError(
            f"features_a and features_b must have the same width; Received: {mu_a.shape[0]} and {mu_b.shape[0]}"
        )

    def root(a, b):
        product = a @ b
        with warnings.catch_warnings():  # a singular product is handled below, by the eps fallback
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            value = linalg.sqrtm(product)
        scale = max(linalg.norm(product), np.finfo(float).tiny)
        return value, np.isfinite(value).all() and linalg.norm(value @ value - product) / scale < 1e-5

    covmean, accurate = root(cov_a, cov_b)
    if not accurate:
        offset = eps * np.eye(len(mu_a))
        covmean, _ = root(cov_a + offset, cov_b + offset)
    diff = mu_a - mu_b
    value = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(np.real(covmean))
    return max(float(value), 0.0)


class GaussianMixtureBaseline:
    """The classical generative baseline: PCA, then a Gaussian mixture on the coefficients.

    Images are flattened and projected by scikit-learn's ``PCA`` (no whitening); a
    ``GaussianMixture`` (Dempster, Laird and Rubin 1977, EM) is fitted to the coefficients,
    one per class when ``conditional``. Sampling draws coefficients from the mixture and
    maps them back with the inverse PCA, clipped to [0, 1]. Component counts larger than
    the data allows are reduced to it (PCA: the number of images or pixels; a mixture: its
    number of images), and the counts used are kept as ``pca_components_`` and
    ``mixture_components_``.

    Args:
        pca_components: PCA components kept.
        mixture_components: Gaussians per mixture.
        covariance_type: the mixture's ``covariance_type`` (``"full"``, ``"diag"``, ...).
        seed: the seed of PCA's and EM's initialisation.

    Example:
        >>> baseline = GaussianMixtureBaseline(pca_components=20).fit(x_train, y_train, conditional=True)  # doctest: +SKIP
        >>> images = baseline.sample(10, labels=np.arange(10))  # doctest: +SKIP
    """

    def __init__(self, *, pca_components=40, mixture_components=10, covariance_type="full", seed=0):
        self.pca_components = _check_positive_int(pca_components, "pca_components")
        self.mixture_components = _check_positive_int(mixture_components, "mixture_components")
        self.covariance_type = covariance_type
        self.seed = seed

    def fit(self, images, labels=None, *, conditional=False) -> GaussianMixtureBaseline:
        """Fits the PCA on all images, then one mixture (or one per class when ``conditional``).

        Args:
            images: float array ``(n, h, w, c)`` (any ``(n, ...)``) in [0, 1].
            labels: integer labels ``(n,)``; needed when ``conditional``.
            conditional: whether to fit one mixture per class.

        Returns:
            ``self``.
        """
        from sklearn.decomposition import PCA
        from sklearn.mixture import GaussianMixture

        images = np.asarray(images, dtype="float32")
        if images.ndim < 2 or len(images) < 2:
            raise ValueError(f"images must be at least 2 examples (n, ...); Received: images with shape {images.shape}")
        labels = _check_labels(labels, len(images))
        if conditional and labels is None:
            raise ValueError("conditional=True fits one mixture per class, so it needs labels; Received: labels=None")
        flat = images.reshape(len(images), -1)
        self.image_shape_ = images.shape[1:]
        self.conditional_ = bool(conditional)
        self.pca_components_ = min(self.pca_components, *flat.shape)
        self.pca_ = PCA(n_components=self.pca_components_, whiten=False, random_state=self.seed)
        coefficients = self.pca_.fit_transform(flat)
        groups = {int(c): coefficients[labels == c] for c in np.unique(labels)} if conditional else {None: coefficients}
        self.classes_ = np.array(sorted(groups)) if conditional else None
        self.mixtures_, self.mixture_components_ = {}, {}
        for key, values in groups.items():
            components = min(self.mixture_components, len(values))
            mixture = GaussianMixture(components, covariance_type=self.covariance_type, random_state=self.seed)
            self.mixtures_[key] = mixture.fit(values)
            self.mixture_components_[key] = components
        return self

    def _draw(self, key, count, seed):
        """``count`` coefficient vectors from one mixture, in random order (sklearn groups them by component)."""
        mixture = self.mixtures_[key]
        state = mixture.random_state
        mixture.random_state = seed
        try:
            values, _ = mixture.sample(count)
        finally:
            mixture.random_state = state
        return values[np.random.default_rng(seed).permutation(count)]

    def sample(self, n, labels=None, seed=0) -> np.ndarray:
        """Draws ``n`` images, of the given classes when the baseline is conditional.

        Args:
            n: number of images.
            labels: for a conditional baseline, one class for all (an int) or one per image
                (``(n,)``); ``None`` for an unconditional one.
            seed: the same seed gives the same images.

        Returns:
            float32 images ``(n, *image_shape)`` in [0, 1].
        """
        if not hasattr(self, "pca_"):
            raise ValueError("the baseline is not fitted yet; call fit(images) first")
        n = _check_positive_int(n, "n")
        rng = np.random.default_rng(seed)
        if not self.conditional_:
            if labels is not None:
                raise ValueError("this baseline was fitted without conditional=True, so it takes no labels")
            coefficients = self._draw(None, n, int(rng.integers(2**31)))
        else:
            if labels is None:
                raise ValueError(f"a conditional baseline needs labels (classes {self.classes_.tolist()})")
            labels = _check_labels(np.broadcast_to(labels, (n,)) if np.ndim(labels) == 0 else labels, n)
            unknown = sorted(set(np.unique(labels).tolist()) - set(self.classes_.tolist()))
            if unknown:
                raise ValueError(f"labels must be classes seen in fit {self.classes_.tolist()}; Received: {unknown}")
            coefficients = np.empty((n, self.pca_components_))
            for key in np.unique(labels):
                where = labels == key
                coefficients[where] = self._draw(int(key), int(where.sum()), int(rng.integers(2**31)))
        images = np.clip(self.pca_.inverse_transform(coefficients), 0.0, 1.0)
        return images.reshape(n, *self.image_shape_).astype("float32")
