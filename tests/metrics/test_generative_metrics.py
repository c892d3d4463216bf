"""Generative-model measures checked against closed forms: exact likelihoods, Gaussian Frechet distances."""

import keras
import numpy as np
import pytest
from scipy.stats import multivariate_normal

from kerasdl.apps.generation.judge import Judge, classification_accuracy_score, judge_model, sample_quality
from kerasdl.metrics import GaussianMixtureBaseline, frechet_distance, importance_sampled_nll

# A linear-Gaussian decoder p(z) = N(0, I), p(x | z) = N(W z + b, s^2 I): x ~ N(b, W W^T + s^2 I) exactly.
# W's columns are orthogonal, so the exact posterior q(z | x) is a diagonal Gaussian an encoder can output.
X_DIM, Z_DIM, STDDEV = 4, 2, 0.5


def _linear_gaussian(seed=0, classes=1):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(X_DIM, Z_DIM)))
    kernel = q * np.array([1.5, 0.8])
    biases = rng.normal(scale=0.3, size=(classes, X_DIM))
    posterior_var = 1.0 / (1.0 + np.sum(kernel**2, axis=0) / STDDEV**2)
    to_mean = kernel * posterior_var / STDDEV**2  # E[z | x] = (x - b) @ to_mean
    return kernel, biases, posterior_var, to_mean


def _dense(inputs, kernel, bias):
    layer = keras.layers.Dense(kernel.shape[1])
    outputs = layer(inputs)
    layer.set_weights([kernel.astype("float32"), bias.astype("float32")])
    return outputs


def _models(scale=1.0, shift=0.0, widen=0.0):
    """Decoder, and an encoder q(z|x) = N(scale * exact mean + shift, exp(widen) * exact variance)."""
    kernel, biases, posterior_var, to_mean = _linear_gaussian()
    z = keras.Input((Z_DIM,))
    decoder = keras.Model(z, _dense(z, kernel.T, biases[0]))
    x = keras.Input((X_DIM,))
    z_mean = _dense(x, to_mean * scale, -biases[0] @ to_mean * scale + shift)
    z_log_var = _dense(x, np.zeros((X_DIM, Z_DIM)), np.log(posterior_var) + widen)
    return keras.Model(x, [z_mean, z_log_var]), decoder


def _marginal(bias):
    kernel = _linear_gaussian()[0]
    return multivariate_normal(bias, kernel @ kernel.T + STDDEV**2 * np.eye(X_DIM))


def _data(n, seed=1):
    """``n`` vectors from the model's marginal, and their exact ``-log p(x)``."""
    marginal = _marginal(_linear_gaussian()[1][0])
    x = marginal.rvs(n, random_state=seed).reshape(n, X_DIM).astype("float32")
    return x, -np.atleast_1d(marginal.logpdf(x))


@pytest.mark.parametrize("samples", [1, 10, 100])
def test_exact_posterior_gives_the_exact_nll_at_any_k(samples):
    encoder, decoder = _models()
    x, exact = _data(6)
    nll = importance_sampled_nll(encoder, decoder, x, samples=samples, likelihood="gaussian", stddev=STDDEV)
    assert nll.shape == (6,) and nll.dtype == np.float64
    np.testing.assert_allclose(nll, exact, rtol=1e-5)


def test_poor_posterior_is_an_upper_bound_that_tightens_with_k():
    encoder, decoder = _models(scale=0.8, shift=0.2, widen=0.7)
    x, exact = _data(1)
    copies = np.repeat(x, 200, axis=0)  # the mean over copies is the expected estimate at that k
    kwargs = {"likelihood": "gaussian", "stddev": STDDEV}
    gaps = [
        importance_sampled_nll(encoder, decoder, copies, samples=k, **kwargs).mean() - exact[0] for k in (1, 10, 100)
    ]
    assert gaps[0] > 0.05 * abs(exact[0])  # k=1 is the negative ELBO, well above -log p(x)
    assert gaps[0] > gaps[1] > gaps[2] > 0
    x, exact = _data(5, seed=2)
    nll = importance_sampled_nll(encoder, decoder, x, samples=5000, **kwargs)
    np.testing.assert_allclose(nll, exact, rtol=0.01)


def test_seeded_and_chunked():
    encoder, decoder = _models(scale=0.8, shift=0.2, widen=0.7)
    x, _ = _data(5)
    kwargs = {"samples": 10, "likelihood": "gaussian", "stddev": STDDEV}
    first = importance_sampled_nll(encoder, decoder, x, seed=3, **kwargs)
    np.testing.assert_array_equal(first, importance_sampled_nll(encoder, decoder, x, seed=3, **kwargs))
    assert not np.allclose(first, importance_sampled_nll(encoder, decoder, x, seed=4, **kwargs))
    # batch_size=7 < samples: one image at a time, its samples decoded in chunks of 7 and 3.
    exact_encoder, _ = _models()
    chunked = importance_sampled_nll(exact_encoder, decoder, x, batch_size=7, progress=True, **kwargs)
    np.testing.assert_allclose(chunked, -_marginal(_linear_gaussian()[1][0]).logpdf(x), rtol=1e-5)


def test_conditional_vae_with_image_shaped_data():
    """Labels reach encoder and decoder (tiled over samples); images (n, 2, 2, 1) sum over all pixels."""
    classes = 3
    kernel, biases, posterior_var, to_mean = _linear_gaussian(classes=classes)

    def embedding(label, table):
        layer = keras.layers.Embedding(classes, table.shape[1])
        outputs = keras.layers.Flatten()(layer(label))
        layer.set_weights([table.astype("float32")])
        return outputs

    z, label = keras.Input((Z_DIM,)), keras.Input((1,), dtype="int32")
    mean = keras.layers.Add()([_dense(z, kernel.T, np.zeros(X_DIM)), embedding(label, biases)])
    decoder = keras.Model([z, label], keras.layers.Reshape((2, 2, 1))(mean))
    image, label_in = keras.Input((2, 2, 1)), keras.Input((1,), dtype="int32")
    flat = keras.layers.Flatten()(image)
    z_mean = keras.layers.Add()([_dense(flat, to_mean, np.zeros(Z_DIM)), embedding(label_in, -biases @ to_mean)])
    z_log_var = _dense(flat, np.zeros((X_DIM, Z_DIM)), np.log(posterior_var))
    encoder = keras.Model([image, label_in], [z_mean, z_log_var])

    labels = np.array([0, 1, 2, 2, 1])
    x = np.stack([_marginal(biases[c]).rvs(random_state=i) for i, c in enumerate(labels)]).astype("float32")
    exact = -np.array([_marginal(biases[c]).logpdf(v) for c, v in zip(labels, x)])
    nll = importance_sampled_nll(
        encoder, decoder, x.reshape(-1, 2, 2, 1), labels, samples=8, batch_size=12, likelihood="gaussian", stddev=STDDEV
    )
    np.testing.assert_allclose(nll, exact, rtol=1e-5)


def test_bernoulli_with_a_latent_free_decoder():
    """q = p(z) and p(x|z) = Bernoulli(p) for every z: every weight is p(x), so -log p(x) exactly."""
    probabilities = np.array([0.9, 0.2, 0.5, 1.0, 0.0, 0.7])
    x_in = keras.Input((2, 3))
    flat = keras.layers.Flatten()(x_in)
    encoder = keras.Model(
        x_in, [_dense(flat, np.zeros((6, 2)), np.zeros(2)), _dense(flat, np.zeros((6, 2)), np.zeros(2))]
    )
    z = keras.Input((2,))
    # A constant output through a zero kernel; the sigmoid is skipped by writing p into the bias.
    decoder = keras.Model(z, keras.layers.Reshape((2, 3))(_dense(z, np.zeros((2, 6)), probabilities)))
    x = np.array([[[1, 0, 1], [1, 0, 0]], [[0, 1, 0], [1, 1, 1]]], dtype="float32")
    p = np.clip(probabilities, 1e-7, 1 - 1e-7).reshape(2, 3)
    exact = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2))
    np.testing.assert_allclose(importance_sampled_nll(encoder, decoder, x, samples=50), exact, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"samples": 0}, "samples must be a positive int"),
        ({"likelihood": "poisson"}, "likelihood must be one of"),
        ({"stddev": 0.0}, "stddev must be positive"),
        ({"labels": np.zeros(3, int)}, "labels must be 6 integers"),
    ],
)
def test_nll_arguments_are_checked(kwargs, message):
    encoder, decoder = _models()
    with pytest.raises(ValueError, match=message):
        importance_sampled_nll(encoder, decoder, _data(6)[0], **kwargs)


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(0)
    mean_a, mean_b = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 0.0])
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
    a = rng.normal(mean_a, np.sqrt(var_a), size=(40_000, 3))
    b = rng.normal(mean_b, np.sqrt(var_b), size=(40_000, 3))
    exact = np.sum((mean_a - mean_b) ** 2) + np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b))
    assert frechet_distance(a, b) == pytest.approx(exact, rel=0.03)
    assert frechet_distance(b, a) == pytest.approx(frechet_distance(a, b), rel=1e-6)
    # Same distribution, independent samples: small against the spread of the features.
    assert frechet_distance(a, rng.normal(mean_a, np.sqrt(var_a), size=(40_000, 3))) < 0.01 * var_a.sum()


def test_frechet_distance_of_a_set_with_itself_is_zero():
    features = np.random.default_rng(1).normal(size=(500, 16)) * 10.0
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6 * np.var(features) * 16)


def test_frechet_distance_with_singular_covariances():
    """Fewer samples than dimensions: the product is singular; the eps fallback keeps it finite and real."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(5, 20)), rng.normal(size=(6, 20)) + 1.0
    value = frechet_distance(a, b)
    assert np.isfinite(value) and value > 0
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-3 * np.var(a) * 20)


@pytest.mark.parametrize(
    "a, b, message",
    [
        (np.zeros((5, 3)), np.zeros((5, 4)), "same width"),
        (np.zeros((1, 3)), np.zeros((5, 3)), "features_a must be"),
        (np.zeros((5, 3)), np.zeros(5), "features_b must be"),
    ],
)
def test_frechet_distance_arguments_are_checked(a, b, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(a, b)


def _two_class_images(n, seed):
    """8x8 grey images: class 0 bright on the left half, class 1 on the right, with noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.uniform(0.0, 0.3, size=(n, 8, 8, 1))
    images[labels == 0, :, :4] += 0.6
    images[labels == 1, :, 4:] += 0.6
    return np.clip(images, 0.0, 1.0).astype("float32"), labels


def test_gaussian_mixture_baseline_unconditional():
    images, _ = _two_class_images(60, seed=0)
    baseline = GaussianMixtureBaseline(pca_components=10, mixture_components=3).fit(images)
    samples = baseline.sample(25, seed=1)
    assert samples.shape == (25, 8, 8, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    np.testing.assert_array_equal(samples, baseline.sample(25, seed=1))
    assert not np.allclose(samples, baseline.sample(25, seed=2))
    # Mixed classes, not one component's block: both halves are bright on average.
    assert abs(samples.mean() - images.mean()) < 0.1 * images.mean()


def test_gaussian_mixture_baseline_conditional_samples_look_like_their_class():
    images, labels = _two_class_images(80, seed=0)
    baseline = GaussianMixtureBaseline(pca_components=20, mixture_components=4).fit(images, labels, conditional=True)
    class_means = np.stack([images[labels == c].mean(axis=0) for c in (0, 1)])
    for c in (0, 1):
        mean = baseline.sample(40, labels=c, seed=c).mean(axis=0)
        distances = np.linalg.norm((class_means - mean).reshape(2, -1), axis=1)
        assert distances[c] < 0.5 * distances[1 - c]
    mixed = baseline.sample(4, labels=np.array([1, 0, 1, 0]))
    assert np.all(mixed[[1, 3], :, :4].mean(axis=(1, 2, 3)) > mixed[[1, 3], :, 4:].mean(axis=(1, 2, 3)))


def test_gaussian_mixture_baseline_clamps_components_to_the_data():
    images, labels = _two_class_images(5, seed=0)
    baseline = GaussianMixtureBaseline(pca_components=40, mixture_components=10).fit(images, labels, conditional=True)
    assert baseline.pca_components_ == 5  # 5 images
    assert baseline.mixture_components_ == {0: 3, 1: 2}
    assert baseline.sample(3, labels=1).shape == (3, 8, 8, 1)


def test_gaussian_mixture_baseline_arguments_are_checked():
    images, labels = _two_class_images(10, seed=0)
    with pytest.raises(ValueError, match="needs labels"):
        GaussianMixtureBaseline().fit(images, conditional=True)
    with pytest.raises(ValueError, match="not fitted"):
        GaussianMixtureBaseline().sample(2)
    with pytest.raises(ValueError, match="takes no labels"):
        GaussianMixtureBaseline().fit(images).sample(2, labels=0)
    conditional = GaussianMixtureBaseline().fit(images, labels, conditional=True)
    with pytest.raises(ValueError, match="needs labels"):
        conditional.sample(2)
    with pytest.raises(ValueError, match=r"classes seen in fit \[0, 1\]; Received: \[7\]"):
        conditional.sample(2, labels=7)
    with pytest.raises(ValueError, match="pca_components must be a positive int"):
        GaussianMixtureBaseline(pca_components=0)


@pytest.fixture(scope="module")
def judge():
    images, labels = _two_class_images(200, seed=0)
    return Judge.train(images, labels, classes=2, steps=30, batch_size=32)


@pytest.mark.parametrize("shape, first", [((8, 8, 1), "resize"), ((28, 28, 1), "pad"), ((32, 32, 3), "c1")])
def test_judge_model_brings_images_to_lenet_size(shape, first):
    model = judge_model(shape, classes=3)
    assert model.input_shape == (None, *shape) and model.output_shape == (None, 3)
    assert model.layers[1].name == first
    assert model.get_layer("f6").output.shape == (None, 84)


def test_judge_classifies_and_gives_f6_features(judge):
    images, labels = _two_class_images(60, seed=1)
    assert judge.classes == 2 and judge.image_shape == (8, 8, 1)
    assert judge.accuracy(images, labels) > 0.9
    assert judge.predict_labels(images).shape == (60,)
    assert judge.features(images).shape == (60, 84)
    with pytest.raises(ValueError, match=r"must be \(8, 8, 1\) images"):
        judge.features(np.zeros((2, 28, 28, 1), "float32"))


def test_judge_save_and_load(judge, tmp_path):
    images, _ = _two_class_images(10, seed=2)
    path = judge.save(tmp_path / "judges" / "judge.keras")
    assert sorted(p.name for p in path.parent.iterdir()) == ["judge.keras"]  # no temporary file left
    loaded = Judge.load(path)
    scale = np.abs(judge.features(images)).max()
    np.testing.assert_allclose(loaded.features(images), judge.features(images), atol=1e-5 * scale)
    np.testing.assert_array_equal(loaded.predict_labels(images), judge.predict_labels(images))
    with pytest.raises(ValueError, match="must end in .keras"):
        judge.save(tmp_path / "judge.h5")


def test_sample_quality(judge):
    real, _ = _two_class_images(100, seed=3)
    good, good_labels = _two_class_images(100, seed=4)
    noise = np.random.default_rng(5).uniform(size=(100, 8, 8, 1)).astype("float32")
    result = sample_quality(judge, good, real, generated_labels=good_labels)
    assert set(result) == {"frechet_distance", "label_accuracy"}
    assert result["label_accuracy"] > 0.9
    assert result["frechet_distance"] < 0.2 * sample_quality(judge, noise, real)["frechet_distance"]
    assert sample_quality(judge, 1.0 - good, real, generated_labels=good_labels)["label_accuracy"] < 0.1


def test_judge_arguments_are_checked():
    images, labels = _two_class_images(10, seed=0)
    with pytest.raises(ValueError, match="give epochs or steps, not both"):
        Judge.train(images, labels, classes=2, epochs=1, steps=1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        Judge.train(images, labels + 1, classes=2, steps=1)
    with pytest.raises(ValueError, match="images must be a non-empty float array"):
        Judge.train(images[..., 0], labels, classes=2, steps=1)


def test_classification_accuracy_score():
    generated, generated_labels = _two_class_images(100, seed=6)
    real, real_labels = _two_class_images(60, seed=7)
    score = classification_accuracy_score(generated, generated_labels, real, real_labels, classes=2, steps=30)
    assert score > 0.9
    # Generated with the labels swapped: a classifier of them is wrong on real images.
    swapped = classification_accuracy_score(generated, 1 - generated_labels, real, real_labels, classes=2, steps=30)
    assert swapped < 0.1
