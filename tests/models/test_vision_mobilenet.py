"""MobileNet and MobileNetV2 builders: parity with keras.applications, the harness, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.models.vision.mobilenet import make_divisible, mobilenet, mobilenet_v2
from tests.testing import (
    assert_loads_reference_file,
    assert_matches_reference,
    forbid_reference,
    reference_case,
    run_builder_test,
)

SMALL = (32, 32)  # the minimum: five stride-2 layers down to 1x1

PARITY = [
    pytest.param((mobilenet, "MobileNet", False), id="mobilenet-notop"),
    pytest.param((mobilenet, "MobileNet", True), id="mobilenet-top"),
    pytest.param((mobilenet_v2, "MobileNetV2", False), id="mobilenet_v2-notop"),
    pytest.param((mobilenet_v2, "MobileNetV2", True), id="mobilenet_v2-top"),
]


@pytest.fixture(scope="module", params=PARITY)
def parity(request, tmp_path_factory):
    # No ImageNet weights are loaded, so any input of at least 32x32 will do, with the top too.
    builder, reference, include_top = request.param
    return reference_case(
        builder,
        getattr(keras.applications, reference),
        include_top=include_top,
        folder=tmp_path_factory.mktemp("mobilenet_parity"),
        gain=2.0,
    )


def test_matches_keras_applications(parity):
    assert_matches_reference(parity)


def test_loads_keras_applications_weights_file(parity):
    assert_loads_reference_file(parity)


@pytest.mark.parametrize(
    "builder, reference, kwargs",
    [
        (mobilenet, "MobileNet", {"alpha": 0.25}),
        (mobilenet, "MobileNet", {"alpha": 0.75, "depth_multiplier": 2}),
        (mobilenet_v2, "MobileNetV2", {"alpha": 0.35}),
        (mobilenet_v2, "MobileNetV2", {"alpha": 1.4}),  # alpha > 1 widens the last convolution too
    ],
)
def test_width_multipliers_match_keras_applications(builder, reference, kwargs):
    ours = builder(input_shape=(*SMALL, 3), classes=10, **kwargs)
    ref = getattr(keras.applications, reference)(weights=None, input_shape=(*SMALL, 3), classes=10, **kwargs)
    assert ours.count_params() == ref.count_params()
    weighted = [(layer.name, [tuple(w.shape) for w in layer.weights]) for layer in ours.layers if layer.weights]
    assert weighted == [(layer.name, [tuple(w.shape) for w in layer.weights]) for layer in ref.layers if layer.weights]


@pytest.mark.parametrize("shape", [(33, 35, 3), (32, 37, 3)])
def test_mobilenet_v2_odd_sizes_pad_like_keras_applications(shape):
    # Strided depthwise convolutions pad (1, 1) on odd sides and (0, 1) on even ones.
    ours = mobilenet_v2(include_top=False, input_shape=shape, alpha=0.35)
    ref = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=shape, alpha=0.35)
    for name in ("block_1_pad", "block_3_pad", "block_6_pad", "block_13_pad"):
        assert ours.get_layer(name).padding == ref.get_layer(name).padding
    assert ours.output_shape == ref.output_shape


def test_make_divisible():
    assert [make_divisible(v) for v in (16 * 0.35, 24 * 0.35, 32 * 0.35, 1280 * 1.4, 8)] == [8, 8, 16, 1792, 8]
    assert make_divisible(int(96 * 0.35)) == 32  # rounds to nearest: 33 -> 32, not below 90% of it


def _harness_cases():
    # Each builder at its smallest width: 1 channel with max pooling, and 4 channels through an
    # input_tensor with a small top. Three channels run in the parity tests above.
    for builder, alpha, features in ((mobilenet, 0.25, 256), (mobilenet_v2, 0.35, 1280)):
        name = builder.__name__
        yield pytest.param(
            builder,
            {"input_shape": (*SMALL, 1), "include_top": False, "pooling": "max", "alpha": alpha},
            (1, features),
            id=f"{name}-1ch-max",
        )
        yield pytest.param(
            builder, {"input_tensor": True, "classes": 3, "alpha": alpha}, (1, 3), id=f"{name}-4ch-tensor-top"
        )
    yield pytest.param(
        mobilenet,
        {"input_shape": (*SMALL, 3), "include_top": False, "pooling": "avg", "alpha": 0.25},
        (1, 256),
        id="mobilenet-3ch-avg",
    )


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


def test_fully_convolutional_by_default():
    model = mobilenet_v2(classes=5, alpha=0.35)
    assert model.input_shape == (None, None, None, 3)
    assert tuple(model(np.zeros((1, 45, 61, 3), np.float32)).shape) == (1, 5)
    v1 = mobilenet(classes=5, alpha=0.25)
    assert tuple(v1(np.zeros((1, 45, 61, 3), np.float32)).shape) == (1, 5)


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (mobilenet, {"classes": 0}, r"classes=0\b"),
        (mobilenet_v2, {"classes": 0}, r"classes=0\b"),
        (mobilenet, {"input_shape": (31, 31, 3)}, r"too small.*input_shape=\(31, 31, 3\)"),
        (mobilenet_v2, {"include_top": False, "input_shape": (64, 8, 3)}, r"too small.*input_shape=\(64, 8, 3\)"),
        (mobilenet, {"weights": "foo"}, r"weights='foo'"),
        (mobilenet_v2, {"weights": "foo"}, r"weights='foo'"),
        (mobilenet, {"weights": "imagenet", "input_shape": (100, 100, 3)}, r"input_shape=\(100, 100, 3\)"),
        (mobilenet_v2, {"weights": "imagenet", "input_shape": (100, 100, 3)}, r"input_shape=\(100, 100, 3\)"),
        (mobilenet, {"weights": "imagenet", "alpha": 0.35}, r"alpha=0\.35"),
        (mobilenet_v2, {"weights": "imagenet", "alpha": 0.25}, r"alpha=0\.25"),
        (mobilenet, {"weights": "imagenet", "depth_multiplier": 2}, r"depth_multiplier=2\b"),
        (mobilenet, {"weights": "imagenet", "include_top": False, "input_shape": (128, 128, 4)}, r"\(128, 128, 4\)"),
        (mobilenet, {"alpha": 0}, r"alpha=0\b"),
        (mobilenet_v2, {"alpha": "1"}, r"alpha='1'"),
        (mobilenet, {"depth_multiplier": 0}, r"depth_multiplier=0\b"),
        (mobilenet, {"dropout": -0.1}, r"dropout=-0\.1"),
        (mobilenet_v2, {"include_top": False, "pooling": "min"}, r"pooling='min'"),
    ],
)
def test_bad_arguments_name_the_argument(monkeypatch, builder, kwargs, message):
    forbid_reference(monkeypatch, "MobileNet")
    forbid_reference(monkeypatch, "MobileNetV2")
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)


@pytest.mark.parametrize("builder, side", [(mobilenet, 128), (mobilenet, 192), (mobilenet_v2, 96)])
def test_imagenet_with_the_top_accepts_every_published_size(monkeypatch, builder, side):
    # keras.applications publishes weights with the top for square inputs other than 224. The
    # checks let them through; the loading is stubbed (no download), and the reference it
    # would copy from, built with weights=None and the arguments it receives, has our layout.
    received = {}

    def load_weights(model, weights, *, reference, **kwargs):
        received.update(kwargs, reference=reference)
        return model

    monkeypatch.setattr("kerasdl.models.vision.common.load_weights", load_weights)
    alpha = 0.25 if builder is mobilenet else 0.35
    model = builder(weights="imagenet", input_shape=(side, side, 3), alpha=alpha)
    assert model.input_shape == (None, side, side, 3)
    assert received["input_shape"] == (side, side, 3) and received["alpha"] == alpha
    ref = received.pop("reference")(weights=None, **received)
    assert [tuple(w.shape) for w in ref.weights] == [tuple(w.shape) for w in model.weights]
