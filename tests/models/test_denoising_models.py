"""DnCNN builder and its pixel-unshuffle layer: shapes, serialisation, paper parameter count, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.layers import PixelShuffle, PixelUnshuffle
from kerasdl.models.restoration import dncnn
from tests.testing import run_builder_test

TINY = {"depth": 3, "filters": 4}


def conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in * c_out + (c_out if bias else 0)


@pytest.mark.parametrize("downscale", [1, 2])
@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("channels", [1, 3])
def test_builder(channels, batch_norm, downscale):
    # Odd sides: the downscaled model pads and crops inside, so any size works.
    x = np.random.default_rng(channels).random((2, 9, 7, channels), dtype=np.float32)
    model = run_builder_test(
        dncnn,
        init_kwargs={"channels": channels, "batch_norm": batch_norm, "downscale": downscale, **TINY},
        input_data=x,
        expected_output_shape=(2, 9, 7, channels),
    )
    assert model.input_shape == model.output_shape == (None, None, None, channels)
    assert model.output.dtype == "float32"
    assert tuple(model(np.zeros((1, 16, 5, channels), np.float32)).shape) == (1, 16, 5, channels)


def test_dncnn_s_parameters_match_the_paper():
    # Zhang et al. 2017: 17 layers of 3x3 convolutions, 64 filters; batch norm in layers 2-16
    # (no bias there). Grayscale DnCNN-S.
    middle = conv_params(3, 64, 64, bias=False) + 2 * 64  # + gamma, beta
    trainable = conv_params(3, 1, 64) + 15 * middle + conv_params(3, 64, 1)
    assert trainable == 556_097
    model = dncnn()
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == trainable
    assert model.count_params() == trainable + 15 * 2 * 64  # the moving means and variances
    assert len([layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]) == 17
    colour = dncnn(channels=3)
    assert colour.count_params() == model.count_params() + conv_params(3, 3, 64) - conv_params(3, 1, 64) + (
        conv_params(3, 64, 3) - conv_params(3, 64, 1)
    )


def test_downscale_runs_the_body_at_quarter_resolution():
    model = dncnn(depth=4, filters=8, downscale=2)
    assert model.get_layer("conv1").input.shape[-1] == 4  # four sub-images of one channel
    assert model.get_layer("conv4").output.shape[-1] == 4
    base = dncnn(depth=4, filters=8)
    # Only the first and last convolutions change: 4 channels in and out instead of 1.
    diff = conv_params(3, 4, 8) - conv_params(3, 1, 8) + conv_params(3, 8, 4) - conv_params(3, 8, 1)
    assert model.count_params() == base.count_params() + diff


@pytest.mark.parametrize("downscale", [1, 2])
def test_zero_initialised_residual_model_is_the_identity(downscale):
    model = dncnn(depth=3, filters=4, downscale=downscale, zero_init_output=True)
    x = np.random.default_rng(0).normal(0.5, 0.3, (2, 11, 13, 1)).astype(np.float32)
    np.testing.assert_array_equal(model(x, training=False).numpy(), x)


def test_residual_learning_subtracts_the_predicted_noise():
    residual = dncnn(depth=3, filters=4)
    plain = dncnn(depth=3, filters=4, residual=False)
    plain.set_weights(residual.get_weights())
    x = np.random.default_rng(1).random((1, 8, 8, 1), dtype=np.float32)
    np.testing.assert_allclose(residual(x).numpy(), x - plain(x).numpy(), atol=1e-6)


def test_input_shape_and_input_tensor():
    fixed = dncnn(input_shape=(12, 10, 1), **TINY, downscale=2)
    assert fixed.input_shape == (None, 12, 10, 1) and fixed.output_shape == (None, 12, 10, 1)
    source = keras.Input((None, None, 3), name="source")
    chained = dncnn(input_tensor=keras.layers.Rescaling(1.0)(source), channels=3, **TINY)
    assert chained.inputs[0] is source
    assert tuple(chained(np.zeros((1, 6, 6, 3), np.float32)).shape) == (1, 6, 6, 3)


def test_pixel_unshuffle_inverts_pixel_shuffle():
    x = np.random.default_rng(2).random((2, 6, 8, 3), dtype=np.float32)
    down = PixelUnshuffle(2)(x)
    assert tuple(down.shape) == (2, 3, 4, 12)
    np.testing.assert_array_equal(PixelShuffle(2)(down).numpy(), x)
    np.testing.assert_array_equal(down.numpy()[0, 0, 0, :3], x[0, 0, 0])  # top-left sub-image first
    assert PixelUnshuffle(3).compute_output_shape((None, 9, None, 2)) == (None, 3, None, 18)
    assert PixelUnshuffle.from_config(PixelUnshuffle(2).get_config()).scale == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"channels": 2}, "channels must be 1 (grayscale) or 3 (RGB); Received: channels=2"),
        ({"depth": 1}, "depth must be an int >= 2; Received: depth=1"),
        ({"filters": 0}, "filters must be an int >= 1; Received: filters=0"),
        ({"downscale": 0}, "downscale must be an int >= 1; Received: downscale=0"),
        ({"depth": 2.5}, "depth must be an int >= 2; Received: depth=2.5"),
        ({"input_shape": (8, 8, 3)}, "channel count must equal channels=1"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dncnn(**kwargs)


def test_pixel_unshuffle_bad_scale():
    with pytest.raises(ValueError, match=r"scale must be an int >= 2; Received: scale=1"):
        PixelUnshuffle(1)
