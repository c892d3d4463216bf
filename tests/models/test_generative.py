"""VAEs and GANs: builders, the sampling layer and its KL term, the likelihood loss, the adversarial training step."""

import doctest
import math

import keras
import numpy as np
import pytest

from kerasdl import registry
from kerasdl.layers import DecoderLikelihood, GaussianSampling, gaussian_kl
from kerasdl.losses import ReconstructionNLL, log_likelihood
from kerasdl.models.generative import (
    AdversarialNetwork,
    GenerativeInfo,
    cgan,
    cvae,
    dcgan,
    gan,
    generative_info,
    generative_parts,
    vae,
    vae_likelihood,
)
from tests.testing import assert_same_outputs, run_builder_test

GENERATIVE_NAMES = ["cgan", "cvae", "dcgan", "gan", "vae"]


def images(shape, n=4, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def labels(n, classes, seed=0):
    return np.random.default_rng(seed).integers(0, classes, size=(n, 1)).astype("int32")


def numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


# --- the sampling layer and the KL term ---


def numpy_kl(mean, log_var):
    return -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)


def test_gaussian_kl_is_the_closed_form():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(numpy(gaussian_kl(mean, log_var)), numpy_kl(mean, log_var), rtol=1e-5)
    # KL(N(m, s^2) || N(0, 1)) = log(1/s) + (s^2 + m^2)/2 - 1/2, one dimension at a time.
    m, s = 0.7, 1.5
    expected = math.log(1 / s) + (s**2 + m**2) / 2 - 0.5
    np.testing.assert_allclose(numpy(gaussian_kl(np.full((1, 1), m), np.full((1, 1), 2 * math.log(s)))), [expected])


@pytest.mark.parametrize("kl_weight", [1.0, 0.25])
def test_sampling_layer_adds_the_weighted_batch_mean_of_the_kl(kl_weight):
    rng = np.random.default_rng(1)
    mean, log_var = rng.normal(size=(6, 4)).astype("float32"), rng.normal(size=(6, 4)).astype("float32")
    layer = GaussianSampling(kl_weight=kl_weight, seed=0)
    z = layer([mean, log_var], training=True)
    assert tuple(z.shape) == (6, 4)
    assert len(layer.losses) == 1 and layer.losses[0].dtype == "float32"
    np.testing.assert_allclose(numpy(layer.losses[0]), kl_weight * numpy_kl(mean, log_var).mean(), rtol=1e-5)
    # Outside training the layer returns the mean and still records the KL term.
    np.testing.assert_array_equal(numpy(layer([mean, log_var], training=False)), mean)
    assert len(layer.losses) == 1


def test_sampling_layer_draws_from_the_posterior():
    n = 20000
    mean = np.tile(np.array([[1.0, -2.0]], "float32"), (n, 1))
    log_var = np.tile(np.log(np.array([[0.25, 4.0]], "float32")), (n, 1))
    z = numpy(GaussianSampling(seed=3)([mean, log_var], training=True))
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.03)
    # Differentiable in mean and log-variance: the reparameterisation trick.
    import tensorflow as tf

    mean_t, log_var_t = tf.Variable(mean[:4]), tf.Variable(log_var[:4])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(GaussianSampling(kl_weight=0.0, seed=1)([mean_t, log_var_t], training=True))
    grads = tape.gradient(loss, [mean_t, log_var_t])
    np.testing.assert_allclose(grads[0].numpy(), 1.0)
    assert np.all(np.abs(grads[1].numpy()) > 0)


def test_layers_round_trip_their_config():
    layer = GaussianSampling(kl_weight=0.5, seed=7, name="sampling")
    again = GaussianSampling.from_config(layer.get_config())
    assert (again.kl_weight, again.seed, again.name) == (0.5, 7, "sampling")
    output = DecoderLikelihood("gaussian", stddev=0.2)
    again = DecoderLikelihood.from_config(output.get_config())
    assert (again.likelihood, again.stddev, again.dtype_policy.name) == ("gaussian", 0.2, "float32")


@pytest.mark.parametrize(
    "make, argument, value",
    [
        (lambda: GaussianSampling(kl_weight=-1), "kl_weight", "-1"),
        (lambda: DecoderLikelihood("poisson"), "likelihood", "'poisson'"),
        (lambda: DecoderLikelihood("gaussian", stddev=0), "stddev", "0"),
        (lambda: ReconstructionNLL(likelihood="normal"), "likelihood", "'normal'"),
        (lambda: ReconstructionNLL(likelihood="gaussian", stddev=-0.1), "stddev", r"-0\.1"),
    ],
)
def test_layer_and_loss_arguments_are_checked(make, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}(\W|$)"):
        make()


# --- the reconstruction likelihood ---


def test_bernoulli_nll_is_the_summed_binary_cross_entropy():
    rng = np.random.default_rng(2)
    x = (rng.random((3, 4, 4, 1)) > 0.5).astype("float32")
    x[0, 0, 0, 0] = 0.7  # grey levels too
    p = rng.random((3, 4, 4, 1)).astype("float32")
    p[1, 0, 0, 0], p[2, 1, 1, 0] = 0.0, 1.0  # clipped to [1e-7, 1 - 1e-7]
    q = np.clip(p.astype("float64"), 1e-7, 1 - 1e-7)
    expected = -np.sum(x * np.log(q) + (1 - x) * np.log(1 - q), axis=(1, 2, 3))
    np.testing.assert_allclose(numpy(log_likelihood(x, p, likelihood="bernoulli")), -expected, rtol=1e-5)
    loss = ReconstructionNLL(likelihood="bernoulli")
    np.testing.assert_allclose(numpy(loss(x, p)), expected.mean(), rtol=1e-5)
    assert np.isfinite(numpy(loss(x, p)))


def test_gaussian_nll_is_a_true_negative_log_density():
    rng = np.random.default_rng(3)
    x, mu = rng.random((2, 5)).astype("float32"), rng.random((2, 5)).astype("float32")
    s = 0.2
    expected = np.sum(0.5 * ((x - mu) / s) ** 2 + np.log(s) + 0.5 * np.log(2 * np.pi), axis=-1)
    np.testing.assert_allclose(numpy(log_likelihood(x, mu, likelihood="gaussian", stddev=s)), -expected, rtol=1e-5)
    loss = ReconstructionNLL(likelihood="gaussian", stddev=s)
    np.testing.assert_allclose(numpy(loss(x, mu)), expected.mean(), rtol=1e-5)
    # The per-example sum, not a per-pixel mean; sample weights weigh examples.
    np.testing.assert_allclose(numpy(loss(x, mu, sample_weight=np.array([1.0, 0.0]))), expected[0] / 2, rtol=1e-5)
    again = ReconstructionNLL.from_config(loss.get_config())
    assert (again.likelihood, again.stddev) == ("gaussian", s)


# --- VAE and CVAE builders ---

VAE_CASES = [
    (vae, {"input_shape": (8, 8, 1), "latent_dim": 2, "filters": (4, 8)}),
    (vae, {"input_shape": (16, 8, 3), "latent_dim": 3, "filters": (4,), "likelihood": "gaussian"}),
    (vae, {"input_shape": (6,), "latent_dim": 2, "architecture": "dense", "hidden_units": (5,)}),
    (vae, {"input_shape": (4, 4, 1), "latent_dim": 2, "architecture": "dense", "hidden_units": ()}),
    (cvae, {"input_shape": (8, 8, 1), "classes": 3, "latent_dim": 2, "filters": (4, 8)}),
    (cvae, {"input_shape": (4, 4, 1), "classes": 2, "latent_dim": 2, "architecture": "dense", "hidden_units": (6,)}),
]


def vae_case_id(case):
    builder, kwargs = case
    return "-".join([builder.__name__, "x".join(map(str, kwargs["input_shape"])), kwargs.get("architecture", "conv")])


def vae_inputs(builder, kwargs, n=3, seed=0):
    x = images(kwargs["input_shape"], n=n, seed=seed)
    return [x, labels(n, kwargs["classes"], seed)] if builder is cvae else x


@pytest.mark.parametrize("case", VAE_CASES, ids=vae_case_id)
def test_vae_builder(case):
    builder, kwargs = case
    shape, latent_dim = kwargs["input_shape"], kwargs["latent_dim"]
    inputs = vae_inputs(builder, kwargs)
    model = run_builder_test(builder, init_kwargs=kwargs, input_data=inputs, expected_output_shape=(3, *shape))
    parts = generative_parts(model)
    encoder, decoder = parts["encoder"], parts["decoder"]
    assert isinstance(model.get_layer("sampling"), GaussianSampling)
    assert [tuple(s) for s in encoder.output_shape] == [(None, latent_dim)] * 2
    assert decoder.output_shape == model.output_shape == (None, *shape)
    assert model.count_params() == encoder.count_params() + decoder.count_params()
    # Deterministic outside training: decoder(z_mean).
    z_mean, _ = encoder(inputs)
    expected = decoder([z_mean, keras.ops.convert_to_tensor(inputs[1])] if builder is cvae else z_mean)
    assert_same_outputs(model(inputs), expected, atol=1e-6, what="decoder(z_mean)")
    y = numpy(model(inputs))
    assert y.min() > 0 and y.max() < 1
    info = generative_info(model)
    assert info == GenerativeInfo(
        "vae",
        latent_dim,
        kwargs.get("classes"),
        tuple(shape),
        kwargs.get("likelihood", "bernoulli"),
        0.1,
    )
    assert info.conditional == (builder is cvae)


@pytest.mark.parametrize("shape", [(28, 28, 1), (8, 8, 1), (16, 16, 1), (32, 32, 3)])
def test_conv_vae_fits_the_usual_image_sizes(shape):
    model = vae(input_shape=shape, latent_dim=4, filters=(4, 8))
    assert model.output_shape == (None, *shape)
    assert model.get_layer("decoder").input_shape == (None, 4)


def test_vae_loss_is_reconstruction_plus_kl():
    x = images((8, 8, 1), n=6, seed=4)
    model = vae(input_shape=(8, 8, 1), latent_dim=3, filters=(4,), likelihood="gaussian", decoder_stddev=0.3)
    likelihood, stddev = vae_likelihood(model)
    assert (likelihood, stddev) == ("gaussian", 0.3)
    loss = ReconstructionNLL(likelihood, stddev)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)

    z_mean, z_log_var = model.get_layer("encoder")(x)
    kl = numpy_kl(numpy(z_mean), numpy(z_log_var)).mean()
    reconstruction = numpy(loss(x, model(x)))  # at the posterior mean: deterministic
    assert len(model.losses) == 1
    np.testing.assert_allclose(numpy(model.losses[0]), kl, rtol=1e-5)
    evaluated = model.evaluate(x, x, batch_size=6, verbose=0)
    np.testing.assert_allclose(evaluated, reconstruction + kl, rtol=1e-4)

    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, x, batch_size=6, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # encoder and decoder learn


def test_cvae_fits_and_samples_by_class():
    x, y = images((8, 8, 1), n=6, seed=5), labels(6, 3, seed=5)
    model = cvae(input_shape=(8, 8, 1), classes=3, latent_dim=2, filters=(4,))
    model.compile(optimizer="adam", loss=ReconstructionNLL(*vae_likelihood(model)))
    history = model.fit([x, y], x, batch_size=3, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    decoder = generative_parts(model)["decoder"]
    z = np.zeros((3, 2), "float32")
    samples = numpy(decoder([z, np.array([[0], [1], [2]], "int32")]))
    assert samples.shape == (3, 8, 8, 1)
    assert not np.allclose(samples[0], samples[1])  # the label changes the image


# --- adversarial networks ---

GAN_CASES = [
    (gan, {"image_shape": (4, 4, 1), "latent_dim": 3, "hidden_units": (8, 6)}),
    (cgan, {"image_shape": (4, 4, 1), "classes": 3, "latent_dim": 3, "hidden_units": (8,)}),
    (dcgan, {"image_shape": (8, 8, 1), "latent_dim": 3, "filters": (8, 4)}),
    (dcgan, {"image_shape": (8, 8, 3), "latent_dim": 3, "filters": (8, 4), "classes": 2}),
]


def gan_case_id(case):
    builder, kwargs = case
    return "-".join(
        [builder.__name__, "x".join(map(str, kwargs["image_shape"]))] + (["cond"] * bool(kwargs.get("classes")))
    )


def gan_inputs(model, n=3, seed=0):
    noise = np.random.default_rng(seed).normal(size=(n, model.latent_dim)).astype("float32")
    return [noise, labels(n, model.classes, seed)] if model.conditional else noise


def gan_data(model, n=4, seed=0):
    x = images(model.generator.output_shape[1:], n=n, seed=seed)
    return (x, labels(n, model.classes, seed)[:, 0]) if model.conditional else (x,)


@pytest.mark.parametrize("case", GAN_CASES, ids=gan_case_id)
def test_gan_builder(case, tmp_path):
    builder, kwargs = case
    model = builder(**kwargs)
    assert isinstance(model, AdversarialNetwork) and model.built
    shape = tuple(kwargs["image_shape"])
    generator, discriminator = generative_parts(model).values()
    assert (generator.name, discriminator.name) == ("generator", "discriminator")
    inputs = gan_inputs(model)
    fake = model(inputs)
    assert tuple(fake.shape) == (3, *shape) and fake.dtype == "float32"
    assert numpy(fake).min() >= 0 and numpy(fake).max() <= 1
    d_inputs = [fake, keras.ops.convert_to_tensor(inputs[1])] if model.conditional else fake
    logits = discriminator(d_inputs)
    assert tuple(logits.shape) == (3, 1) and logits.dtype == "float32"
    assert generative_info(model) == GenerativeInfo("gan", kwargs["latent_dim"], kwargs.get("classes"), shape)

    # Config round trip.
    revived = AdversarialNetwork.from_config(model.get_config())
    assert revived.count_params() == model.count_params()
    assert (revived.latent_dim, revived.classes, revived.name) == (model.latent_dim, model.classes, model.name)

    # .keras round trip in safe mode, compiled state included.
    model.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    model.fit(*gan_data(model), batch_size=4, epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(restored, AdversarialNetwork) and restored.compiled
    assert_same_outputs(model(inputs), restored(inputs), atol=1e-6, what="reloaded generator")
    assert int(restored.d_optimizer.iterations) == int(restored.g_optimizer.iterations) == 1
    assert restored.g_optimizer is not restored.d_optimizer
    assert float(restored.g_optimizer.beta_1) == 0.5
    assert generative_info(restored) == generative_info(model)
    restored.fit(*gan_data(restored), batch_size=4, epochs=1, verbose=0)  # training goes on

    # The registry builds it by name; the outputs stay float32 under mixed precision.
    assert registry.get_model(builder.__name__, **kwargs).count_params() == model.count_params()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        mixed = builder(**kwargs)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert [t.dtype for t in (*mixed.generator.outputs, *mixed.discriminator.outputs)] == ["float32"] * 2


def test_mixed_precision_training_scales_both_losses(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = dcgan(image_shape=(8, 8, 1), latent_dim=3, filters=(8, 4))
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in (model.d_optimizer, model.g_optimizer))
        history = model.fit(*gan_data(model), batch_size=4, epochs=1, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(np.isfinite(v[0]) for v in history.history.values())
    path = tmp_path / "mixed.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)  # under float32: the model's own policy counts
    assert isinstance(restored.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert int(restored.g_optimizer.iterations) == 1


@pytest.mark.parametrize("case", GAN_CASES, ids=gan_case_id)
def test_one_train_step_updates_both_networks(case):
    builder, kwargs = case
    keras.utils.set_random_seed(0)
    model = builder(**kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    g_before = [w.copy() for w in model.generator.get_weights()]
    d_before = [w.copy() for w in model.discriminator.get_weights()]
    history = model.fit(*gan_data(model), batch_size=4, epochs=1, verbose=0)
    assert sorted(history.history) == ["d_loss", "g_loss"]
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 1
    for network, before in ((model.generator, g_before), (model.discriminator, d_before)):
        trainable = {id(w) for w in network.trainable_weights}
        unchanged = [
            w.path for w, old in zip(network.weights, before) if id(w) in trainable and np.array_equal(old, numpy(w))
        ]
        assert not unchanged, f"{network.name}: {unchanged} did not change"


def test_optimizers_are_built_on_their_own_network():
    model = dcgan(image_shape=(8, 8, 1), latent_dim=3, filters=(8, 4))
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    assert isinstance(model.g_optimizer, keras.optimizers.SGD) and model.g_optimizer is not model.d_optimizer
    assert model.optimizer is model.d_optimizer
    assert len(model.d_optimizer.momentums) == len(model.discriminator.trainable_variables)
    assert len(model.g_optimizer.momentums) == len(model.generator.trainable_variables)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(0.1)


def constant_discriminator(logit, *, image_shape=(4, 4, 1)):
    inputs = keras.Input(image_shape)
    x = keras.layers.Flatten()(inputs)
    out = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(logit))(x)
    return keras.Model(inputs, out, name="discriminator")


def softplus(x):
    return math.log1p(math.exp(x))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_losses_are_the_discriminator_bce_and_the_non_saturating_generator_loss(smoothing):
    generator = gan(image_shape=(4, 4, 1), latent_dim=2, hidden_units=(4,)).generator
    c = 0.8  # the discriminator answers logit c for every image
    model = AdversarialNetwork(
        generator, constant_discriminator(c), latent_dim=2, label_smoothing=smoothing, name="constant"
    )
    model.compile(optimizer="sgd")
    d_loss, g_loss = model.evaluate(images((4, 4, 1)), batch_size=4, verbose=0)
    target = 1 - smoothing
    # BCE(t, c) = softplus(c) - t * c; real images have target 1 - smoothing, fakes 0.
    np.testing.assert_allclose(d_loss, softplus(c) - target * c + softplus(c), rtol=1e-5)
    np.testing.assert_allclose(g_loss, softplus(-c), rtol=1e-5)  # -log sigmoid(c) = -log D(G(z))
    assert AdversarialNetwork.from_config(model.get_config()).label_smoothing == smoothing


def test_validation_logs_and_data_layouts():
    model = cgan(image_shape=(4, 4, 1), classes=3, latent_dim=2, hidden_units=(4,))
    model.compile(optimizer="adam")
    x, y = images((4, 4, 1), n=4), labels(4, 3)
    history = model.fit(x, y, batch_size=2, epochs=2, validation_data=(x, y), verbose=0)
    assert sorted(history.history) == ["d_loss", "g_loss", "val_d_loss", "val_g_loss"]
    assert int(model.d_optimizer.iterations) == 4  # the trackers reset, the steps add up
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y[:, 0])).batch(2)
    assert sorted(model.evaluate(dataset, verbose=0, return_dict=True)) == ["d_loss", "g_loss"]
    with pytest.raises(ValueError, match="trains on \\(images, labels\\)"):
        model.evaluate(x, batch_size=2, verbose=0)


def test_save_weights_restores_both_optimizers(tmp_path):
    kwargs = {"image_shape": (8, 8, 1), "latent_dim": 3, "filters": (8, 4)}
    model = dcgan(**kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(*gan_data(model), batch_size=2, epochs=1, verbose=0)
    path = tmp_path / "gan.weights.h5"
    model.save_weights(path)

    other = dcgan(**kwargs)
    other.compile(optimizer=keras.optimizers.Adam(1e-3))
    other.load_weights(path)
    for name in ("d_optimizer", "g_optimizer"):
        saved, loaded = getattr(model, name), getattr(other, name)
        assert int(loaded.iterations) == int(saved.iterations) == 2
        for a, b in zip(saved.variables, loaded.variables):
            np.testing.assert_array_equal(numpy(a), numpy(b))
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_backup_and_restore_resumes_training(tmp_path):
    kwargs = {"image_shape": (4, 4, 1), "latent_dim": 2, "hidden_units": (4,)}

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("interrupted")

    x = images((4, 4, 1))
    model = gan(**kwargs)
    model.compile(optimizer="adam")
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, batch_size=4, epochs=3, callbacks=[backup, Interrupt()], verbose=0)

    resumed = gan(**kwargs)
    resumed.compile(optimizer="adam")
    history = resumed.fit(x, batch_size=4, epochs=3, callbacks=[backup], verbose=0)
    assert len(history.history["d_loss"]) == 1  # only the third epoch ran
    assert int(resumed.d_optimizer.iterations) == int(resumed.g_optimizer.iterations) == 3


def test_adversarial_network_checks_its_parts():
    parts = gan(image_shape=(4, 4, 1), latent_dim=2, hidden_units=(4,))
    conditional = cgan(image_shape=(4, 4, 1), classes=3, latent_dim=2, hidden_units=(4,))
    with pytest.raises(ValueError, match=r"latent_dim must be the generator's noise size 2; Received: latent_dim=3"):
        AdversarialNetwork(parts.generator, parts.discriminator, latent_dim=3)
    with pytest.raises(ValueError, match=r"generator must take 2 input\(s\) with classes=3"):
        AdversarialNetwork(parts.generator, parts.discriminator, latent_dim=2, classes=3)
    with pytest.raises(ValueError, match=r"discriminator must take 1 input\(s\) with classes=None"):
        AdversarialNetwork(parts.generator, conditional.discriminator, latent_dim=2)
    with pytest.raises(ValueError, match=r"label_smoothing must be a float in \[0, 1\); Received: label_smoothing=1"):
        AdversarialNetwork(parts.generator, parts.discriminator, latent_dim=2, label_smoothing=1)
    with pytest.raises(ValueError, match=r"loss must be None.*Received: loss='mse'"):
        parts.compile(optimizer="adam", loss="mse")


@pytest.mark.parametrize("shape", [(28, 28, 1), (8, 8, 1), (16, 16, 1), (32, 32, 3)])
def test_dcgan_fits_the_usual_image_sizes(shape):
    model = dcgan(image_shape=shape, latent_dim=4, filters=(8, 4), classes=2)
    assert model.generator.output_shape == (None, *shape)
    assert model.discriminator.output_shape == (None, 1)


# --- arguments, registry, helpers ---


@pytest.mark.parametrize(
    "builder, kwargs, argument, value",
    [
        (vae, {"input_shape": (28, 28, 1), "filters": (4, 8, 16)}, "input_shape", r"\(28, 28, 1\)"),
        (vae, {"input_shape": (8, 8)}, "input_shape", r"\(8, 8\)"),
        (vae, {"latent_dim": 0}, "latent_dim", "0"),
        (vae, {"architecture": "mlp"}, "architecture", "'mlp'"),
        (vae, {"likelihood": "poisson"}, "likelihood", "'poisson'"),
        (vae, {"decoder_stddev": 0}, "decoder_stddev", "0"),
        (vae, {"kl_weight": -0.5}, "kl_weight", r"-0\.5"),
        (vae, {"filters": ()}, "filters", r"\(\)"),
        (vae, {"kernel_size": 0}, "kernel_size", "0"),
        (vae, {"architecture": "dense", "hidden_units": (0,)}, "hidden_units", r"\(0,\)"),
        (cvae, {"classes": 1}, "classes", "1"),
        (gan, {"latent_dim": -1}, "latent_dim", "-1"),
        (gan, {"dropout": 1.0}, "dropout", r"1\.0"),
        (gan, {"hidden_units": ()}, "hidden_units", r"\(\)"),
        (gan, {"image_shape": (0, 4)}, "image_shape", r"\(0, 4\)"),
        (cgan, {"classes": 0}, "classes", "0"),
        (dcgan, {"image_shape": (12, 12, 1), "filters": (8, 4, 2)}, "image_shape", r"\(12, 12, 1\)"),
        (dcgan, {"classes": 1}, "classes", "1"),
        (dcgan, {"filters": (8, 0)}, "filters", r"\(8, 0\)"),
        (dcgan, {"kernel_size": 2.5}, "kernel_size", r"2\.5"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}(\W|$)"):
        builder(**kwargs)


def test_image_size_error_explains_the_divisibility():
    with pytest.raises(ValueError, match=r"divisible by 2\*\*len\(filters\) = 8"):
        dcgan(image_shape=(28, 28, 1), filters=(8, 4, 2))


def test_registered_in_the_generative_family():
    assert set(GENERATIVE_NAMES) <= set(registry.list_models(family="generative"))
    for name, builder in zip(GENERATIVE_NAMES, (cgan, cvae, dcgan, gan, vae)):
        entry = registry.model_entry(name)
        assert entry.builder is builder and entry.family == "generative"
        assert entry.summary and "\n" not in entry.summary


def test_generative_parts_and_info_after_a_reload(tmp_path):
    model = cvae(input_shape=(8, 8, 1), classes=4, latent_dim=3, filters=(4,), likelihood="gaussian")
    path = tmp_path / "cvae.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert sorted(generative_parts(restored)) == ["decoder", "encoder"]
    info = generative_info(restored)
    assert info == GenerativeInfo("vae", 3, 4, (8, 8, 1), "gaussian", 0.1)
    assert info.to_json() == {
        "kind": "vae",
        "latent_dim": 3,
        "classes": 4,
        "image_shape": [8, 8, 1],
        "likelihood": "gaussian",
        "stddev": 0.1,
    }


def test_generative_helpers_refuse_other_models():
    inputs = keras.Input((4,))
    other = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs), name="classifier")
    with pytest.raises(ValueError, match=r"model='classifier'"):
        generative_parts(other)
    with pytest.raises(ValueError, match=r"model='classifier'"):
        generative_info(other)
    with pytest.raises(ValueError, match=r"layer named 'decoder'; Received: model='classifier'"):
        vae_likelihood(other)


def test_docstring_examples_run():
    from kerasdl.layers import sampling
    from kerasdl.losses import likelihood
    from kerasdl.models.generative import adversarial, parts, variational

    for module in (sampling, likelihood, variational, adversarial, parts):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__
