"""VGG builders: parity with keras.applications.VGG16/19, the paper's configurations, the harness, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.models.vision.vgg import vgg11, vgg13, vgg16, vgg19
from tests.testing import (
    assert_loads_reference_file,
    assert_matches_reference,
    forbid_reference,
    reference_case,
    run_builder_test,
)

SMALL = (32, 32)  # five 2x2 poolings down to 1x1

PARITY = [
    pytest.param((vgg16, "VGG16", False), id="vgg16-notop"),
    pytest.param((vgg16, "VGG16", True), id="vgg16-top"),
    pytest.param((vgg19, "VGG19", False), id="vgg19-notop"),
    pytest.param((vgg19, "VGG19", True), id="vgg19-top"),
]


@pytest.fixture(scope="module", params=PARITY)
def parity(request, tmp_path_factory):
    # With the top, 32x32 inputs flatten to 512 features: fc1 has 2.1M weights, not 103M.
    builder, reference, include_top = request.param
    return reference_case(
        builder,
        getattr(keras.applications, reference),
        include_top=include_top,
        folder=tmp_path_factory.mktemp("vgg_parity"),
        gain=2.0,  # He initialisation: a plain ReLU stack keeps its scale
    )


def test_matches_keras_applications(parity):
    # The default dropout after fc1/fc2 has no weights and is the identity at inference.
    assert_matches_reference(parity)


def test_loads_keras_applications_weights_file(parity):
    assert_loads_reference_file(parity)


def conv_params(kernel, c_in, c_out):
    return kernel * kernel * c_in * c_out + c_out


def vgg_conv_params(convs_per_block):
    """Weights and biases of the 3x3 convolutions of a configuration (input-size free)."""
    total, c_in = 0, 3
    for width, convs in zip((64, 128, 256, 512, 512), convs_per_block):
        for _ in range(convs):
            total += conv_params(3, c_in, width)
            c_in = width
    return total


@pytest.mark.parametrize(
    "builder, convs_per_block",
    [(vgg11, (1, 1, 2, 2, 2)), (vgg13, (2, 2, 2, 2, 2)), (vgg16, (2, 2, 3, 3, 3)), (vgg19, (2, 2, 4, 4, 4))],
)
def test_configurations_of_the_paper(builder, convs_per_block):
    # Table 1 of Simonyan & Zisserman: A, B, D, E; the convolutional part only.
    expected = vgg_conv_params(convs_per_block)
    model = builder(include_top=False)
    assert model.count_params() == expected
    names = [layer.name for layer in model.layers]
    assert sum(name.endswith("_pool") for name in names) == 5
    assert f"block5_conv{convs_per_block[-1]}" in names
    # With batch norm: 4 numbers per channel after every convolution (2 of them trained).
    bn = builder(include_top=False, batch_norm=True)
    channels = sum(w * n for w, n in zip((64, 128, 256, 512, 512), convs_per_block))
    assert bn.count_params() == expected + 4 * channels
    assert sum(int(np.prod(w.shape)) for w in bn.non_trainable_weights) == 2 * channels


@pytest.mark.slow
def test_vgg16_default_size_parameters():
    # 224x224 with the top: 7x7x512 features into fc1, the 138,357,544 parameters of configuration D.
    expected = vgg_conv_params((2, 2, 3, 3, 3))  # 14,714,688
    expected += (7 * 7 * 512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
    assert expected == 138_357_544
    model = vgg16()
    assert model.input_shape == (None, 224, 224, 3)
    assert model.count_params() == expected


def test_dropout_is_optional_and_inactive_at_inference():
    x = np.random.default_rng(0).random((2, *SMALL, 3), dtype=np.float32)
    with_dropout = vgg11(input_shape=(*SMALL, 3), classes=4, classifier_activation=None)
    assert [layer.name for layer in with_dropout.layers if isinstance(layer, keras.layers.Dropout)] == [
        "fc1_dropout",
        "fc2_dropout",
    ]
    without = vgg11(input_shape=(*SMALL, 3), classes=4, classifier_activation=None, dropout=0)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in without.layers)
    without.set_weights(with_dropout.get_weights())
    np.testing.assert_allclose(without(x).numpy(), with_dropout(x, training=False).numpy(), atol=1e-6, rtol=0)
    # In training the dropout is live: the same weights give other outputs.
    assert not np.allclose(with_dropout(x, training=True).numpy(), with_dropout(x, training=False).numpy())


def _harness_cases():
    # The cheapest member gets the variations (1 and 4 channels, max pooling, input_tensor,
    # batch norm, a small top); every builder runs once with 3 channels and average pooling.
    yield pytest.param(
        vgg11, {"input_shape": (*SMALL, 1), "include_top": False, "pooling": "max"}, (1, 512), id="vgg11-1ch-max"
    )
    yield pytest.param(vgg11, {"input_tensor": True, "classes": 3}, (1, 3), id="vgg11-4ch-tensor-top")
    yield pytest.param(
        vgg11,
        {"input_shape": (*SMALL, 3), "include_top": False, "batch_norm": True},
        (1, 1, 1, 512),
        id="vgg11-3ch-bn-nopool",
    )
    for builder in (vgg11, vgg13, vgg16, vgg19):
        kwargs = {"input_shape": (*SMALL, 3), "include_top": False, "pooling": "avg"}
        yield pytest.param(builder, kwargs, (1, 512), id=f"{builder.__name__}-3ch-avg")


@pytest.mark.parametrize("builder, kwargs, expected", list(_harness_cases()))
def test_builder(builder, kwargs, expected):
    kwargs = dict(kwargs)
    if kwargs.pop("input_tensor", False):
        kwargs["input_tensor"] = keras.Input((*SMALL, 4))
    channels = kwargs["input_tensor"].shape[-1] if "input_tensor" in kwargs else kwargs["input_shape"][-1]
    x = np.random.default_rng(channels).random((1, *SMALL, channels), dtype=np.float32)
    model = run_builder_test(builder, init_kwargs=kwargs, input_data=x, expected_output_shape=expected)
    if "input_tensor" in kwargs:
        assert model.inputs[0] is kwargs["input_tensor"]


def test_top_needs_a_known_size():
    assert vgg11(include_top=False).input_shape == (None, None, None, 3)
    assert vgg11(input_shape=(48, 64, 1), classes=2).input_shape == (None, 48, 64, 1)
    with pytest.raises(ValueError, match=r"input_shape=\(None, None, 3\)"):
        vgg11(input_shape=(None, None, 3))


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (vgg11, {"classes": 0}, r"classes=0\b"),
        (vgg16, {"classes": 0}, r"classes=0\b"),
        (vgg16, {"input_shape": (16, 16, 3)}, r"too small.*input_shape=\(16, 16, 3\)"),
        (vgg19, {"include_top": False, "input_shape": (32, 31, 3)}, r"too small.*input_shape=\(32, 31, 3\)"),
        (vgg11, {"weights": "foo"}, r"weights='foo'"),
        (vgg16, {"weights": "foo"}, r"weights='foo'"),
        (vgg11, {"weights": "imagenet"}, r"weights='imagenet'"),
        (vgg13, {"weights": "imagenet"}, r"weights='imagenet'"),
        (vgg16, {"weights": "imagenet", "input_shape": (100, 100, 3)}, r"input_shape=\(100, 100, 3\)"),
        (vgg19, {"weights": "imagenet", "classes": 10}, r"classes=10\b"),
        (vgg16, {"weights": "imagenet", "batch_norm": True}, r"batch_norm=True"),
        (vgg16, {"batch_norm": 1}, r"batch_norm=1\b"),
        (vgg16, {"dropout": 1.0}, r"dropout=1\.0"),
        (vgg16, {"include_top": False, "pooling": "sum"}, r"pooling='sum'"),
    ],
)
def test_bad_arguments_name_the_argument(monkeypatch, builder, kwargs, message):
    forbid_reference(monkeypatch, "VGG16")
    forbid_reference(monkeypatch, "VGG19")
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)
