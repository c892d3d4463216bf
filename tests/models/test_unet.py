"""U-Net builder and its padding layers: shapes on any size, serialisation, parameter count, argument checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.layers import CropToReference, PadToMultiple
from kerasdl.models.segmentation.unet import unet
from tests.testing import run_builder_test

TINY = {"depth": 2, "filters": 4}


def conv_params(kernel, c_in, c_out):
    return kernel * kernel * c_in * c_out + c_out


def unet_params(*, c_in, classes, depth, filters):
    """Ronneberger et al. 2015, counted: two 3x3 convs per level and side, 2x2 up-convolutions, a 1x1 output."""
    total, previous = 0, c_in
    for level in range(depth + 1):  # the contracting path and the bottleneck
        width = filters * 2**level
        total += conv_params(3, previous, width) + conv_params(3, width, width)
        previous = width
    for level in reversed(range(depth)):
        width = filters * 2**level
        total += conv_params(2, 2 * width, width)  # up-convolution halves the maps
        total += conv_params(3, 2 * width, width) + conv_params(3, width, width)  # after the concatenation
    return total + conv_params(1, filters, classes)


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("channels, classes", [(1, 1), (3, 5), (4, 2)])
def test_builder(channels, classes, batch_norm):
    x = np.random.default_rng(classes).random((2, 13, 10, channels), dtype=np.float32)
    model = run_builder_test(
        unet,
        init_kwargs={"input_shape": (None, None, channels), "classes": classes, "batch_norm": batch_norm, **TINY},
        input_data=x,
        expected_output_shape=(2, 13, 10, classes),
    )
    assert model.output_shape == (None, None, None, classes)
    assert model.output.dtype == "float32"
    for side in (4, 17, 32):  # sizes that are and are not multiples of 2**depth
        assert tuple(model(np.zeros((1, side, 7, channels), np.float32)).shape) == (1, side, 7, classes)


def test_the_paper_sized_unet():
    # 64 filters doubling to 1024 over four levels: about 31 million parameters.
    model = unet(classes=2)
    expected = unet_params(c_in=1, classes=2, depth=4, filters=64)
    assert model.count_params() == expected == 31_030_658
    assert model.get_layer("bottleneck_conv2").output.shape[-1] == 1024
    assert unet(input_shape=(None, None, 3), classes=1, depth=3, filters=32).count_params() == unet_params(
        c_in=3, classes=1, depth=3, filters=32
    )


def test_segmentation_head():
    model = unet(input_shape=(None, None, 3), classes=4, output_activation="softmax", **TINY)
    out = model(np.random.default_rng(0).random((1, 9, 11, 3), dtype=np.float32)).numpy()
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-5)


def test_zero_initialised_residual_unet_is_the_identity():
    model = unet(classes=1, residual=True, zero_init_output=True, **TINY)
    x = np.random.default_rng(1).random((2, 13, 10, 1), dtype=np.float32)
    np.testing.assert_array_equal(model(x, training=False).numpy(), x)


def test_depth_zero_is_a_plain_convolution_stack():
    model = unet(depth=0, filters=4)
    assert not [layer for layer in model.layers if isinstance(layer, (PadToMultiple, keras.layers.MaxPooling2D))]
    assert tuple(model(np.zeros((1, 3, 5, 1), np.float32)).shape) == (1, 3, 5, 1)


def test_input_tensor_and_weights_file(tmp_path):
    source = keras.Input((None, None, 2), name="source")
    chained = unet(input_tensor=keras.layers.Rescaling(2.0)(source), classes=3, **TINY)
    assert chained.inputs[0] is source
    path = tmp_path / "unet.weights.h5"
    chained.save_weights(path)
    reloaded = unet(input_shape=(None, None, 2), classes=3, weights=str(path), **TINY)
    x = np.random.default_rng(2).random((1, 8, 8, 2), dtype=np.float32)
    np.testing.assert_allclose(reloaded(x * 2.0).numpy(), chained(x).numpy(), atol=1e-6)


def test_pad_to_multiple_and_crop():
    x = tf.reshape(tf.range(2 * 5 * 3 * 1, dtype=tf.float32), (2, 5, 3, 1))
    padded = PadToMultiple(4)(x)
    assert tuple(padded.shape) == (2, 8, 4, 1)
    np.testing.assert_array_equal(padded[:, :5, :3].numpy(), x.numpy())
    np.testing.assert_array_equal(padded[:, 5, :3].numpy(), x[:, 4].numpy())  # symmetric: the edge row repeats
    np.testing.assert_array_equal(CropToReference()([padded, x]).numpy(), x.numpy())
    assert PadToMultiple(4).compute_output_shape((None, 5, None, 2)) == (None, 8, None, 2)
    assert PadToMultiple(8, mode="constant").get_config()["mode"] == "constant"

    # Inside a graph with unknown sizes the channel count stays known (LiteRT needs it).
    fn = tf.function(lambda t: PadToMultiple(4)(t), input_signature=[tf.TensorSpec((None, None, None, 3))])
    assert fn.get_concrete_function().structured_outputs.shape[-1] == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"classes": 0}, r"classes must be an int >= 1; Received: classes=0"),
        ({"depth": -1}, r"depth must be an int >= 0; Received: depth=-1"),
        ({"filters": 2.0}, r"filters must be an int >= 1; Received: filters=2.0"),
        ({"convs_per_level": 0}, r"convs_per_level must be an int >= 1"),
        ({"residual": True, "classes": 2}, r"classes must equal the input channels \(1\); Received: classes=2"),
        (
            {"weights": "imagenet"},
            r"weights must be None or the path to an existing weights file; Received: weights='imagenet'",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        unet(**kwargs)


def test_pad_layer_bad_arguments():
    with pytest.raises(ValueError, match=r"multiple must be a positive int; Received: multiple=0"):
        PadToMultiple(0)
    with pytest.raises(ValueError, match=r"mode must be one of .*; Received: mode='wrap'"):
        PadToMultiple(2, mode="wrap")
