"""MaskingNoise: Vincent et al.'s masking corruption, in training only, serialisable."""

import keras
import numpy as np
import pytest

from kerasdl.layers import MaskingNoise


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_masks_a_fraction_without_rescaling(rate):
    x = np.random.default_rng(0).uniform(0.5, 1.0, (20, 500)).astype("float32")
    y = keras.ops.convert_to_numpy(MaskingNoise(rate, seed=0)(x, training=True))
    zeroed = y == 0
    assert abs(zeroed.mean() - rate) < 0.01
    np.testing.assert_array_equal(y[~zeroed], x[~zeroed])


def test_identity_outside_training_and_at_rate_zero():
    x = np.random.default_rng(1).random((4, 6, 6, 2), dtype=np.float32)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(MaskingNoise(0.5)(x)), x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(MaskingNoise(0.5)(x, training=False)), x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(MaskingNoise(0.0)(x, training=True)), x)


def test_fresh_masks_and_seeded_reproducibility():
    x = np.ones((4, 100), "float32")
    layer = MaskingNoise(0.3, seed=7)
    first, second = (keras.ops.convert_to_numpy(layer(x, training=True)) for _ in range(2))
    assert (first != second).any()  # a new mask on every call
    again = keras.ops.convert_to_numpy(MaskingNoise(0.3, seed=7)(x, training=True))
    np.testing.assert_array_equal(first, again)  # the same seed, the same first mask


def test_config_and_safe_mode_round_trip(tmp_path):
    layer = MaskingNoise(0.25, seed=3, name="mask")
    assert {k: layer.get_config()[k] for k in ("rate", "seed", "name")} == {"rate": 0.25, "seed": 3, "name": "mask"}
    assert keras.saving.get_registered_name(MaskingNoise) == "kerasdl>MaskingNoise"
    inputs = keras.Input((5,))
    model = keras.Model(inputs, keras.layers.Dense(2)(MaskingNoise(0.25, seed=3, name="mask")(inputs)))
    model.save(tmp_path / "mask.keras")
    restored = keras.saving.load_model(tmp_path / "mask.keras", safe_mode=True)
    assert isinstance(restored.get_layer("mask"), MaskingNoise) and restored.get_layer("mask").rate == 0.25
    x = np.random.default_rng(0).random((3, 5), dtype=np.float32)
    np.testing.assert_allclose(restored(x).numpy(), model(x).numpy(), atol=1e-6)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1, "0.2", None, True])
def test_bad_rate(rate):
    with pytest.raises(ValueError, match=rf"rate={rate!r}".replace(".", r"\.")):
        MaskingNoise(rate)
