"""ResNet builders: parity with keras.applications, the paper's parameter counts, the harness, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.models.vision.resnet import resnet18, resnet34, resnet50, resnet101, resnet152
from tests.testing import (
    assert_loads_reference_file,
    assert_matches_reference,
    assert_same_structure,
    forbid_reference,
    reference_case,
    registered_name,
    run_builder_test,
)

SMALL = (32, 32)  # the architectures' minimum input: five stride-2 stages down to 1x1


# --- parity with keras.applications.ResNet50/101/152 ---

# ResNet-101/152 run the same code as ResNet-50 with a longer depth table: every path (outputs,
# weights files, legacy .h5 by layer name, the builder harness) is checked on ResNet-50, and
# what the depth table changes on the deeper two (test_deeper_depth_tables_match_keras_applications).
PARITY = [
    pytest.param((resnet50, "ResNet50", False), id="resnet50-notop"),
    pytest.param((resnet50, "ResNet50", True), id="resnet50-top"),
]


@pytest.fixture(scope="module", params=PARITY)
def parity(request, tmp_path_factory):
    builder, reference, include_top = request.param
    return reference_case(
        builder,
        getattr(keras.applications, reference),
        include_top=include_top,
        folder=tmp_path_factory.mktemp("resnet_parity"),
        gain=1.0,  # residual sums grow with depth; variance 1/fan_in keeps ResNet-152 of order one
    )


def test_matches_keras_applications(parity):
    assert_matches_reference(parity)


def test_loads_keras_applications_weights_file(parity):
    assert_loads_reference_file(parity)


def test_loads_a_legacy_h5_file_by_layer_name(parity, tmp_path):
    # The format keras.applications publishes its ImageNet weights in: HDF5 groups named
    # after the layers, loaded with by_name=True.
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    path = tmp_path / "reference.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, parity.reference)
    with h5py.File(path, "r") as f:
        assert "conv1_conv" in f.attrs["layer_names"].astype(str)
    ours = parity.builder(weights=str(path), **parity.kwargs)
    actual = keras.ops.convert_to_numpy(ours(parity.x, training=False))
    np.testing.assert_allclose(actual, parity.expected, atol=1e-5, rtol=0)


def test_layer_names_and_order_match_keras_applications(parity):
    # conv1_pad, conv1_conv, ..., conv2_block1_0_conv, ..., avg_pool, predictions: every layer.
    ours = parity.builder(**parity.kwargs)
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in parity.reference.layers[1:]]


@pytest.mark.parametrize(
    "builder, reference",
    [
        pytest.param(resnet101, "ResNet101", id="resnet101"),
        pytest.param(resnet152, "ResNet152", id="resnet152", marks=pytest.mark.slow),
    ],
)
def test_deeper_depth_tables_match_keras_applications(builder, reference):
    # What the depth table decides: parameter counts, the weighted layers and every layer's
    # name in order. ResNet-152 also gives the reference's outputs after set_weights: the
    # residual sums of fifty blocks stay within atol 1e-5.
    reference = getattr(keras.applications, reference)
    if builder is resnet152:
        case = reference_case(builder, reference, include_top=True, folder=None, gain=1.0, input_shape=(*SMALL, 3))
        ours, ref = assert_matches_reference(case), case.reference
    else:
        kwargs = {"include_top": True, "input_shape": (*SMALL, 3), "classifier_activation": None}
        ours, ref = builder(**kwargs), reference(weights=None, **kwargs)
        assert_same_structure(ours, ref)
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in ref.layers[1:]]
    assert registered_name(builder) == builder.__name__


# --- ResNet-18/34 against He et al.'s Table 1 ---


def basic_resnet_parameters(depths, classes=1000):
    """``(trainable, non_trainable)`` of a basic-block ResNet, from Table 1 of He et al.

    Convolutions have no biases (batch norm follows each, as in the paper and torchvision).
    Batch norm has 4 numbers per channel in Keras: gamma and beta are trained, the moving
    mean and variance are not. PyTorch keeps the latter two as buffers, not parameters, so
    torchvision's parameter count is Keras' *trainable* count.
    """
    conv = 7 * 7 * 3 * 64  # conv1
    bn_channels = 64
    c_in = 64
    for width, blocks in zip((64, 128, 256, 512), depths):
        for _ in range(blocks):
            conv += 3 * 3 * c_in * width + 3 * 3 * width * width
            bn_channels += 2 * width
            if c_in != width:  # projection shortcut (option B) where the width doubles
                conv += 1 * 1 * c_in * width
                bn_channels += width
            c_in = width
    fc = 512 * classes + classes
    return conv + 2 * bn_channels + fc, 2 * bn_channels


def test_resnet18_parameters_match_the_paper():
    # ResNet-18, 1000 classes, conv by conv (weights, no biases):
    conv1 = 7 * 7 * 3 * 64  # 9,408
    conv2_x = 4 * (3 * 3 * 64 * 64)  # 147,456: two blocks of two 3x3/64
    conv3_x = 3 * 3 * 64 * 128 + 1 * 1 * 64 * 128 + 3 * (3 * 3 * 128 * 128)  # 524,288, projection included
    conv4_x = 3 * 3 * 128 * 256 + 1 * 1 * 128 * 256 + 3 * (3 * 3 * 256 * 256)  # 2,097,152
    conv5_x = 3 * 3 * 256 * 512 + 1 * 1 * 256 * 512 + 3 * (3 * 3 * 512 * 512)  # 8,388,608
    # Batch norm after every conv: 64 + 4*64 + 5*128 + 5*256 + 5*512 = 4,800 channels.
    bn_channels = 64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512
    fc = 512 * 1000 + 1000  # 513,000
    trainable = conv1 + conv2_x + conv3_x + conv4_x + conv5_x + 2 * bn_channels + fc
    assert (conv1, conv2_x, conv3_x, conv4_x, conv5_x, bn_channels) == (9408, 147456, 524288, 2097152, 8388608, 4800)
    assert trainable == 11_689_512  # torchvision's resnet18 parameter count
    assert basic_resnet_parameters((2, 2, 2, 2)) == (11_689_512, 9_600)

    model = resnet18()
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 11_689_512
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == 9_600  # moving mean and variance
    assert model.count_params() == 11_689_512 + 9_600


def test_resnet34_parameters_match_the_paper():
    trainable, non_trainable = basic_resnet_parameters((3, 4, 6, 3))
    assert trainable == 21_797_672  # torchvision's resnet34 parameter count
    model = resnet34()
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == trainable
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == non_trainable


def test_basic_block_downsamples_with_symmetric_padding():
    model = resnet18(include_top=False, input_shape=(*SMALL, 3))
    layer = model.get_layer("conv3_block1_1_pad")
    assert layer.padding == ((1, 1), (1, 1))
    assert model.get_layer("conv3_block1_0_conv").strides == (2, 2)
    assert "conv2_block1_0_conv" not in [layer.name for layer in model.layers]  # identity: 64 -> 64
    assert model.output_shape == (None, 1, 1, 512)


# --- the shared builder harness ---


def _harness_cases():
    # The cheapest member gets the variations (1 and 4 channels, max pooling, input_tensor, a small
    # top); every builder runs once with 3 channels and average pooling.
    yield pytest.param(
        resnet18, {"input_shape": (*SMALL, 1), "include_top": False, "pooling": "max"}, id="resnet18-1ch-max"
    )
    yield pytest.param(resnet18, {"input_tensor": True, "classes": 3}, id="resnet18-4ch-tensor-top")
    # ResNet-101/152 differ from ResNet-50 by their depth tables only: see above.
    for builder in (resnet18, resnet34, resnet50):
        kwargs = {"input_shape": (*SMALL, 3), "include_top": False, "pooling": "avg"}
        yield pytest.param(builder, kwargs, id=f"{builder.__name__}-3ch-avg")


@pytest.mark.parametrize("builder, kwargs", list(_harness_cases()))
def test_builder(builder, kwargs):
    kwargs = dict(kwargs)
    if kwargs.pop("input_tensor", False):
        kwargs["input_tensor"] = keras.Input((*SMALL, 4))
    channels = kwargs["input_tensor"].shape[-1] if "input_tensor" in kwargs else kwargs["input_shape"][-1]
    x = np.random.default_rng(channels).random((1, *SMALL, channels), dtype=np.float32)
    if kwargs.get("include_top", True):
        expected = (1, kwargs["classes"])
    else:
        expected = (1, 512 if builder in (resnet18, resnet34) else 2048)
    model = run_builder_test(builder, init_kwargs=kwargs, input_data=x, expected_output_shape=expected)
    if "input_tensor" in kwargs:
        assert model.inputs[0] is kwargs["input_tensor"]
        np.testing.assert_allclose(np.sum(keras.ops.convert_to_numpy(model(x)), axis=-1), 1.0, rtol=1e-5)


def test_fully_convolutional_by_default():
    model = resnet18(classes=5)
    assert model.input_shape == (None, None, None, 3)
    assert tuple(model(np.zeros((1, 40, 56, 3), np.float32)).shape) == (1, 5)
    assert resnet18(include_top=False).output_shape == (None, None, None, 512)


# --- argument checks ---


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (resnet18, {"classes": 0}, r"classes=0\b"),
        (resnet50, {"classes": 2.5}, r"classes=2\.5\b"),
        (resnet18, {"input_shape": (31, 31, 3)}, r"too small.*input_shape=\(31, 31, 3\)"),
        (resnet50, {"include_top": False, "input_shape": (64, 16, 3)}, r"too small.*input_shape=\(64, 16, 3\)"),
        (resnet18, {"input_shape": (32, 32, 2)}, r"input_shape=\(32, 32, 2\)"),
        (resnet18, {"weights": "foo"}, r"weights='foo'"),
        (resnet50, {"weights": "foo"}, r"weights='foo'"),
        (resnet18, {"weights": "imagenet"}, r"weights='imagenet'"),
        (resnet34, {"weights": "imagenet"}, r"weights='imagenet'"),
        (resnet50, {"pooling": "mean", "include_top": False}, r"pooling='mean'"),
        (resnet50, {"weights": "imagenet", "input_shape": (100, 100, 3)}, r"input_shape=\(100, 100, 3\)"),
        (resnet101, {"weights": "imagenet", "classes": 10}, r"classes=10\b"),
        (
            resnet152,
            {"weights": "imagenet", "include_top": False, "input_shape": (64, 64, 1)},
            r"input_shape=\(64, 64, 1\)",
        ),
        (resnet50, {"weights": "imagenet", "classifier_activation": "sigmoid"}, r"classifier_activation='sigmoid'"),
    ],
)
def test_bad_arguments_name_the_argument(monkeypatch, builder, kwargs, message):
    for name in ("ResNet50", "ResNet101", "ResNet152"):
        forbid_reference(monkeypatch, name)
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)


def test_input_tensor_must_be_an_image():
    with pytest.raises(ValueError, match=r"input_tensor.shape=\(None, 8\)"):
        resnet18(input_tensor=keras.Input((8,)))
