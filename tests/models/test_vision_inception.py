"""GoogLeNet and Inception-v3: the harness, GoogLeNet's paper arithmetic, parity with keras.applications."""

import keras
import numpy as np
import pytest

from kerasdl.models.vision.googlenet import googlenet
from kerasdl.models.vision.inception_v3 import inception_v3
from tests.testing import assert_same_outputs, run_builder_test


def conv_params(kernel, c_in, c_out):
    """Weights plus biases of a ``kernel x kernel`` Conv2D."""
    return kernel * kernel * c_in * c_out + c_out


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def images(shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


# --- the shared harness: one channel count per head keeps the 7M / 22M parameter models few ---

HARNESS_CASES = [
    # (builder, channels, side, extra kwargs, expected output shape for a batch of 2)
    (googlenet, 1, 32, {"classes": 5}, (2, 5)),
    (googlenet, 3, 40, {"include_top": False, "pooling": "avg"}, (2, 1024)),
    (googlenet, 4, 32, {"include_top": False, "pooling": "max"}, (2, 1024)),
    (googlenet, 3, 65, {"classes": 4, "aux_classifiers": True, "local_response_norm": True}, [(2, 4)] * 3),
    # Inception-v3 (22M parameters) twice: with its top, and without at another size. Its 3
    # channels with average pooling are tests/models/test_vision_channels.py's case.
    (inception_v3, 1, 75, {"classes": 5}, (2, 5)),
    (inception_v3, 4, 80, {"include_top": False, "pooling": "max"}, (2, 2048)),
]


@pytest.mark.parametrize(
    "builder, channels, side, kwargs, expected",
    HARNESS_CASES,
    ids=[f"{b.__name__}-{c}ch-{s}" for b, c, s, *_ in HARNESS_CASES],
)
def test_builder(builder, channels, side, kwargs, expected):
    model = run_builder_test(
        builder,
        init_kwargs={"input_shape": (side, side, channels), **kwargs},
        input_data=images((2, side, side, channels), seed=channels),
        expected_output_shape=expected,
        atol=1e-5,
    )
    assert model.input_shape == (None, side, side, channels)


@pytest.mark.parametrize("builder", [googlenet, inception_v3], ids=lambda b: b.__name__)
def test_input_tensor(builder):
    source = keras.Input((75, 75, 3), name="source")
    features = keras.layers.Rescaling(1 / 127.5, offset=-1, name="scale")(source)
    model = builder(input_tensor=features, classes=3)
    assert model.inputs[0] is source
    assert tuple(model(images((1, 75, 75, 3))).shape) == (1, 3)


def test_fully_convolutional_without_top():
    # Without the auxiliary classifiers both take any size above their minimum.
    assert googlenet(include_top=False).input_shape == (None, None, None, 3)
    assert googlenet(include_top=False).output_shape == (None, None, None, 1024)
    assert inception_v3(include_top=False).output_shape == (None, None, None, 2048)


# --- GoogLeNet against the paper ---

# Table 1 of Szegedy et al. 2014, typed again here so a slip in the builder's table shows:
# #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, and the table's "params" column (K).
PAPER_TABLE_1 = {
    "3a": ((64, 96, 128, 16, 32, 32), 159),
    "3b": ((128, 128, 192, 32, 96, 64), 380),
    "4a": ((192, 96, 208, 16, 48, 64), 364),
    "4b": ((160, 112, 224, 24, 64, 64), 437),
    "4c": ((128, 128, 256, 24, 64, 64), 463),
    "4d": ((112, 144, 288, 32, 64, 64), 580),
    "4e": ((256, 160, 320, 32, 128, 128), 840),
    "5a": ((256, 160, 320, 32, 128, 128), 1072),
    "5b": ((384, 192, 384, 48, 128, 128), 1388),
}


def inception_params(c_in, widths, *, bias=True):
    n1, r3, n3, r5, n5, pool_proj = widths
    b = 1 if bias else 0
    return (
        (c_in * n1 + b * n1)  # 1x1
        + (c_in * r3 + b * r3) + (9 * r3 * n3 + b * n3)  # 1x1 reduce, 3x3
        + (c_in * r5 + b * r5) + (25 * r5 * n5 + b * n5)  # 1x1 reduce, 5x5
        + (c_in * pool_proj + b * pool_proj)  # 3x3 max pool, 1x1 projection
    )  # fmt: skip


def googlenet_modules():
    """(label, input maps, widths) through the nine modules: the inputs are the concatenations."""
    c_in, rows = 192, []
    for label, (widths, _) in PAPER_TABLE_1.items():
        rows.append((label, c_in, widths))
        n1, _, n3, _, n5, pool_proj = widths
        c_in = n1 + n3 + n5 + pool_proj
    assert c_in == 1024  # Table 1: 5b outputs 7x7x1024
    return rows


def test_googlenet_parameters_match_the_paper():
    # Without batch normalisation (the 2014 network), every convolution with a bias.
    stem = conv_params(7, 3, 64) + conv_params(1, 64, 64) + conv_params(3, 64, 192)
    assert stem == 9_472 + 4_160 + 110_784
    modules = {label: inception_params(c_in, w) for label, c_in, w in googlenet_modules()}
    assert modules["3a"] == 12_352 + 18_528 + 110_720 + 3_088 + 12_832 + 6_176 == 163_696
    classifier = dense_params(1024, 1000)  # after 7x7 average pooling and 40% dropout
    expected = stem + sum(modules.values()) + classifier
    assert expected == 6_998_552
    model = googlenet(input_shape=(224, 224, 3))
    assert model.count_params() == expected
    for label, count in modules.items():
        layers = [layer for layer in model.layers if layer.name.startswith(f"inception_{label}_")]
        assert sum(layer.count_params() for layer in layers) == count, label
    assert model.get_layer("dropout").rate == 0.4
    assert model.get_layer("inception_5b_output").output.shape[1:] == (7, 7, 1024)
    assert keras.Model(model.inputs, model.get_layer("inception_3a_output").output).output_shape[1:] == (28, 28, 256)


def test_googlenet_table_1_params_column():
    # Table 1's "params" column counts weights only, in units of 1024. It is rounded and
    # does not follow from the table's own widths everywhere: 3a (159K) and 4b (437K vs 438K)
    # match, 4c lists 463K where its widths give 497.5K and 5a 1072K for 1018K. Every module
    # is within 8% of the column; the exact check is the arithmetic above.
    for label, c_in, widths in googlenet_modules():
        weights_k = inception_params(c_in, widths, bias=False) / 1024
        listed = PAPER_TABLE_1[label][1]
        assert abs(weights_k - listed) <= 0.08 * listed, (label, weights_k, listed)
    assert inception_params(192, PAPER_TABLE_1["3a"][0], bias=False) / 1024 == 159.5


def test_googlenet_matches_torchvision_count():
    # torchvision.models.googlenet (no aux) has 6,624,904 parameters: its convolutions have no
    # bias but a batch norm (gamma and beta: one parameter per map more than a bias), and its
    # "5x5" branch is a 3x3 convolution (kept for its weights' sake). Converting our count:
    rows = googlenet_modules()
    maps = 64 + 64 + 192 + sum(sum(w) for _, _, w in rows)  # one gamma per convolution output map
    five_by_five = sum(r5 * n5 for _, _, (_, _, _, r5, n5, _) in rows)
    assert googlenet().count_params() - (25 - 9) * five_by_five + maps == 6_624_904


def test_googlenet_aux_classifiers():
    # Section 5: on 4a (512 maps) and 4d (528 maps), 5x5/3 average pooling gives 4x4 at 224,
    # then 1x1 conv 128, FC 1024, dropout 70% and the classifier.
    def aux(c_in):
        return conv_params(1, c_in, 128) + dense_params(4 * 4 * 128, 1024) + dense_params(1024, 1000)

    model = googlenet(aux_classifiers=True)
    assert model.input_shape == (None, 224, 224, 3)
    assert model.count_params() == 6_998_552 + aux(512) + aux(528) == 13_378_280
    assert [t.shape[1:] for t in model.outputs] == [(1000,)] * 3
    assert model.output_names == ["predictions", "aux1_predictions", "aux2_predictions"]
    assert model.get_layer("aux1_dropout").rate == 0.7


# --- Inception-v3 against keras.applications ---


def assert_same_architecture(ours, reference):
    assert ours.count_params() == reference.count_params()
    # Same layers in the same order with the names a fresh process gives the reference
    # (the fixture clears the session first); the input layer's name differs.
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in reference.layers[1:]]
    assert [type(layer) for layer in ours.layers] == [type(layer) for layer in reference.layers]
    assert [w.shape for w in ours.weights] == [w.shape for w in reference.weights]


def assert_weights_transfer(ours_kwargs, reference, tmp_path, batch):
    ours = inception_v3(**ours_kwargs)
    assert_same_architecture(ours, reference)
    x = 2 * batch - 1  # preprocess_input's [-1, 1]
    expected = reference(x, training=False)
    ours.set_weights(reference.get_weights())
    assert_same_outputs(expected, ours(x, training=False), atol=1e-5, what="set_weights")
    path = str(tmp_path / "inception_v3.weights.h5")
    reference.save_weights(path)
    loaded = inception_v3(weights=path, **ours_kwargs)
    assert_same_outputs(expected, loaded(x, training=False), atol=1e-5, what=".weights.h5 file")


@pytest.fixture(scope="module")
def reference_without_top():
    keras.backend.clear_session()  # so the reference's automatic names are a fresh process's
    return keras.applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))


def test_inception_v3_without_top_matches_keras_applications(reference_without_top, tmp_path):
    assert reference_without_top.count_params() == 21_802_784
    assert_weights_transfer(
        {"include_top": False, "input_shape": (75, 75, 3)},
        reference_without_top,
        tmp_path,
        images((2, 75, 75, 3), seed=7),
    )


@pytest.mark.slow
def test_inception_v3_with_top_matches_keras_applications(tmp_path):
    keras.backend.clear_session()
    reference = keras.applications.InceptionV3(weights=None)
    assert reference.count_params() == 23_851_784
    assert_weights_transfer({}, reference, tmp_path, images((1, 299, 299, 3), seed=8))


def test_inception_v3_defaults():
    model = inception_v3()
    assert model.input_shape == (None, None, None, 3)  # the top pools globally
    assert inception_v3(input_shape=(299, 299, 3)).get_layer("mixed10").output.shape[1:] == (8, 8, 2048)


# --- bad arguments name the argument and echo the value ---


@pytest.mark.parametrize(
    "builder, kwargs, match",
    [
        (googlenet, {"classes": 0}, r"classes=0\b"),
        (inception_v3, {"classes": 0}, r"classes=0\b"),
        (googlenet, {"input_shape": (31, 31, 3)}, r"too small.*input_shape=\(31, 31, 3\)"),
        (googlenet, {"input_shape": (64, 64, 3), "aux_classifiers": True}, r"too small.*input_shape=\(64, 64, 3\)"),
        (inception_v3, {"input_shape": (74, 74, 3)}, r"too small.*input_shape=\(74, 74, 3\)"),
        (googlenet, {"weights": "googlenet.h5"}, r"weights='googlenet.h5'"),
        (googlenet, {"weights": "imagenet"}, r"no ImageNet weights.*weights='imagenet'"),
        (inception_v3, {"weights": "imagenet21k"}, r"weights='imagenet21k'"),
        (
            inception_v3,
            {"weights": "imagenet", "include_top": True, "input_shape": (200, 200, 3)},
            r"input_shape=\(200, 200, 3\)",
        ),
        (inception_v3, {"weights": "imagenet", "classes": 10}, r"classes=10\b"),
        (
            inception_v3,
            {"weights": "imagenet", "include_top": False, "input_shape": (75, 75, 1)},
            r"input_shape=\(75, 75, 1\)",
        ),
        (inception_v3, {"weights": "imagenet", "classifier_activation": "sigmoid"}, r"classifier_activation='sigmoid'"),
        (inception_v3, {"pooling": "min", "include_top": False}, r"pooling='min'"),
        (googlenet, {"aux_classifiers": True, "include_top": False}, r"include_top=False"),
        (googlenet, {"dropout": -0.1}, r"dropout=-0.1\b"),
        (googlenet, {"input_shape": (None, None, 3), "aux_classifiers": True}, r"input_shape=\(None, None, 3\)"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)
