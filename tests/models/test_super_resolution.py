"""SRCNN, ESPCN and EDSR builders: shapes, serialisation, paper parameter counts, argument checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.models.restoration import SUPPORTED_SCALES, edsr, espcn, srcnn
from tests.testing import run_builder_test

# Tiny widths keep every case fast; the paper-sized models are only counted, never run.
TINY = {
    srcnn: {"filters": (8, 4)},
    espcn: {"filters": (8, 4)},
    edsr: {"num_blocks": 1, "filters": 4},
}


def conv_params(kernel, c_in, c_out):
    """Weights plus biases of a ``kernel x kernel`` Conv2D."""
    return kernel * kernel * c_in * c_out + c_out


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("builder", [srcnn, espcn, edsr], ids=lambda b: b.__name__)
def test_builder(builder, scale, channels):
    h, w = 5, 7
    x = np.random.default_rng(scale * 10 + channels).random((2, h, w, channels), dtype=np.float32)
    model = run_builder_test(
        builder,
        init_kwargs={"scale": scale, "channels": channels, **TINY[builder]},
        input_data=x,
        expected_output_shape=(2, scale * h, scale * w, channels),
    )
    # Fully convolutional: any spatial size, and float32 output.
    assert model.input_shape == (None, None, None, channels)
    assert model.output_shape == (None, None, None, channels)
    assert model.output.dtype == "float32"
    other = model(np.zeros((1, 3, 11, channels), np.float32))
    assert tuple(other.shape) == (1, 3 * scale, 11 * scale, channels)


def test_supported_scales():
    assert SUPPORTED_SCALES == (2, 3, 4)


@pytest.mark.parametrize("builder", [srcnn, espcn, edsr], ids=lambda b: b.__name__)
def test_input_shape_and_input_tensor(builder):
    kwargs = {"scale": 2, "channels": 3, **TINY[builder]}
    fixed = builder(input_shape=(6, 8, 3), **kwargs)
    assert fixed.input_shape == (None, 6, 8, 3)
    assert fixed.output_shape == (None, 12, 16, 3)

    # input_tensor: build on top of another network's output; the model's input is the
    # original keras.Input, so the whole chain is one model.
    source = keras.Input((6, 8, 3), name="source")
    features = keras.layers.Rescaling(1.0, name="identity")(source)
    chained = builder(input_tensor=features, **kwargs)
    assert chained.inputs[0] is source
    assert chained.output_shape == (None, 12, 16, 3)
    x = np.random.default_rng(0).random((1, 6, 8, 3), dtype=np.float32)
    assert tuple(chained(x).shape) == (1, 12, 16, 3)

    direct = keras.Input((None, None, 3))
    assert builder(input_tensor=direct, **kwargs).inputs[0] is direct


def test_srcnn_parameters_match_the_paper():
    # Dong et al. 2014, 9-1-5 with n1 = 64, n2 = 32 on the Y channel: 8,129 parameters.
    expected = conv_params(9, 1, 64) + conv_params(1, 64, 32) + conv_params(5, 32, 1)
    assert expected == 9 * 9 * 1 * 64 + 64 + 1 * 1 * 64 * 32 + 32 + 5 * 5 * 32 * 1 + 1 == 8129
    for scale in SUPPORTED_SCALES:  # the bicubic pre-upsampling has no weights
        assert srcnn(scale=scale).count_params() == expected
    rgb = conv_params(9, 3, 64) + conv_params(1, 64, 32) + conv_params(5, 32, 3)
    assert srcnn(channels=3).count_params() == rgb


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_espcn_parameters_match_the_paper(scale):
    # Shi et al. 2016: (f1, n1) = (5, 64), (f2, n2) = (3, 32), f3 = 3 with r^2 output maps.
    expected = conv_params(5, 1, 64) + conv_params(3, 64, 32) + conv_params(3, 32, scale * scale)
    assert espcn(scale=scale).count_params() == expected
    assert espcn(scale=3).count_params() == 1664 + 18464 + 2601  # 22,729 at x3


def edsr_parameters(*, scale, channels=3, num_blocks=16, filters=64):
    head = conv_params(3, channels, filters)
    blocks = num_blocks * 2 * conv_params(3, filters, filters)
    body = conv_params(3, filters, filters)
    stages = [2, 2] if scale == 4 else [scale]  # x4 is two x2 pixel shuffles
    upsampler = sum(conv_params(3, filters, filters * r * r) for r in stages)
    tail = conv_params(3, filters, channels)
    return head + blocks + body + upsampler + tail


def test_edsr_baseline_parameters_match_the_paper():
    # EDSR-baseline (Lim et al. 2017) x2: 16 blocks, 64 filters, RGB.
    head = 3 * 3 * 3 * 64 + 64  # 1,792
    blocks = 16 * 2 * (3 * 3 * 64 * 64 + 64)  # 1,181,696
    body = 3 * 3 * 64 * 64 + 64  # 36,928
    upsampler = 3 * 3 * 64 * 256 + 256  # 147,712: 64 -> 64 * 2^2 maps for the x2 shuffle
    tail = 3 * 3 * 64 * 3 + 3  # 1,731
    assert head + blocks + body + upsampler + tail == 1_369_859
    assert edsr(scale=2).count_params() == 1_369_859
    assert edsr(scale=2, bicubic_skip=True).count_params() == 1_369_859  # the skip has no weights


@pytest.mark.parametrize("scale", [3, 4])
def test_edsr_parameters_other_scales(scale):
    assert edsr(scale=scale).count_params() == edsr_parameters(scale=scale)
    assert edsr(scale=scale, channels=1, num_blocks=2, filters=8).count_params() == edsr_parameters(
        scale=scale, channels=1, num_blocks=2, filters=8
    )


def test_edsr_residual_scale_adds_no_weights():
    model = edsr(scale=2, num_blocks=2, filters=8, residual_scale=0.1)
    assert model.count_params() == edsr_parameters(scale=2, num_blocks=2, filters=8)
    assert any(isinstance(layer, keras.layers.Rescaling) for layer in model.layers)


@pytest.mark.parametrize(
    "builder, kwargs, argument, value",
    [
        (srcnn, {"scale": 5}, "scale", "5"),
        (espcn, {"scale": 5}, "scale", "5"),
        (edsr, {"scale": 5}, "scale", "5"),
        (edsr, {"scale": 1}, "scale", "1"),
        (srcnn, {"channels": 2}, "channels", "2"),
        (espcn, {"channels": 2}, "channels", "2"),
        (edsr, {"channels": 2}, "channels", "2"),
        (edsr, {"num_blocks": 0}, "num_blocks", "0"),
        (edsr, {"num_blocks": 2.5}, "num_blocks", "2.5"),
        (edsr, {"filters": 0}, "filters", "0"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}\b"):
        builder(**kwargs)


@pytest.mark.parametrize("builder", [srcnn, espcn, edsr], ids=lambda b: b.__name__)
def test_wrong_input_channels(builder):
    with pytest.raises(ValueError, match=r"channels=1.*\(None, None, None, 3\)"):
        builder(channels=1, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match=r"channels=3.*\(None, 8, 8, 1\)"):
        builder(channels=3, input_tensor=keras.Input((8, 8, 1)))


@pytest.mark.parametrize("builder", [srcnn, espcn, edsr], ids=lambda b: b.__name__)
def test_bad_input_shape_and_tensor_rank(builder):
    with pytest.raises(ValueError, match=r"input_shape=\(8, 8\)"):
        builder(input_shape=(8, 8))
    with pytest.raises(ValueError, match=r"input_tensor.shape=\(None, 8\)"):
        builder(input_tensor=keras.Input((8,)))


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_edsr_bicubic_skip_with_zeroed_layers_is_bicubic(scale, channels):
    model = edsr(scale=scale, channels=channels, num_blocks=1, filters=4, bicubic_skip=True)
    assert "bicubic" in [layer.name for layer in model.layers]
    for weight in model.weights:  # every convolution (the skip has none) outputs zero
        weight.assign(np.zeros(weight.shape, weight.dtype))
    x = np.random.default_rng(scale).random((2, 7, 9, channels), dtype=np.float32)
    expected = tf.image.resize(x, (7 * scale, 9 * scale), method="bicubic").numpy()
    np.testing.assert_allclose(model(x).numpy(), expected, atol=1e-5, rtol=0)

    # Without the skip, the zeroed network outputs zeros: the skip is what made it bicubic.
    plain = edsr(scale=scale, channels=channels, num_blocks=1, filters=4)
    for weight in plain.weights:
        weight.assign(np.zeros(weight.shape, weight.dtype))
    assert np.all(plain(x).numpy() == 0)
