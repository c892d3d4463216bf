"""Pix2Pix, CycleGAN and SRGAN: the networks, the PatchGAN's receptive field, the training schemes."""

import doctest
import importlib
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl import registry
from kerasdl.models.image_translation import (
    RECEPTIVE_FIELDS,
    SRGAN,
    CycleGAN,
    Pix2Pix,
    cyclegan,
    cyclegan_generator,
    patchgan_discriminator,
    patchgan_receptive_field,
    pix2pix,
    pix2pix_generator,
    srgan,
    vgg_content_extractor,
)
from kerasdl.models.restoration import srgan_discriminator, srresnet
from tests.testing import assert_same_outputs, lively_weights, run_builder_test


def images(shape, n=2, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def softplus(x):
    return math.log1p(math.exp(x))


def trainable_params(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def conv(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in * c_out + (c_out if bias else 0)


# --- the networks ---

BUILDER_CASES = [
    (
        pix2pix_generator,
        {"output_channels": 2, "filters": 4, "depth": 3, "max_filters": 8},
        images((20, 24, 3)),
        (2, 20, 24, 2),
    ),
    (patchgan_discriminator, {"filters": 2, "receptive_field": 16}, images((32, 32, 3)), (2, 14, 14, 1)),
    (
        patchgan_discriminator,
        {"condition_channels": 1, "filters": 2, "receptive_field": 34, "normalization": "instance"},
        [images((32, 32, 1)), images((32, 32, 3))],
        (2, 6, 6, 1),
    ),
    (cyclegan_generator, {"filters": 4, "num_blocks": 2}, images((18, 21, 3)), (2, 18, 21, 3)),
    (srresnet, {"scale": 4, "num_blocks": 1, "filters": 4}, images((5, 7, 3)), (2, 20, 28, 3)),
    (srresnet, {"scale": 3, "channels": 1, "num_blocks": 2, "filters": 4}, images((5, 4, 1)), (2, 15, 12, 1)),
    (srgan_discriminator, {"input_shape": (16, 16, 3), "filters": 2, "dense_units": 4}, images((16, 16, 3)), (2, 1)),
]


@pytest.mark.parametrize("case", BUILDER_CASES, ids=lambda case: case[0].__name__)
def test_builder(case):
    builder, kwargs, inputs, expected_shape = case
    model = run_builder_test(builder, init_kwargs=kwargs, input_data=inputs, expected_output_shape=expected_shape)
    if builder in (pix2pix_generator, cyclegan_generator):
        y = numpy(model(inputs))
        assert y.min() >= 0 and y.max() <= 1  # images in [0, 1]


def test_pix2pix_generator_is_the_papers_unet():
    model = pix2pix_generator()
    assert model.output_shape == (None, None, None, 3)
    assert tuple(model.compute_output_shape((1, 256, 256, 3))) == (1, 256, 256, 3)
    names = {layer.name for layer in model.layers}
    widths = [model.get_layer(f"down{i}_conv").filters for i in range(1, 9)]
    assert widths == [64, 128, 256, 512, 512, 512, 512, 512]  # C64-C128-C256-C512-C512-C512-C512-C512
    assert [f"down{i}_bn" in names for i in range(1, 9)] == [False] + [True] * 6 + [False]
    assert sorted(n for n in names if n.endswith("dropout")) == ["up6_dropout", "up7_dropout", "up8_dropout"]
    assert [model.get_layer(f"up{i}_deconv").filters for i in range(8, 0, -1)] == [512] * 4 + [256, 128, 64, 3]
    assert all(model.get_layer(f"up{i}_dropout").rate == 0.5 for i in (6, 7, 8))
    # Dropout in training only: inference is deterministic.
    small = pix2pix_generator(filters=4, depth=3, max_filters=8)
    x = images((16, 16, 3))
    assert_same_outputs(small(x), small(x), atol=0, what="inference")
    assert not np.allclose(numpy(small(x, training=True)), numpy(small(x, training=True)))


def test_patchgan_is_the_papers_70x70_discriminator():
    model = patchgan_discriminator(input_shape=(256, 256, 3), condition_channels=3)
    assert model.output_shape == (None, 30, 30, 1)  # the authors' 30x30 patch map on 256x256 images
    assert patchgan_receptive_field(model) == 70
    # C64-C128-C256-C512 and a 1-filter convolution, all 4x4; batch norm from C128 on.
    expected = (
        conv(4, 6, 64)
        + conv(4, 64, 128, bias=False)
        + conv(4, 128, 256, bias=False)
        + conv(4, 256, 512, bias=False)
        + 2 * (128 + 256 + 512)
        + conv(4, 512, 1)
    )
    assert trainable_params(model) == expected == 2_768_705


@pytest.mark.parametrize("receptive_field", sorted(RECEPTIVE_FIELDS))
def test_receptive_field_is_the_gradient_support(receptive_field):
    """One logit's gradient is non-zero on exactly a receptive_field x receptive_field square of every input."""
    conditional = receptive_field == 70  # pix2pix's discriminator
    model = patchgan_discriminator(
        filters=1, receptive_field=receptive_field, condition_channels=2 if conditional else None
    )
    model.set_weights(lively_weights(model, seed=receptive_field, gain=2.0))
    assert patchgan_receptive_field(model) == receptive_field
    side = max(2 * receptive_field, 8)  # the centre logit's window lies inside: no padding in it
    rng = np.random.default_rng(receptive_field)
    inputs = [tf.Variable(rng.random((1, side, side, c), dtype=np.float32)) for c in ((2, 3) if conditional else (3,))]
    with tf.GradientTape() as tape:
        logits = model(inputs if conditional else inputs[0], training=False)
        h, w = logits.shape[1] // 2, logits.shape[2] // 2
        centre = logits[0, h, w, 0]
    for gradient in tape.gradient(centre, inputs):
        support = np.any(gradient.numpy()[0] != 0, axis=-1)
        rows, cols = np.nonzero(support)
        assert support.sum() == receptive_field**2
        assert (np.ptp(rows) + 1, np.ptp(cols) + 1) == (receptive_field, receptive_field)


def test_cyclegan_generator_is_the_papers_resnet():
    model = cyclegan_generator()
    assert model.output_shape == (None, None, None, 3)
    blocks = {layer.name.split("_")[0] for layer in model.layers if layer.name.startswith("block")}
    assert len(blocks) == 9
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.GroupNormalization)]
    assert (
        all(layer.groups == layer.gamma.shape[0] for layer in norms) and len(norms) == 1 + 2 + 18 + 2
    )  # instance norm
    # c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3: the authors' code has 11,378,179 parameters;
    # here the 5,248 normalised channels have an instance-norm scale and offset instead of a conv bias.
    assert trainable_params(model) == 11_378_179 + 5_248


def test_srresnet_and_srgan_discriminator_follow_the_paper():
    model = srresnet()
    block = 2 * conv(3, 64, 64, bias=False) + 2 * 128 + 64  # two convs, two batch norms, a PReLU
    upsampler = conv(3, 64, 256) + 64
    expected = conv(9, 3, 64) + 64 + 16 * block + conv(3, 64, 64, bias=False) + 128 + 2 * upsampler + conv(9, 64, 3)
    assert trainable_params(model) == expected
    with_icnr = srresnet(
        num_blocks=1, filters=8, icnr=True
    )  # sub-pixel convolutions free of checkerboards at the start
    for name in ("upsampler_conv1", "upsampler_conv2"):
        assert type(model.get_layer(name).kernel_initializer).__name__ == "GlorotUniform"
        initializer = with_icnr.get_layer(name).kernel_initializer
        assert type(initializer).__name__ == "ICNR" and initializer.scale == 2
    discriminator = srgan_discriminator()
    widths = [3, 64, 64, 128, 128, 256, 256, 512, 512]
    convs = conv(3, 3, 64) + sum(conv(3, a, b, bias=False) + 2 * b for a, b in zip(widths[1:], widths[2:]))
    assert trainable_params(discriminator) == convs + (6 * 6 * 512 + 1) * 1024 + 1025
    assert discriminator.output_shape == (None, 1)


# --- the training schemes ---

SCHEMES = {
    "pix2pix": (
        pix2pix,
        {
            "input_shape": (32, 32, 3),
            "filters": 4,
            "depth": 3,
            "max_filters": 8,
            "discriminator_filters": 4,
            "receptive_field": 16,
        },
        lambda: (images((32, 32, 3), n=2, seed=1), images((32, 32, 3), n=2, seed=2)),
    ),
    "cyclegan": (
        cyclegan,
        {"input_shape": (16, 16, 3), "filters": 4, "num_blocks": 1, "discriminator_filters": 4, "receptive_field": 16},
        lambda: (images((16, 16, 3), n=2, seed=1), images((16, 16, 3), n=2, seed=2)),
    ),
    "srgan": (
        srgan,
        {"scale": 2, "patch_size": 16, "num_blocks": 1, "filters": 4, "discriminator_filters": 2, "dense_units": 4},
        lambda: (images((8, 8, 3), n=2, seed=1), images((16, 16, 3), n=2, seed=2)),
    ),
}
LOGS = {
    "pix2pix": ["d_loss", "g_loss", "l1"],
    "cyclegan": ["cycle_loss", "d_loss", "g_loss", "identity_loss"],
    "srgan": ["content_loss", "d_loss", "g_loss", "psnr"],
}


FAST_COMPILE = {"pix2pix": {"jit_compile": False}, "cyclegan": {"run_eagerly": True}, "srgan": {"run_eagerly": True}}


def networks(model):
    return {role: getattr(model, role) for role in (*model.GENERATORS, *model.DISCRIMINATORS)}


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_one_step_trains_every_network_and_the_model_reloads(scheme, tmp_path):
    builder, kwargs, data = SCHEMES[scheme]
    keras.utils.set_random_seed(0)
    model = builder(**kwargs)
    # Tracing a train step takes seconds: one scheme runs as a graph (without XLA: 4x faster to build), the others eagerly.
    model.compile(optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5), **FAST_COMPILE[scheme])
    before = {role: [numpy(w).copy() for w in network.trainable_weights] for role, network in networks(model).items()}
    x, y = data()
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert sorted(history.history) == LOGS[scheme]
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 1
    for role, network in networks(model).items():
        unchanged = [w.path for w, old in zip(network.trainable_weights, before[role]) if np.array_equal(old, numpy(w))]
        assert not unchanged, f"{role}: {unchanged} did not change"

    path = tmp_path / f"{scheme}.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert type(restored) is type(model) and restored.compiled
    assert_same_outputs(model(x), restored(x), atol=1e-6, what="reloaded generator")
    assert int(restored.g_optimizer.iterations) == 1 and restored.g_optimizer is not restored.d_optimizer
    assert float(restored.g_optimizer.beta_1) == 0.5
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(model.get_config(), sort_keys=True)
    assert registry.get_model(scheme, **kwargs).count_params() == model.count_params()
    with pytest.raises(ValueError, match=r"loss must be None.*Received: loss='mae'"):
        restored.compile(optimizer="adam", loss="mae")
    with pytest.raises(ValueError, match=r"metrics must be None"):
        restored.compile(optimizer="adam", metrics=["mae"])


def test_mixed_precision_training_keeps_float32_losses():
    builder, kwargs, data = SCHEMES["cyclegan"]
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = builder(**kwargs)
        model.compile(optimizer="adam", run_eagerly=True)
        x, y = data()
        history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in (model.d_optimizer, model.g_optimizer))
    assert all(np.isfinite(v[0]) for v in history.history.values())
    outputs = [*model.generator_ab.outputs, *model.generator_ba.outputs, *model.discriminator_a.outputs]
    assert [t.dtype for t in outputs] == ["float32"] * 3
    assert model(x).dtype == "float32"


def constant_discriminator(score, shapes, name="discriminator"):
    """A discriminator that answers ``score`` on every patch."""
    inputs = [keras.Input(shape) for shape in shapes]
    x = keras.layers.Concatenate()(inputs) if len(inputs) > 1 else inputs[0]
    out = keras.layers.Conv2D(1, 1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(score))(x)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], out, name=name)


def identity_generator(channels, name):
    """An exact identity with trainable weights: a 1x1 convolution with the identity kernel."""
    image = keras.Input((None, None, channels))
    model = keras.Model(image, keras.layers.Conv2D(channels, 1)(image), name=name)
    model.set_weights([np.eye(channels, dtype=np.float32)[None, None], np.zeros(channels, np.float32)])
    return model


def test_pix2pix_losses():
    c = 0.7
    generator = pix2pix_generator(filters=4, depth=2, max_filters=8)
    model = Pix2Pix(generator, constant_discriminator(c, [(None, None, 3)] * 2), l1_weight=5.0)
    model.compile(optimizer="sgd", run_eagerly=True)
    x, y = images((8, 8, 3), seed=3), images((8, 8, 3), seed=4)
    logs = model.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["l1"], np.abs(y - numpy(generator(x))).mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"], softplus(-c), rtol=1e-5)  # -log D(x, G(x))
    np.testing.assert_allclose(logs["d_loss"], 0.5 * (softplus(-c) + softplus(c)), rtol=1e-5)  # halved, as the paper
    assert Pix2Pix.from_config(model.get_config()).l1_weight == 5.0
    with pytest.raises(ValueError, match=r"trains on \(source, target\) batches.*Received: batches of x alone"):
        model.evaluate(x, batch_size=2, verbose=0)


def test_cyclegan_losses_and_identity_generators():
    c = 0.3
    model = CycleGAN(
        identity_generator(3, "generator_ab"),
        identity_generator(3, "generator_ba"),
        constant_discriminator(c, [(None, None, 3)], "discriminator_a"),
        constant_discriminator(c, [(None, None, 3)], "discriminator_b"),
    )
    model.compile(optimizer="adam", run_eagerly=True)
    a, b = images((8, 8, 3), seed=5), images((8, 8, 3), seed=6)
    logs = model.evaluate(a, b, batch_size=2, verbose=0, return_dict=True)
    assert logs["cycle_loss"] == 0 and logs["identity_loss"] == 0  # G_ba(G_ab(a)) = a, G_ab(b) = b
    np.testing.assert_allclose(logs["g_loss"], 2 * (c - 1) ** 2, rtol=1e-5)  # least squares, two generators
    np.testing.assert_allclose(logs["d_loss"], (c - 1) ** 2 + c**2, rtol=1e-5)  # two halved discriminator losses
    assert (model.cycle_weight, model.identity_weight) == (10.0, 0.5)


def test_srgan_losses_and_the_vgg_content_loss():
    c = -0.4
    generator = srresnet(scale=2, num_blocks=1, filters=4)
    lr, hr = images((16, 16, 3), seed=7), images((32, 32, 3), seed=8)
    model = SRGAN(generator, constant_discriminator(c, [(32, 32, 3)]))
    model.compile(optimizer="adam", run_eagerly=True)
    logs = model.evaluate(lr, hr, batch_size=2, verbose=0, return_dict=True)
    sr = numpy(generator(lr))
    # the paper's MSE: on images in [-1, 1]
    np.testing.assert_allclose(logs["content_loss"], (((2 * sr - 1) - (2 * hr - 1)) ** 2).mean(), rtol=1e-5)
    mse = ((np.clip(sr, 0, 1) - hr) ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(logs["psnr"], (-10 * np.log10(mse)).mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"], softplus(-c), rtol=1e-5)
    np.testing.assert_allclose(logs["d_loss"], softplus(-c) + softplus(c), rtol=1e-5)

    # "vgg": the MSE of VGG19 block5_conv4 features scaled by 1/12.75; random weights, nothing downloaded.
    extractor = vgg_content_extractor(weights=None)
    assert extractor.output_shape == (None, None, None, 512) and not extractor.trainable_weights
    model = SRGAN(generator, constant_discriminator(c, [(32, 32, 3)]), content_loss="vgg", feature_extractor=extractor)
    model.compile(optimizer="adam", run_eagerly=True)
    logs = model.evaluate(lr, hr, batch_size=2, verbose=0, return_dict=True)
    expected = ((numpy(extractor(sr)) - numpy(extractor(hr))) ** 2).mean() / 12.75**2
    np.testing.assert_allclose(logs["content_loss"], expected, rtol=1e-4)
    assert expected > 0
    frozen = [numpy(w).copy() for w in extractor.weights]
    generator_before = numpy(generator.get_layer("head_conv").kernel).copy()
    model.fit(lr, hr, batch_size=2, epochs=1, verbose=0)
    assert not np.array_equal(generator_before, numpy(generator.get_layer("head_conv").kernel))
    assert all(np.array_equal(a, numpy(b)) for a, b in zip(frozen, extractor.weights))
    config = model.get_config()
    assert config["content_loss"] == "vgg" and config["feature_extractor"]["config"]["name"] == extractor.name


def test_srgan_fine_tunes_a_given_generator():
    generator = srresnet(scale=4, num_blocks=1, filters=4)
    model = srgan(scale=4, generator=generator, patch_size=32, discriminator_filters=2, dense_units=4)
    assert model.generator is generator and model.discriminator.input_shape == (None, 32, 32, 3)


# --- arguments, registry, docstrings ---


@pytest.mark.parametrize(
    "build, argument, value",
    [
        (lambda: patchgan_discriminator(receptive_field=50), "receptive_field", "50"),
        (lambda: patchgan_discriminator(filters=0), "filters", "0"),
        (lambda: patchgan_discriminator(normalization="layer"), "normalization", "'layer'"),
        (lambda: patchgan_discriminator(input_shape=(16, 16, 3)), "input_shape", r"\(16, 16, 3\)"),
        (lambda: patchgan_discriminator(condition_channels=0), "condition_channels", "0"),
        (lambda: pix2pix_generator(depth=0), "depth", "0"),
        (lambda: pix2pix_generator(dropout=1.0), "dropout", r"1\.0"),
        (lambda: pix2pix_generator(max_filters=32), "max_filters", "32"),
        (lambda: pix2pix_generator(input_shape=(100, 100, 3)), "input_shape", r"\(100, 100, 3\)"),
        (lambda: pix2pix_generator(input_shape=(64, 64)), "input_shape", r"\(64, 64\)"),
        (lambda: cyclegan_generator(num_blocks=-1), "num_blocks", "-1"),
        (lambda: cyclegan_generator(input_shape=(4, 4, 3)), "input_shape", r"\(4, 4, 3\)"),
        (lambda: srresnet(scale=5), "scale", "5"),
        (lambda: srresnet(num_blocks=0), "num_blocks", "0"),
        (lambda: srgan_discriminator(input_shape=(None, None, 3)), "input_shape", r"\(None, None, 3\)"),
        (lambda: srgan_discriminator(dense_units=0), "dense_units", "0"),
        (lambda: srgan(scale=4, patch_size=30), "patch_size", "30"),
        (lambda: srgan(content_loss="l1"), "content_loss", "'l1'"),
        (lambda: pix2pix(input_shape=(32, 32, 3), depth=3, l1_weight=-1), "l1_weight", "-1"),
        (lambda: cyclegan(output_channels=1), "identity_weight", r"0\.5"),
        (lambda: cyclegan(cycle_weight="10"), "cycle_weight", "'10'"),
    ],
)
def test_bad_arguments_name_the_argument(build, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}(\W|$)"):
        build()


def test_schemes_check_their_networks():
    generator = pix2pix_generator(filters=2, depth=2, max_filters=4)
    unconditional = patchgan_discriminator(filters=2, receptive_field=16)
    with pytest.raises(ValueError, match=r"discriminator must take 2 input\(s\) in a Pix2Pix"):
        Pix2Pix(generator, unconditional)
    with pytest.raises(ValueError, match=r"feature_extractor must be given with content_loss='vgg'"):
        SRGAN(srresnet(scale=2, num_blocks=1, filters=2), unconditional, content_loss="vgg")
    to_gray = pix2pix_generator(output_channels=1, filters=2, depth=2, max_filters=4)
    with pytest.raises(ValueError, match=r"generator_ba must map 1 channels back to 3"):
        CycleGAN(to_gray, generator, unconditional, unconditional, identity_weight=0)
    assert cyclegan(output_channels=1, identity_weight=0, filters=2, num_blocks=1).generator_ba.output_shape[-1] == 3


def test_registered_families():
    assert registry.list_models(family="image_translation") == [
        "cyclegan",
        "cyclegan_generator",
        "patchgan_discriminator",
        "pix2pix",
        "pix2pix_generator",
        "srgan",
    ]
    assert {"srresnet", "srgan_discriminator"} <= set(registry.list_models(family="restoration"))
    assert registry.model_entry("srgan").summary.startswith("SRGAN:")


def test_docstring_examples_run():
    # The packages' builders pix2pix and cyclegan hide their modules' names: import the modules by path.
    for name in ("pix2pix", "cyclegan", "training"):
        module = importlib.import_module(f"kerasdl.models.image_translation.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__
