"""MLP, LeNet-5 and AlexNet builders: the harness, paper parameter counts, LeNet/AlexNet layers, bad arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.layers import ConnectionTableConv2D, LocalResponseNormalization, TrainableSubsampling, scaled_tanh
from kerasdl.layers.lenet import LENET5_C3_TABLE
from kerasdl.models.vision.classic import alexnet, lenet5, mlp
from tests.testing import run_builder_test

# Small widths keep every harness case fast; the paper-sized models are only counted.
TINY_ALEXNET = {"filters": (4, 4, 6, 6, 4), "dense_units": (8, 8)}


def conv_params(kernel, c_in, c_out, groups=1):
    """Weights plus biases of a ``kernel x kernel`` Conv2D (``groups`` splits the input maps)."""
    return kernel * kernel * (c_in // groups) * c_out + c_out


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def images(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


# --- the shared harness: 1, 3 and 4 channels, with and without the top, both poolings ---

HARNESS_CASES = [
    # (builder, extra kwargs, input side, include_top, pooling, expected output width)
    (mlp, {"hidden_units": (8, 4)}, 8, True, None, 10),
    (mlp, {"hidden_units": (8,), "dropout": 0.5}, 8, False, None, 8),
    (mlp, {"hidden_units": (6,)}, 8, False, "avg", 6),
    (mlp, {"hidden_units": (6,)}, 8, False, "max", 6),
    (lenet5, {}, 32, True, None, 10),
    (lenet5, {"variant": "modern"}, 32, True, None, 10),
    (lenet5, {}, 36, False, "avg", 120),
    (lenet5, {"variant": "modern"}, 36, False, "max", 120),
    (alexnet, {**TINY_ALEXNET, "classes": 5}, 67, True, None, 5),
    (alexnet, {**TINY_ALEXNET, "classes": 5, "grouped": True, "local_response_norm": True}, 67, True, None, 5),
    (alexnet, TINY_ALEXNET, 75, False, "avg", 4),
    (alexnet, {**TINY_ALEXNET, "local_response_norm": True}, 75, False, "max", 4),
]


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize(
    "builder, kwargs, side, include_top, pooling, width",
    HARNESS_CASES,
    ids=[f"{b.__name__}-{i}" for i, (b, *_) in enumerate(HARNESS_CASES)],
)
def test_builder(builder, kwargs, side, include_top, pooling, width, channels):
    model = run_builder_test(
        builder,
        init_kwargs={
            "input_shape": (side, side, channels),
            "include_top": include_top,
            "pooling": pooling,
            **kwargs,
        },
        input_data=images((2, side, side, channels), seed=channels),
        expected_output_shape=(2, width),
        atol=1e-5,
    )
    assert model.input_shape == (None, side, side, channels)


def test_default_inputs_and_logits():
    assert mlp().input_shape == (None, 28, 28, 1)  # MNIST
    assert mlp().output_shape == (None, 10)
    assert lenet5().input_shape == (None, 32, 32, 1)
    assert lenet5().output_shape == (None, 10)
    assert alexnet(**TINY_ALEXNET).input_shape == (None, 227, 227, 3)
    # Without the top LeNet ends at C5, 1x1x120 at 32x32; AlexNet at pool5, 6x6 at 227.
    assert lenet5(include_top=False).output_shape == (None, 1, 1, 120)
    assert alexnet(include_top=False, input_shape=(227, 227, 3), **TINY_ALEXNET).output_shape == (None, 6, 6, 4)
    # Without the top AlexNet is fully convolutional, as keras.applications' VGG.
    assert alexnet(include_top=False, **TINY_ALEXNET).input_shape == (None, None, None, 3)
    # classifier_activation=None gives logits: softmax of them is the default model's output.
    x = images((2, 32, 32, 1))
    probabilities = lenet5(classes=4)
    logits = lenet5(classes=4, classifier_activation=None)
    logits.set_weights(probabilities.get_weights())
    np.testing.assert_allclose(keras.ops.softmax(logits(x)), probabilities(x), atol=1e-6)


@pytest.mark.parametrize(
    "builder, kwargs, side",
    [(mlp, {"hidden_units": (4,)}, 8), (lenet5, {}, 32), (alexnet, TINY_ALEXNET, 67)],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_input_tensor(builder, kwargs, side):
    # Built on another network's output, the model's input is that network's keras.Input.
    source = keras.Input((side, side, 3), name="source")
    features = keras.layers.Rescaling(1 / 255, name="scale")(source)
    model = builder(input_tensor=features, classes=3, **kwargs)
    assert model.inputs[0] is source
    assert [layer.name for layer in model.layers][:2] == ["source", "scale"]
    assert tuple(model(images((1, side, side, 3))).shape) == (1, 3)


# --- parameter counts against the papers ---


def test_lenet5_parameters_match_the_paper():
    # LeCun et al. 1998, Section II.B, for one 32x32 input map:
    c1 = 6 * (5 * 5 * 1 + 1)  # 156: six 5x5 maps
    s2 = 6 * 2  # 12: a coefficient and a bias per map
    c3_weights = 25 * (6 * 3 + 6 * 4 + 3 * 4 + 1 * 6)  # Table I: 60 connections of 5x5 kernels = 1,500
    c3 = c3_weights + 16  # 1,516 with one bias per map
    s4 = 16 * 2  # 32
    c5 = 120 * (5 * 5 * 16 + 1)  # 48,120
    f6 = 84 * (120 + 1)  # 10,164
    assert (c1, s2, c3, s4, c5, f6) == (156, 12, 1516, 32, 48120, 10164)
    paper = c1 + s2 + c3 + s4 + c5 + f6
    assert paper == 60_000  # "60,000 trainable parameters"
    # The paper's output is 10 RBF units with fixed (not trained) 84-pixel bitmap centres;
    # the builder's output is Dense(84 -> classes) instead.
    model = lenet5()
    assert model.count_params() == paper + dense_params(84, 10) == 60_850
    by_layer = {layer.name: layer.count_params() for layer in model.layers}
    assert [by_layer[n] for n in ("c1", "s2", "c3", "s4", "c5", "f6", "predictions")] == [c1, s2, c3, s4, c5, f6, 850]
    assert lenet5(input_shape=(32, 32, 3)).count_params() == 60_850 + 6 * 5 * 5 * 2  # C1 sees 3 maps


def test_lenet5_modern_parameters():
    # Same layout with C3 fully connected to the six S2 maps and weightless max pooling.
    expected = (
        conv_params(5, 1, 6)
        + conv_params(5, 6, 16)
        + conv_params(5, 16, 120)
        + dense_params(120, 84)
        + dense_params(84, 10)
    )
    assert expected == 156 + 2416 + 48120 + 10164 + 850 == 61_706
    model = lenet5(variant="modern")
    assert model.count_params() == expected
    assert {type(layer).__name__ for layer in model.layers} >= {"MaxPooling2D"}
    assert model.get_layer("c1").activation is keras.activations.relu


ALEXNET_FC = dense_params(6 * 6 * 256, 4096) + dense_params(4096, 4096) + dense_params(4096, 1000)


def test_alexnet_grouped_parameters_match_the_paper():
    # Krizhevsky et al. 2012, Figure 2: conv2, conv4 and conv5 connect only within one GPU's
    # half of the maps; conv3 and the FC layers connect across. 227x227 input: 55, 27, 13, 6.
    convs = [
        conv_params(11, 3, 96),  # 34,944
        conv_params(5, 96, 256, groups=2),  # 307,456
        conv_params(3, 256, 384),  # 885,120
        conv_params(3, 384, 384, groups=2),  # 663,936
        conv_params(3, 384, 256, groups=2),  # 442,624
    ]
    assert convs == [34_944, 307_456, 885_120, 663_936, 442_624]
    assert ALEXNET_FC == 37_752_832 + 16_781_312 + 4_097_000
    assert sum(convs) + ALEXNET_FC == 60_965_224  # the paper's "60 million parameters"
    model = alexnet(grouped=True)
    assert [model.get_layer(f"conv{i}").count_params() for i in range(1, 6)] == convs
    assert model.count_params() == 60_965_224
    assert model.get_layer("pool5").output.shape[1:] == (6, 6, 256)
    assert model.get_layer("conv1").output.shape[1:] == (55, 55, 96)


def test_alexnet_single_tower_parameters():
    # The default: the same widths, every convolution sees all maps of the layer below.
    convs = conv_params(11, 3, 96) + conv_params(5, 96, 256) + conv_params(3, 256, 384)
    convs += conv_params(3, 384, 384) + conv_params(3, 384, 256)
    assert convs == 34_944 + 614_656 + 885_120 + 1_327_488 + 884_992
    model = alexnet(local_response_norm=True)  # response normalisation has no weights
    assert model.count_params() == convs + ALEXNET_FC == 62_378_344
    assert [layer.name for layer in model.layers if "lrn" in layer.name] == ["lrn1", "lrn2"]


def test_alexnet_dropout_and_lrn_placement():
    model = alexnet(local_response_norm=True, **TINY_ALEXNET)
    names = [layer.name for layer in model.layers]
    assert names.index("conv1") < names.index("lrn1") < names.index("pool1") < names.index("conv2")
    assert names.index("conv2") < names.index("lrn2") < names.index("pool2")
    assert [model.get_layer(n).rate for n in ("dropout6", "dropout7")] == [0.5, 0.5]
    assert names[-4:] == ["dropout6", "fc7", "dropout7", "predictions"]


# --- the layers ---


def test_scaled_tanh():
    x = np.array([-1.0, 0.0, 1.0, 50.0], np.float32)
    np.testing.assert_allclose(scaled_tanh(x), [-1.0, 0.0, 1.0, 1.7159], atol=1e-4)
    assert lenet5().get_layer("c1").activation is scaled_tanh
    assert lenet5(variant="modern", activation="scaled_tanh").get_layer("c1").activation is scaled_tanh


def test_trainable_subsampling_is_sum_times_coefficient_plus_bias():
    x = images((2, 6, 8, 3))
    layer = TrainableSubsampling(2)
    layer.build(x.shape)
    layer.coefficient.assign([0.5, 1.0, -2.0])
    layer.bias.assign([0.0, 1.0, 0.25])
    sums = x.reshape(2, 3, 2, 4, 2, 3).sum(axis=(2, 4))
    np.testing.assert_allclose(layer(x), sums * [0.5, 1.0, -2.0] + [0.0, 1.0, 0.25], atol=1e-5)
    # Untrained, it is an average pooling.
    np.testing.assert_allclose(TrainableSubsampling(2)(x), sums / 4, atol=1e-6)
    assert layer.count_params() == 6  # two per map


def test_c3_connection_table():
    assert len(LENET5_C3_TABLE) == 16
    assert [len(t) for t in LENET5_C3_TABLE] == [3] * 6 + [4] * 9 + [6]
    # Each S2 map feeds 10 of the 16 maps (Table I has 10 X's per row).
    assert [sum(i in t for t in LENET5_C3_TABLE) for i in range(6)] == [10] * 6
    # Numerically, map j is a full "valid" convolution whose kernel is zero outside table[j].
    x = images((2, 14, 14, 6))
    sparse = ConnectionTableConv2D(LENET5_C3_TABLE, 5)
    sparse.build(x.shape)
    full = np.zeros((5, 5, 6, 16), np.float32)
    for j, selected in enumerate(LENET5_C3_TABLE):
        full[:, :, list(selected), j] = keras.ops.convert_to_numpy(sparse.kernels[j])[..., 0]
    sparse.bias.assign(np.arange(16, dtype=np.float32))
    expected = tf.nn.conv2d(x, full, strides=1, padding="VALID").numpy() + np.arange(16)
    np.testing.assert_allclose(sparse(x), expected, atol=1e-5)
    assert sparse.count_params() == 1516


def test_local_response_normalization_matches_tensorflow():
    x = 30 * images((2, 5, 5, 12)) - 15
    expected = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    np.testing.assert_allclose(LocalResponseNormalization()(x), expected, rtol=1e-5, atol=1e-6)
    layer = LocalResponseNormalization(size=3, k=1.0, alpha=0.1, beta=0.5)
    expected = tf.nn.local_response_normalization(x, depth_radius=1, bias=1.0, alpha=0.1, beta=0.5)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)
    assert LocalResponseNormalization.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize(
    "factory, argument, value",
    [
        (lambda: TrainableSubsampling(0), "pool_size", "0"),
        (lambda: ConnectionTableConv2D([[0, 0]], 3), "table", r"\(\(0, 0\),\)"),
        (lambda: LocalResponseNormalization(size=4), "size", "4"),
    ],
)
def test_layer_arguments(factory, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}"):
        factory()


# --- bad arguments name the argument and echo the value ---


@pytest.mark.parametrize(
    "builder, kwargs, match",
    [
        (mlp, {"classes": 0}, r"classes=0\b"),
        (lenet5, {"classes": 0}, r"classes=0\b"),
        (alexnet, {"classes": 0}, r"classes=0\b"),
        (lenet5, {"input_shape": (31, 31, 1)}, r"too small.*input_shape=\(31, 31, 1\)"),
        (lenet5, {"input_shape": (28, 28, 1)}, r"too small.*input_shape=\(28, 28, 1\)"),
        (alexnet, {"input_shape": (66, 66, 3)}, r"too small.*input_shape=\(66, 66, 3\)"),
        (mlp, {"weights": "no_such_file.weights.h5"}, r"weights='no_such_file.weights.h5'"),
        (lenet5, {"weights": "resnet"}, r"weights='resnet'"),
        (alexnet, {"weights": "imagenet"}, r"no ImageNet weights.*weights='imagenet'"),
        (mlp, {"input_shape": (8, 8, 2)}, r"input_shape=\(8, 8, 2\)"),
        (mlp, {"include_top": False, "input_shape": (None, None, 1)}, r"input_shape=\(None, None, 1\)"),
        (lenet5, {"input_shape": (None, None, 1)}, r"input_shape=\(None, None, 1\)"),
        (mlp, {"pooling": "sum", "include_top": False}, r"pooling='sum'"),
        (mlp, {"hidden_units": (8, 0)}, r"hidden_units=\(8, 0\)"),
        (mlp, {"dropout": 1.0}, r"dropout=1.0\b"),
        (lenet5, {"variant": "1989"}, r"variant='1989'"),
        (alexnet, {"filters": (96, 256, 384)}, r"filters=\(96, 256, 384\)"),
        (alexnet, {"grouped": True, "filters": (95, 256, 384, 384, 256)}, r"filters=\(95, 256"),
        (alexnet, {"dense_units": (4096,)}, r"dense_units=\(4096,\)"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)


def test_weights_from_a_file(tmp_path):
    path = str(tmp_path / "lenet5.weights.h5")
    trained = lenet5(classes=3)
    trained.save_weights(path)
    loaded = lenet5(classes=3, weights=path)
    x = images((2, 32, 32, 1))
    np.testing.assert_allclose(loaded(x), trained(x), atol=1e-6)
