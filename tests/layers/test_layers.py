"""BicubicUpsampling, PixelShuffle and its ICNR initializer: equal to TensorFlow's ops, serialisable, checked arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.layers import ICNR, BicubicUpsampling, PixelShuffle
from kerasdl.layers.bicubic_upsampling import bicubic_phase_kernels


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [(1, 1), (2, 3), (5, 5), (7, 4), (13, 9), (31, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_bicubic_upsampling_equals_tf_image_resize(scale, channels, size):
    h, w = size
    x = np.random.default_rng(h * w + scale).random((2, h, w, channels), dtype=np.float32)
    expected = tf.image.resize(x, (scale * h, scale * w), method="bicubic").numpy()
    actual = keras.ops.convert_to_numpy(BicubicUpsampling(scale)(x))
    assert actual.shape == (2, scale * h, scale * w, channels)
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=0)


def test_bicubic_upsampling_inside_a_compiled_function():
    # A graph (and XLA) path as training uses: dynamic spatial sizes through tf.function.
    layer = BicubicUpsampling(3)
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, None, None, 1], tf.float32)], jit_compile=True)
    x = np.random.default_rng(0).random((1, 6, 11, 1), dtype=np.float32)
    expected = tf.image.resize(x, (18, 33), method="bicubic").numpy()
    np.testing.assert_allclose(fn(x).numpy(), expected, atol=1e-5, rtol=0)


def test_bicubic_phase_kernels_partition_unity():
    for scale in (2, 3, 4):
        taps = bicubic_phase_kernels(scale)
        assert taps.shape == (5, scale)
        np.testing.assert_allclose(taps.sum(axis=0), 1.0, atol=1e-12)  # interpolation keeps constants


def test_bicubic_constant_image_stays_constant():
    x = np.full((1, 4, 6, 3), 0.25, np.float32)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(BicubicUpsampling(4)(x)), 0.25, atol=1e-6)


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_pixel_shuffle_equals_depth_to_space(scale, channels):
    x = np.random.default_rng(scale).random((2, 5, 3, channels * scale * scale), dtype=np.float32)
    expected = tf.nn.depth_to_space(x, scale).numpy()
    actual = keras.ops.convert_to_numpy(PixelShuffle(scale)(x))
    assert actual.shape == (2, 5 * scale, 3 * scale, channels)
    np.testing.assert_array_equal(actual, expected)
    assert PixelShuffle(scale).compute_output_shape((None, 5, None, channels * scale * scale)) == (
        None,
        5 * scale,
        None,
        channels,
    )


@pytest.mark.parametrize("layer_cls", [BicubicUpsampling, PixelShuffle])
def test_get_config_round_trip(layer_cls):
    layer = layer_cls(3, name="up")
    config = layer.get_config()
    assert config["scale"] == 3 and config["name"] == "up"
    clone = layer_cls.from_config(config)
    assert clone.scale == 3 and clone.name == "up"
    # Through Keras' own (de)serialisation, by registered name.
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(revived) is layer_cls and revived.scale == 3
    assert keras.saving.get_registered_name(layer_cls) == f"kerasdl>{layer_cls.__name__}"


def test_keras_round_trip_in_safe_mode(tmp_path):
    inputs = keras.Input((None, None, 2))
    features = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    shuffled = PixelShuffle(2, name="shuffle")(features)
    outputs = keras.layers.Add()([shuffled, BicubicUpsampling(2, name="bicubic")(inputs)])
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).random((1, 5, 6, 2), dtype=np.float32)
    expected = model(x).numpy()

    path = tmp_path / "layers.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(restored.get_layer("shuffle"), PixelShuffle)
    assert isinstance(restored.get_layer("bicubic"), BicubicUpsampling)
    assert restored.get_layer("bicubic").scale == 2
    np.testing.assert_allclose(restored(x).numpy(), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("layer_cls", [BicubicUpsampling, PixelShuffle])
@pytest.mark.parametrize("scale", [0, 1, -2, 2.0, "2", None])
def test_bad_scale(layer_cls, scale):
    with pytest.raises(ValueError, match=rf"scale={scale!r}".replace("(", r"\(").replace(".", r"\.")):
        layer_cls(scale)


def test_pixel_shuffle_needs_divisible_channels():
    with pytest.raises(ValueError, match=r"PixelShuffle\(2\) needs channels divisible by 4"):
        PixelShuffle(2)(keras.Input((4, 4, 6)))


def test_bicubic_needs_known_channels():
    with pytest.raises(ValueError, match="known channel count"):
        BicubicUpsampling(2).build((None, 4, 4, None))


@pytest.mark.parametrize("scale", [2, 3])
def test_icnr_starts_sub_pixel_convolution_as_nearest_neighbour_upsampling(scale):
    # Every scale x scale block of the shuffled output is one value: the shared kernel's
    # convolution, upsampled by repetition; the shared kernel is not a constant.
    channels = 2
    conv = keras.layers.Conv2D(channels * scale**2, 3, padding="same", kernel_initializer=ICNR(scale, "he_normal"))
    x = np.random.default_rng(0).random((1, 5, 4, 3), dtype=np.float32)
    shuffled = keras.ops.convert_to_numpy(PixelShuffle(scale)(conv(x)))
    kernel = keras.ops.convert_to_numpy(conv.kernel)
    shared = kernel[..., :channels]
    assert np.std(shared) > 0.1
    base = tf.nn.conv2d(x, shared, strides=1, padding="SAME").numpy() + keras.ops.convert_to_numpy(conv.bias)[:channels]
    expected = np.repeat(np.repeat(base, scale, axis=1), scale, axis=2)
    np.testing.assert_allclose(shuffled, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_icnr_config_round_trip_and_bad_arguments():
    initializer = ICNR(4, keras.initializers.HeNormal(seed=3))
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(initializer))
    assert isinstance(again, ICNR) and again.scale == 4
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(again((3, 3, 2, 32))), keras.ops.convert_to_numpy(initializer((3, 3, 2, 32)))
    )
    with pytest.raises(ValueError, match=r"ICNR\(2\) needs output channels divisible by 4"):
        ICNR(2)((3, 3, 2, 6))
    with pytest.raises(ValueError, match="scale="):
        ICNR(1)
