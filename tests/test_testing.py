"""The builder harness itself: it passes a good builder and catches each kind of broken one."""

import keras
import numpy as np
import pytest

from kerasdl import registry
from tests.testing import registered_name, run_builder_test


@pytest.fixture
def scratch_registry(monkeypatch):
    registry.import_all_builders()  # so that no builder registers into the scratch copy only
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))


class Unregistered(keras.layers.Layer):
    """A custom layer without @register_keras_serializable: safe-mode loading cannot find it."""

    def call(self, x):
        return x * 2.0


def register(name, builder):
    registry.register_model(name, family="testing")(builder)
    return builder


def dense_builder(*, units=3, extra=None, name="dense"):
    inputs = keras.Input((4,))
    x = keras.layers.Dense(units, dtype="float32")(inputs)
    if extra is not None:
        x = extra(x)
    return keras.Model(inputs, x, name=name)


X = np.ones((2, 4), np.float32)


def test_a_good_builder_passes(scratch_registry):
    builder = register("t_good", lambda **kw: dense_builder(**kw))
    model = run_builder_test(builder, init_kwargs={"units": 5}, input_data=X, expected_output_shape=(2, 5))
    assert model.count_params() == 4 * 5 + 5
    assert registered_name(builder) == "t_good"


def test_several_outputs(scratch_registry):
    def two_heads():
        inputs = keras.Input((4,))
        return keras.Model(
            inputs,
            {"a": keras.layers.Dense(2, dtype="float32")(inputs), "b": keras.layers.Dense(1, dtype="float32")(inputs)},
        )

    register("t_heads", two_heads)
    run_builder_test(two_heads, init_kwargs={}, input_data=X, expected_output_shape={"a": (2, 2), "b": (2, 1)})
    with pytest.raises(AssertionError, match="output shape"):
        run_builder_test(two_heads, init_kwargs={}, input_data=X, expected_output_shape={"a": (2, 2), "b": (2, 2)})


def test_low_precision_outputs_under_mixed_precision_fail(scratch_registry):
    def half_head():
        inputs = keras.Input((4,))
        return keras.Model(inputs, keras.layers.Dense(2)(inputs))  # takes the global policy's float16

    register("t_half", half_head)
    with pytest.raises(AssertionError, match="outputs under mixed_float16 are \\['float16'\\], not float32"):
        run_builder_test(half_head, init_kwargs={}, input_data=X, expected_output_shape=(2, 2))
    assert keras.mixed_precision.global_policy().name == "float32"


def test_wrong_output_shape_fails(scratch_registry):
    builder = register("t_shape", lambda **kw: dense_builder(**kw))
    with pytest.raises(AssertionError, match=r"output shape \(2, 3\) != expected \(2, 4\)"):
        run_builder_test(builder, init_kwargs={}, input_data=X, expected_output_shape=(2, 4))


def test_unserialisable_layer_fails(scratch_registry):
    builder = register("t_custom", lambda: dense_builder(extra=Unregistered()))
    with pytest.raises(Exception, match="Unregistered"):
        run_builder_test(builder, init_kwargs={}, input_data=X, expected_output_shape=(2, 3))


def test_registry_mismatch_fails(scratch_registry):
    def builder(**kwargs):
        return dense_builder(**kwargs)

    registry.register_model("t_mismatch", family="testing")(lambda **kw: dense_builder(units=7))
    with pytest.raises(AssertionError, match="get_model\\('t_mismatch'\\) has 35 parameters, the builder 15"):
        run_builder_test(
            builder, init_kwargs={}, input_data=X, expected_output_shape=(2, 3), registry_name="t_mismatch"
        )


def test_unregistered_builder_fails():
    with pytest.raises(AssertionError, match="not in the model registry"):
        run_builder_test(dense_builder, init_kwargs={}, input_data=X, expected_output_shape=(2, 3))
