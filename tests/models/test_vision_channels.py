"""Every vision builder takes 1, 3 and 4 input channels (the family tests cover the .keras round trips)."""

import functools

import numpy as np
import pytest

import kerasdl
from tests.testing import assert_float32_outputs_under_mixed_precision

# The smallest input each architecture accepts without its top.
MIN_SIDE = {"alexnet": 67, "googlenet": 32, "inception_v3": 75, "lenet5": 32, "mlp": 8}
HEAVY = {"resnet101", "resnet152", "inception_v3", "vgg19"}


def _cases():
    for name in kerasdl.list_models(family="vision"):
        # The heavy ones share their input handling with a lighter builder of their family that
        # takes all three counts (resnet50, vgg16), or their own tests take them (inception_v3):
        # here they take 4, the least common.
        for channels in (4,) if name in HEAVY else (1, 3, 4):
            marks = [pytest.mark.slow] if name in HEAVY else []
            yield pytest.param(name, channels, id=f"{name}-{channels}ch", marks=marks)


@pytest.mark.parametrize("name, channels", list(_cases()))
def test_builder_takes_1_3_and_4_channels(name, channels):
    side = MIN_SIDE.get(name, 32)
    if name in ("mlp", "lenet5"):  # their tops flatten: a small classifier instead of pooling
        model = kerasdl.get_model(name, input_shape=(side, side, channels), classes=3)
        expected = (2, 3)
    else:
        model = kerasdl.get_model(name, include_top=False, input_shape=(side, side, channels), pooling="avg")
        expected = (2, model.output_shape[-1])
    x = np.random.default_rng(channels).random((2, side, side, channels), dtype=np.float32)
    out = np.asarray(model(x, training=False))
    assert out.shape == expected and np.isfinite(out).all()
    assert model.input_shape[-1] == channels


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.slow] if n in HEAVY else []) for n in kerasdl.list_models(family="vision")],
)
def test_classifier_outputs_float32_under_mixed_precision(name):
    """Mixed precision computes in float16 but keeps the predictions float32 (Keras' guide)."""
    side = MIN_SIDE.get(name, 32)
    model = assert_float32_outputs_under_mixed_precision(
        functools.partial(kerasdl.get_model, name), {"input_shape": (side, side, 3), "classes": 5}
    )
    assert any(layer.compute_dtype == "float16" for layer in model.layers)
