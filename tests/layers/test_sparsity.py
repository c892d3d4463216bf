"""KLSparsity and kl_sparsity: Ng's formula, batch-size independence, serialisation, checked arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.layers import KLSparsity, kl_sparsity


def kl_by_hand(activations, rho):
    """sum_j rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 - rho_hat_j)), means over all but the last axis."""
    a = np.asarray(activations, np.float64)
    rho_hat = a.reshape(-1, a.shape[-1]).mean(axis=0)
    return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))


@pytest.mark.parametrize("shape", [(16, 5), (4, 3, 3, 2)])
@pytest.mark.parametrize("rho", [0.05, 0.3])
def test_kl_sparsity_equals_the_formula(shape, rho):
    a = np.random.default_rng(len(shape)).uniform(0.01, 0.99, shape).astype("float32")
    expected = kl_by_hand(a, rho)
    assert expected > 0
    np.testing.assert_allclose(float(kl_sparsity(a, rho)), expected, rtol=1e-5)


def test_kl_sparsity_is_zero_at_the_target_and_grows_away_from_it():
    assert float(kl_sparsity(np.full((8, 4), 0.05, "float32"), 0.05)) == pytest.approx(0.0, abs=1e-6)
    values = [float(kl_sparsity(np.full((8, 4), m, "float32"), 0.05)) for m in (0.05, 0.1, 0.3, 0.6, 0.9)]
    assert values == sorted(values) and values[-1] > 1
    # Four units at mean 0.5: 4 * KL(0.05 || 0.5) by hand.
    one = 0.05 * np.log(0.05 / 0.5) + 0.95 * np.log(0.95 / 0.5)
    np.testing.assert_allclose(float(kl_sparsity(np.full((8, 4), 0.5, "float32"), 0.05)), 4 * one, rtol=1e-6)


def test_kl_sparsity_is_finite_for_saturated_units():
    for value in (0.0, 1.0):
        assert np.isfinite(float(kl_sparsity(np.full((8, 4), value, "float32"), 0.05)))


def test_gradient_pushes_busy_units_down_and_idle_units_up():
    a = tf.Variable(np.array([[0.5, 0.01], [0.7, 0.03]], "float32"))
    with tf.GradientTape() as tape:
        loss = kl_sparsity(a, 0.1)
    grad = tape.gradient(loss, a).numpy()
    assert np.all(grad[:, 0] > 0)  # mean 0.6 > rho: descent lowers it
    assert np.all(grad[:, 1] < 0)  # mean 0.02 < rho: descent raises it


def test_layer_is_the_identity_and_adds_the_weighted_penalty():
    layer = KLSparsity(target=0.1, weight=0.5)
    a = np.random.default_rng(0).uniform(0.05, 0.95, (6, 7)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(a)), a)
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 0.5 * kl_by_hand(a, 0.1), rtol=1e-5)
    assert layer.count_params() == 0


def test_penalty_does_not_depend_on_the_batch_size():
    # A batch statistic: the same rows twice give the same means, so the same penalty
    # (an activity_regularizer would have been divided by the batch size).
    a = np.random.default_rng(1).uniform(0.05, 0.95, (5, 3)).astype("float32")
    layer = KLSparsity(target=0.05, weight=1.0)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(inputs))
    model(a)
    small = float(model.losses[0])
    model(np.concatenate([a, a]))
    np.testing.assert_allclose(float(model.losses[0]), small, rtol=1e-6)


def test_config_and_safe_mode_round_trip(tmp_path):
    layer = KLSparsity(target=0.2, weight=3.0, name="kl")
    config = layer.get_config()
    assert config["target"] == 0.2 and config["weight"] == 3.0 and config["name"] == "kl"
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(revived) is KLSparsity and revived.target == 0.2 and revived.weight == 3.0
    assert keras.saving.get_registered_name(KLSparsity) == "kerasdl>KLSparsity"

    inputs = keras.Input((4,))
    model = keras.Model(inputs, KLSparsity(0.2, 3.0, name="kl")(keras.layers.Dense(5, activation="sigmoid")(inputs)))
    path = tmp_path / "kl.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    x = np.random.default_rng(2).random((6, 4), dtype=np.float32)
    np.testing.assert_allclose(restored(x).numpy(), model(x).numpy(), atol=1e-6)
    np.testing.assert_allclose(float(restored.losses[0]), float(model.losses[0]), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"target": 0}, r"target=0\b"),
        ({"target": 1.0}, r"target=1\.0"),
        ({"target": "0.05"}, r"target='0\.05'"),
        ({"weight": -0.1}, r"weight=-0\.1"),
        ({"weight": None}, r"weight=None"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KLSparsity(**kwargs)
