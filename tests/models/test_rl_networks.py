"""Q-networks for deep Q-learning: the Atari DQN, the MLP Q-network, and the dueling aggregation."""

import doctest

import keras
import numpy as np
import pytest

from kerasdl import registry
from kerasdl.layers import DuelingCombine
from kerasdl.models.rl import dqn, q_network
from tests.testing import run_builder_test

SMALL_FRAMES = (36, 36, 4)  # the smallest input the DQN's three unpadded convolutions accept


def frames(shape, n=2, seed=0):
    """Raw pixel values in [0, 255] as floats, as the DQN expects them."""
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape)).astype("float32")


def states(features, n=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, features)).astype("float32")


def numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


# --- the shared harness ---


@pytest.mark.parametrize("shape, dueling", [(SMALL_FRAMES, False), (SMALL_FRAMES, True), ((84, 84, 4), False)])
def test_dqn_builder(shape, dueling):
    model = run_builder_test(
        dqn,
        init_kwargs={"input_shape": shape, "actions": 3, "dueling": dueling},
        input_data=frames(shape),
        expected_output_shape=(2, 3),
        atol=1e-5,
    )
    assert model.layers[-1].name == "q_values"
    assert type(model.layers[-1]) is (DuelingCombine if dueling else keras.layers.Dense)


@pytest.mark.parametrize("dueling", [False, True])
def test_q_network_builder(dueling):
    model = run_builder_test(
        q_network,
        init_kwargs={"input_shape": (4,), "actions": 2, "hidden_units": (8, 6), "dueling": dueling},
        input_data=states(4),
        expected_output_shape=(3, 2),
    )
    names = [layer.name for layer in model.layers]
    expected = ["observation", "hidden1", "hidden2"] + (["value", "advantage"] if dueling else []) + ["q_values"]
    assert names == expected


# --- the papers' networks ---


def test_dqn_has_the_nature_papers_parameter_count():
    conv = 8 * 8 * 4 * 32 + 32 + 4 * 4 * 32 * 64 + 64 + 3 * 3 * 64 * 64 + 64
    dense = 7 * 7 * 64 * 512 + 512 + 512 * 4 + 4
    assert conv + dense == 1_686_180
    model = dqn(actions=4)
    assert model.count_params() == 1_686_180
    assert model.input_shape == (None, 84, 84, 4) and model.output_shape == (None, 4)
    assert [layer.name for layer in model.layers] == [
        "observation",
        "rescaling",
        "conv1",
        "conv2",
        "conv3",
        "flatten",
        "hidden",
        "q_values",
    ]
    assert model.get_layer("conv3").output.shape == (None, 7, 7, 64)
    # Raw pixels in [0, 255] are scaled to [0, 1] before the first convolution.
    assert model.get_layer("rescaling").scale == pytest.approx(1 / 255)


def test_dueling_dqn_has_a_512_unit_layer_per_stream():
    model = dqn(actions=4, dueling=True)
    conv = 8 * 8 * 4 * 32 + 32 + 4 * 4 * 32 * 64 + 64 + 3 * 3 * 64 * 64 + 64
    value = 3136 * 512 + 512 + 512 * 1 + 1
    advantage = 3136 * 512 + 512 + 512 * 4 + 4
    assert model.count_params() == conv + value + advantage
    assert model.get_layer("value").output.shape == (None, 1)
    assert model.get_layer("advantage").output.shape == (None, 4)
    assert model.get_layer("value_hidden").units == model.get_layer("advantage_hidden").units == 512


def _streams(model):
    """A model from the input to ``[value, advantage, q_values]``."""
    outputs = [model.get_layer(name).output for name in ("value", "advantage", "q_values")]
    return keras.Model(model.input, outputs)


@pytest.mark.parametrize(
    "make, x",
    [
        (lambda: dqn(input_shape=SMALL_FRAMES, actions=5, dueling=True), frames(SMALL_FRAMES, n=3)),
        (lambda: q_network(input_shape=(6,), actions=4, hidden_units=(8,), dueling=True), states(6, n=5)),
    ],
)
def test_dueling_q_values_are_value_plus_centred_advantage(make, x):
    model = make()
    # Lively output weights, so that V and A are far from 0 and from each other.
    for name in ("value", "advantage"):
        layer = model.get_layer(name)
        kernel, bias = layer.get_weights()
        rng = np.random.default_rng(len(name))
        layer.set_weights(
            [rng.normal(0, 1, kernel.shape).astype("float32"), rng.normal(3, 1, bias.shape).astype("float32")]
        )
    value, advantage, q = (numpy(t) for t in _streams(model)(x, training=False))
    assert value.shape == (len(x), 1) and advantage.shape == q.shape
    assert np.abs(advantage - advantage.mean(axis=1, keepdims=True)).max() > 1e-2
    np.testing.assert_allclose(q, value + advantage - advantage.mean(axis=1, keepdims=True), atol=1e-5)
    # Q - mean(Q) = A - mean(A): the advantages are identified up to the mean only.
    np.testing.assert_allclose(
        q - q.mean(axis=1, keepdims=True), advantage - advantage.mean(axis=1, keepdims=True), atol=1e-5
    )
    np.testing.assert_allclose(q.mean(axis=1, keepdims=True), value, atol=1e-5)
    np.testing.assert_allclose(numpy(model(x, training=False)), q, atol=1e-6)


def test_q_values_stay_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        models = [
            dqn(input_shape=SMALL_FRAMES, actions=3, dueling=True),
            q_network(input_shape=(4,), actions=2, hidden_units=(8,)),
        ]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for model in models:
        assert model.get_layer("q_values").dtype_policy.name == "float32"
        assert model.get_layer("hidden1" if model.name == "q_network" else "conv1").compute_dtype == "float16"


# --- the layer ---


def test_dueling_combine_by_hand_and_config():
    layer = DuelingCombine(name="q_values", dtype="float32")
    value = np.array([[1.0], [-2.0]], "float32")
    advantage = np.array([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0]], "float32")
    np.testing.assert_allclose(numpy(layer([value, advantage])), [[-1.0, 0.0, 4.0], [-3.0, -3.0, 0.0]])
    again = DuelingCombine.from_config(layer.get_config())
    assert (again.name, again.dtype_policy.name) == ("q_values", "float32")
    assert layer.compute_output_shape([(None, 1), (None, 3)]) == (None, 3)


def test_dueling_combine_refuses_other_inputs():
    with pytest.raises(ValueError, match=r"\[value, advantage\].*Received: input_shape="):
        DuelingCombine()([np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32")])
    with pytest.raises(ValueError, match=r"Received: input_shape="):
        DuelingCombine()(np.zeros((2, 3), "float32"))


# --- arguments, registry, docs ---


@pytest.mark.parametrize(
    "builder, kwargs, argument, value",
    [
        (dqn, {"actions": 1}, "actions", "1"),
        (dqn, {"actions": 2.0}, "actions", r"2\.0"),
        (dqn, {"actions": True}, "actions", "True"),
        (dqn, {"input_shape": (128,), "actions": 4}, "input_shape", r"\(128,\)"),
        (dqn, {"input_shape": (35, 84, 4), "actions": 4}, "input_shape", r"\(35, 84, 4\)"),
        (dqn, {"input_shape": (84, 20, 4), "actions": 4}, "input_shape", r"\(84, 20, 4\)"),
        (dqn, {"input_shape": (None, 84, 4), "actions": 4}, "input_shape", r"\(None, 84, 4\)"),
        (dqn, {"actions": 4, "dueling": "yes"}, "dueling", "'yes'"),
        (q_network, {"input_shape": (4,), "actions": 1}, "actions", "1"),
        (q_network, {"input_shape": (84, 84, 4), "actions": 4}, "input_shape", r"\(84, 84, 4\)"),
        (q_network, {"input_shape": (0,), "actions": 4}, "input_shape", r"\(0,\)"),
        (q_network, {"input_shape": 4, "actions": 4}, "input_shape", "4"),
        (q_network, {"input_shape": (4,), "actions": 2, "hidden_units": (8, 0)}, "hidden_units", r"\(8, 0\)"),
        (q_network, {"input_shape": (4,), "actions": 2, "hidden_units": ()}, "hidden_units", r"\(\)"),
        (q_network, {"input_shape": (4,), "actions": 2, "dueling": 1}, "dueling", "1"),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}={value}(\W|$)"):
        builder(**kwargs)


def test_too_small_image_error_gives_the_minimum():
    with pytest.raises(ValueError, match=r"at least 36 for the DQN's three convolutions; Received: input_shape="):
        dqn(input_shape=(32, 32, 4), actions=4)
    dqn(input_shape=(36, 40, 1), actions=2)  # the smallest side that fits


def test_registered_in_the_rl_family():
    assert registry.list_models(family="rl") == ["dqn", "q_network"]
    for name, builder in (("dqn", dqn), ("q_network", q_network)):
        entry = registry.model_entry(name)
        assert entry.builder is builder and entry.family == "rl"
        assert entry.summary and "\n" not in entry.summary


def test_docstring_examples_run():
    from kerasdl.layers import dueling
    from kerasdl.models.rl import q_networks

    for module in (dueling, q_networks):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__
