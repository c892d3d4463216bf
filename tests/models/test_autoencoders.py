"""Autoencoder builders: harness, parts, hand-counted parameters, noise, sparsity penalties, training."""

import doctest

import keras
import numpy as np
import pytest

from kerasdl import registry
from kerasdl.layers import KLSparsity, MaskingNoise
from kerasdl.models.generative import (
    autoencoder_parts,
    conv_autoencoder,
    denoising_autoencoder,
    dense_autoencoder,
    sparse_autoencoder,
)
from tests.testing import assert_same_outputs, run_builder_test

BUILDERS = (dense_autoencoder, conv_autoencoder, denoising_autoencoder, sparse_autoencoder)

# Tiny cases: (builder, kwargs); every dense, conv, noise and sparsity path once.
CASES = [
    (dense_autoencoder, {"input_shape": (6,), "latent_dim": 2, "hidden_units": (5,)}),
    (dense_autoencoder, {"input_shape": (4, 4, 1), "latent_dim": 3, "hidden_units": (8, 5)}),
    (dense_autoencoder, {"input_shape": (4, 4, 1), "latent_dim": 3, "hidden_units": ()}),
    (conv_autoencoder, {"input_shape": (8, 8, 2), "latent_dim": 3, "filters": (4, 6)}),
    (denoising_autoencoder, {"input_shape": (4, 4, 1), "latent_dim": 3, "hidden_units": (8,)}),
    (
        denoising_autoencoder,
        {"input_shape": (8, 4, 3), "latent_dim": 5, "architecture": "conv", "filters": (4,), "noise": "masking"},
    ),
    (sparse_autoencoder, {"input_shape": (6,), "latent_dim": 10, "hidden_units": (5,)}),
    (sparse_autoencoder, {"input_shape": (6,), "latent_dim": 10, "hidden_units": (), "sparsity": "kl"}),
    (
        sparse_autoencoder,
        {"input_shape": (4, 4, 1), "latent_dim": 3, "architecture": "conv", "filters": (4,), "sparsity": "kl"},
    ),
]


def case_id(case):
    builder, kwargs = case
    extras = [str(kwargs[k]) for k in ("architecture", "noise", "sparsity") if k in kwargs]
    return "-".join([builder.__name__, "x".join(map(str, kwargs["input_shape"])), *extras])


def examples(shape, n=3, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def conv_params(kernel, c_in, c_out):
    return kernel * kernel * c_in * c_out + c_out


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_builder(case):
    builder, kwargs = case
    shape, latent_dim = kwargs["input_shape"], kwargs["latent_dim"]
    x = examples(shape)
    model = run_builder_test(builder, init_kwargs=kwargs, input_data=x, expected_output_shape=(3, *shape))
    encoder, decoder, same = autoencoder_parts(model)
    assert same is model
    assert encoder.name == "encoder" and decoder.name == "decoder"
    assert encoder.input_shape == (None, *shape)
    assert encoder.output_shape == (None, latent_dim)
    assert decoder.input_shape == (None, latent_dim)
    assert decoder.output_shape == model.output_shape == (None, *shape)
    assert model.output.dtype == "float32"
    # The joined model is decoder(encoder(x)), with the parts' own weights.
    assert model.count_params() == encoder.count_params() + decoder.count_params()
    assert_same_outputs(model(x), decoder(encoder(x)), atol=1e-6, what="decoder(encoder(x))")
    # Sigmoid reconstruction by default: values in (0, 1).
    y = keras.ops.convert_to_numpy(model(x))
    assert y.min() > 0 and y.max() < 1


def test_registered_in_the_generative_family():
    names = ["conv_autoencoder", "denoising_autoencoder", "dense_autoencoder", "sparse_autoencoder"]
    assert registry.list_models("*autoencoder", family="generative") == names
    for name, builder in zip(names, (conv_autoencoder, denoising_autoencoder, dense_autoencoder, sparse_autoencoder)):
        entry = registry.model_entry(name)
        assert entry.builder is builder and entry.summary and "\n" not in entry.summary


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_defaults_are_mnist_sized(builder):
    model = builder()
    assert model.input_shape == model.output_shape == (None, 28, 28, 1)
    assert model.get_layer("encoder").output_shape == (None, 32)


@pytest.mark.parametrize(
    "builder, kwargs",
    [
        (denoising_autoencoder, {"noise": "masking", "seed": 1}),
        (sparse_autoencoder, {"sparsity": "kl"}),
        (sparse_autoencoder, {"sparsity": "l1", "architecture": "conv", "filters": (4,)}),
    ],
    ids=["denoising-masking", "sparse-kl", "sparse-l1-conv"],
)
def test_parts_and_custom_layers_survive_a_keras_file(tmp_path, builder, kwargs):
    model = builder(input_shape=(8, 8, 1), latent_dim=5, hidden_units=(7,), **kwargs)
    x = examples((8, 8, 1), n=4, seed=3)
    path = tmp_path / "autoencoder.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    encoder, decoder, _ = autoencoder_parts(model)
    encoder2, decoder2, _ = autoencoder_parts(restored)
    assert encoder2.output_shape == (None, 5) and decoder2.input_shape == (None, 5)
    assert_same_outputs(encoder(x), encoder2(x), atol=1e-6, what="reloaded encoder")
    codes = encoder(x)
    assert_same_outputs(decoder(codes), decoder2(codes), atol=1e-6, what="reloaded decoder")
    # The corruption and penalty layers come back as themselves, with their settings.
    for original, loaded in ((model, restored), (encoder, encoder2)):
        for layer in original.layers:
            again = loaded.get_layer(layer.name)
            assert type(again) is type(layer)
            if not isinstance(layer, keras.Model):
                assert again.get_config() == layer.get_config()
    # The penalty is still recorded after the reload.
    restored(x)
    model(x)
    np.testing.assert_allclose([float(v) for v in restored.losses], [float(v) for v in model.losses], rtol=1e-6)


def test_dense_parameters_match_hinton_and_salakhutdinov():
    # The MNIST autoencoder of Hinton & Salakhutdinov (2006): 784-1000-500-250-30, mirrored.
    widths = [784, 1000, 500, 250, 30]
    encoder = sum(dense_params(a, b) for a, b in zip(widths, widths[1:]))
    decoder = sum(dense_params(a, b) for a, b in zip(widths[::-1], widths[::-1][1:]))
    assert encoder == 784 * 1000 + 1000 + 1000 * 500 + 500 + 500 * 250 + 250 + 250 * 30 + 30 == 1_418_280
    assert decoder == 30 * 250 + 250 + 250 * 500 + 500 + 500 * 1000 + 1000 + 1000 * 784 + 784 == 1_419_034
    model = dense_autoencoder(input_shape=(784,), latent_dim=30, hidden_units=(1000, 500, 250))
    encoder_model, decoder_model, _ = autoencoder_parts(model)
    assert encoder_model.count_params() == encoder
    assert decoder_model.count_params() == decoder
    assert model.count_params() == encoder + decoder == 2_837_314
    # Images are flattened and reshaped back: the same weights as flat vectors.
    image_model = dense_autoencoder(input_shape=(28, 28, 1), latent_dim=30, hidden_units=(1000, 500, 250))
    assert image_model.count_params() == encoder + decoder


def test_conv_parameters_by_hand():
    # 28x28x1 -> conv 32 -> 14x14x32 -> conv 64 -> 7x7x64 -> code 16, mirrored.
    encoder = conv_params(3, 1, 32) + conv_params(3, 32, 64) + dense_params(7 * 7 * 64, 16)
    decoder = dense_params(16, 7 * 7 * 64) + conv_params(3, 64, 64) + conv_params(3, 64, 32) + conv_params(3, 32, 1)
    model = conv_autoencoder(input_shape=(28, 28, 1), latent_dim=16, filters=(32, 64))
    encoder_model, decoder_model, _ = autoencoder_parts(model)
    assert encoder_model.count_params() == encoder == 320 + 18_496 + 50_192
    assert decoder_model.count_params() == decoder
    maps = [tuple(decoder_model.get_layer(name).output.shape[1:]) for name in ("reshape", "deconv1", "deconv2")]
    assert maps == [(7, 7, 64), (14, 14, 64), (28, 28, 32)]


@pytest.mark.parametrize("architecture", ["dense", "conv"])
@pytest.mark.parametrize("noise", ["gaussian", "masking"])
def test_denoising_noise_acts_only_in_training(noise, architecture):
    model = denoising_autoencoder(
        input_shape=(8, 8, 1),
        latent_dim=4,
        architecture=architecture,
        hidden_units=(16,),
        filters=(4,),
        noise=noise,
        seed=0,
    )
    encoder, decoder, _ = autoencoder_parts(model)
    x = examples((8, 8, 1), n=5, seed=1)
    clean = keras.ops.convert_to_numpy(decoder(encoder(x)))
    inference = [keras.ops.convert_to_numpy(model(x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])  # deterministic
    np.testing.assert_allclose(inference[0], clean, atol=1e-6)  # no corruption at inference
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.predict(x, verbose=0)), clean, atol=1e-6)
    noisy = [keras.ops.convert_to_numpy(model(x, training=True)) for _ in range(2)]
    assert np.abs(noisy[0] - clean).max() > 1e-3
    assert np.abs(noisy[0] - noisy[1]).max() > 1e-3  # fresh noise on every call


def test_gaussian_corruption_has_the_requested_stddev():
    model = denoising_autoencoder(input_shape=(4000,), latent_dim=8, hidden_units=(), noise_stddev=0.2, seed=0)
    corruption = model.get_layer("corruption")
    assert isinstance(corruption, keras.layers.GaussianNoise)
    x = examples((4000,), n=5)
    delta = keras.ops.convert_to_numpy(corruption(x, training=True)) - x
    assert abs(delta.mean()) < 0.01
    assert abs(delta.std() - 0.2) < 0.005


def test_masking_corruption_zeroes_a_fraction_and_keeps_the_rest():
    # Vincent et al. (2008): destroyed values are set to 0, the others are left unchanged.
    model = denoising_autoencoder(
        input_shape=(4000,), latent_dim=8, hidden_units=(), noise="masking", masking_rate=0.3, seed=0
    )
    corruption = model.get_layer("corruption")
    assert isinstance(corruption, MaskingNoise)
    x = examples((4000,), n=5) + 0.5  # no zeros of its own
    corrupted = keras.ops.convert_to_numpy(corruption(x, training=True))
    zeroed = corrupted == 0
    assert abs(zeroed.mean() - 0.3) < 0.01
    np.testing.assert_array_equal(corrupted[~zeroed], x[~zeroed])  # no 1 / (1 - rate) rescaling
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(corruption(x, training=False)), x)


def _codes(model, x):
    """The code layer's output, taken before the penalty layer (which is the identity)."""
    encoder = model.get_layer("encoder")
    probe = keras.Model(encoder.input, encoder.get_layer("code").output)
    return keras.ops.convert_to_numpy(probe(x)).astype(np.float64)


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_l1_penalty_equals_the_hand_sum(architecture):
    model = sparse_autoencoder(
        input_shape=(8, 8, 1), latent_dim=6, architecture=architecture, hidden_units=(9,), filters=(4,),
        sparsity="l1", l1=1e-3, latent_activation="relu",
    )  # fmt: skip
    for weight in model.weights:  # lively weights, so the code is far from zero and signed before relu
        weight.assign(np.random.default_rng(0).normal(0, 0.5, weight.shape).astype("float32"))
    x = examples((8, 8, 1), n=5, seed=2)
    model(x)
    code = _codes(model, x)
    assert (code > 0).any() and (code == 0).any()
    expected = 1e-3 * np.abs(code).sum() / len(x)  # Keras averages activity penalties over the batch
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0]), expected, rtol=1e-5)
    assert isinstance(model.get_layer("encoder").get_layer("sparsity"), keras.layers.ActivityRegularization)


def kl_by_hand(code, rho):
    rho_hat = code.mean(axis=0)
    return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_kl_penalty_equals_the_formula(architecture):
    model = sparse_autoencoder(
        input_shape=(8, 8, 1), latent_dim=6, architecture=architecture, hidden_units=(9,), filters=(4,),
        sparsity="kl", target=0.1, kl_weight=0.7,
    )  # fmt: skip
    x = examples((8, 8, 1), n=7, seed=4)
    model(x)
    code = _codes(model, x)
    assert 0 < code.min() and code.max() < 1  # sigmoid units
    expected = 0.7 * kl_by_hand(code, 0.1)
    assert expected > 0.1
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0]), expected, rtol=1e-5)
    assert isinstance(model.get_layer("encoder").get_layer("sparsity"), KLSparsity)


def test_the_penalty_enters_the_training_loss():
    # evaluate() reports reconstruction + penalty: the penalty's weight changes the loss.
    x = examples((16,), n=32, seed=5)
    losses = []
    for kl_weight in (0.0, 1.0):
        model = sparse_autoencoder(input_shape=(16,), latent_dim=8, hidden_units=(), sparsity="kl", kl_weight=kl_weight)
        model.set_weights([np.full(w.shape, 0.1, "float32") for w in model.weights])
        model.compile(loss="mse")
        losses.append(model.evaluate(x, x, batch_size=32, verbose=0))
    model(x)
    np.testing.assert_allclose(losses[1] - losses[0], float(model.losses[0]), rtol=1e-4)
    assert losses[1] - losses[0] > 0.1


@pytest.fixture
def mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("sparsity", ["l1", "kl"])
def test_sparse_penalties_train_under_mixed_precision(mixed_precision, sparsity):
    # A float16 activity loss makes Keras' fit fail to add it to the float32 loss.
    model = sparse_autoencoder(input_shape=(8,), latent_dim=4, hidden_units=(6,), sparsity=sparsity)
    x = examples((8,), n=16)
    model(x)
    assert model.output.dtype == "float32" and [keras.backend.standardize_dtype(v.dtype) for v in model.losses] == [
        "float32"
    ]
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, x, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize(
    "builder, kwargs, argument, value",
    [
        (dense_autoencoder, {"latent_dim": 0}, "latent_dim", "0"),
        (dense_autoencoder, {"latent_dim": 2.5}, "latent_dim", "2.5"),
        (dense_autoencoder, {"latent_dim": 784}, "latent_dim", "784"),
        (dense_autoencoder, {"hidden_units": (16, 0)}, "hidden_units", r"\(16, 0\)"),
        (dense_autoencoder, {"hidden_units": 16}, "hidden_units", "16"),
        (dense_autoencoder, {"input_shape": (28, None)}, "input_shape", r"\(28, None\)"),
        (conv_autoencoder, {"input_shape": (30, 28, 1)}, "input_shape", r"\(30, 28, 1\)"),
        (conv_autoencoder, {"input_shape": (28, 28)}, "input_shape", r"\(28, 28\)"),
        (conv_autoencoder, {"filters": ()}, "filters", r"\(\)"),
        (conv_autoencoder, {"kernel_size": 0}, "kernel_size", "0"),
        (conv_autoencoder, {"latent_dim": True}, "latent_dim", "True"),
        (denoising_autoencoder, {"noise": "salt"}, "noise", "'salt'"),
        (denoising_autoencoder, {"noise_stddev": 0}, "noise_stddev", "0"),
        (denoising_autoencoder, {"noise_stddev": 1.5}, "noise_stddev", "1.5"),
        (denoising_autoencoder, {"noise": "masking", "masking_rate": 1.0}, "masking_rate", r"1\.0"),
        (denoising_autoencoder, {"architecture": "rnn"}, "architecture", "'rnn'"),
        (denoising_autoencoder, {"architecture": "conv", "input_shape": (784,)}, "input_shape", r"\(784,\)"),
        (sparse_autoencoder, {"sparsity": "l2"}, "sparsity", "'l2'"),
        (sparse_autoencoder, {"l1": -1e-4}, "l1", r"-0\.0001"),
        (sparse_autoencoder, {"sparsity": "kl", "target": 0}, "target", "0"),
        (sparse_autoencoder, {"sparsity": "kl", "target": 1.2}, "target", r"1\.2"),
        (sparse_autoencoder, {"sparsity": "kl", "kl_weight": -1}, "kl_weight", "-1"),
        (sparse_autoencoder, {"sparsity": "kl", "latent_activation": "relu"}, "latent_activation", "'relu'"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}(\W|$)"):
        builder(**kwargs)


def test_docstring_examples_run():
    from kerasdl.layers import masking_noise, sparsity
    from kerasdl.models.generative import autoencoders

    for module in (autoencoders, masking_noise, sparsity):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_autoencoder_parts_needs_an_autoencoder():
    inputs = keras.Input((4,))
    other = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs), name="classifier")
    with pytest.raises(ValueError, match=r"model='classifier'.*\['input_layer.*', 'dense'\]"):
        autoencoder_parts(other)


# --- training on generated data ---


def low_rank_data(n=512, dim=32, rank=3, seed=0):
    """Vectors in [0, 1] on a ``rank``-dimensional curved manifold: an undercomplete code can hold them."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, rank))
    mixing = rng.normal(size=(rank, dim))
    return (1 / (1 + np.exp(-z @ mixing))).astype("float32")


def reconstruction_error(model, x):
    return float(np.mean((model.predict(x, verbose=0) - x) ** 2))


@pytest.mark.slow
@pytest.mark.parametrize(
    "builder, kwargs",
    [
        (dense_autoencoder, {}),
        (denoising_autoencoder, {"noise_stddev": 0.1}),
        (denoising_autoencoder, {"noise": "masking", "masking_rate": 0.1}),
    ],
    ids=["dense", "denoising-gaussian", "denoising-masking"],
)
def test_fit_lowers_the_reconstruction_error(builder, kwargs):
    keras.utils.set_random_seed(0)
    x = low_rank_data()
    model = builder(input_shape=(32,), latent_dim=3, hidden_units=(32,), **kwargs)
    # A baseline that knows nothing: predicting each feature's mean.
    mean_predictor = float(np.mean((x - x.mean(axis=0)) ** 2))
    before = reconstruction_error(model, x)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    # 20 epochs: every ratio below has at least 1.7 times the margin asked (it grows little after)
    model.fit(x, x, epochs=20, batch_size=64, verbose=0)
    after = reconstruction_error(model, x)
    assert after < before / 20
    assert after < mean_predictor / 10  # the 3-d code carries the data, not only its mean
    if builder is denoising_autoencoder:  # and the trained model removes most of new noise
        noisy = x + np.random.default_rng(1).normal(0, 0.1, x.shape).astype("float32")
        denoised = model.predict(noisy, verbose=0)
        assert np.mean((denoised - x) ** 2) < np.mean((noisy - x) ** 2) / 3


@pytest.mark.slow
def test_conv_autoencoder_fit_lowers_the_reconstruction_error():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    # Blurry blobs at random places: 8x8 images with two degrees of freedom.
    yy, xx = np.mgrid[0:8, 0:8]
    centres = rng.uniform(1, 7, size=(256, 2))
    squared_distance = (yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2
    x = np.exp(-squared_distance / 3.0)[..., None].astype("float32")
    model = conv_autoencoder(input_shape=(8, 8, 1), latent_dim=4, filters=(8, 16))
    before = reconstruction_error(model, x)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    model.fit(x, x, epochs=40, batch_size=32, verbose=0)
    after = reconstruction_error(model, x)
    assert after < before / 20
    assert after < float(np.mean((x - x.mean(axis=0)) ** 2)) / 10


@pytest.mark.slow
@pytest.mark.parametrize("sparsity, kwargs", [("kl", {"kl_weight": 1e-2}), ("l1", {"l1": 1e-3})])
def test_sparse_training_makes_the_code_sparse(sparsity, kwargs):
    x = low_rank_data(rank=6)
    mean_activation = {}
    for penalised in (False, True):
        keras.utils.set_random_seed(0)
        weight = kwargs if penalised else {k: 0.0 for k in kwargs}
        model = sparse_autoencoder(input_shape=(32,), latent_dim=48, hidden_units=(), sparsity=sparsity, **weight)
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        model.fit(x, x, epochs=30, batch_size=64, verbose=0)
        codes = model.get_layer("encoder").predict(x, verbose=0)
        mean_activation[penalised] = float(codes.mean())
        assert reconstruction_error(model, x) < float(np.mean((x - x.mean(axis=0)) ** 2)) / 2
    assert mean_activation[False] > 0.3  # unpenalised sigmoid units sit near 0.5
    assert mean_activation[True] < 0.4 * mean_activation[False]
    if sparsity == "kl":
        assert abs(mean_activation[True] - 0.05) < 0.05  # pulled to the target rho = 0.05
