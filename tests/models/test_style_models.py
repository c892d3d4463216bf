"""The style-transfer builders: the fast stylizer and the feature extractor."""

import keras
import numpy as np
import pytest

from kerasdl.models.style import CONTENT_LAYER, STYLE_LAYERS, fast_stylizer, style_feature_extractor
from kerasdl.registry import get_model


def test_fast_stylizer_any_size_and_round_trip(tmp_path):
    model = get_model("fast_stylizer", filters=4, residual_blocks=1)
    x = np.random.default_rng(0).random((2, 30, 42, 3), np.float32)
    out = np.asarray(model(x))
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.GroupNormalization)]
    assert norms and all(layer.groups in (-1, layer.gamma.shape[0]) for layer in norms)  # instance normalisation
    path = tmp_path / "stylizer.keras"
    model.save(path)
    again = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(again(x)), out, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"filters": 0}, {"residual_blocks": -1}, {"input_shape": (8, 8, 1)}])
def test_fast_stylizer_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        fast_stylizer(**kwargs)


def test_feature_extractor_fixed_random_vgg19():
    features = style_feature_extractor()
    assert set(features.output) == set(STYLE_LAYERS) | {CONTENT_LAYER} and not features.trainable_weights
    x = np.random.default_rng(0).random((1, 32, 32, 3), np.float32)
    first = {k: np.asarray(v) for k, v in features(x).items()}
    again = style_feature_extractor()(x)  # the same seeded weights every time
    for name in first:
        np.testing.assert_array_equal(np.asarray(again[name]), first[name])
    assert first["block1_conv1"].shape == (1, 32, 32, 64) and first["block5_conv2"].shape == (1, 2, 2, 512)


def test_feature_extractor_bad_layers():
    with pytest.raises(ValueError, match="no layer 'block9_conv1'; did you mean"):
        style_feature_extractor(style_layers=["block9_conv1"])
    with pytest.raises(ValueError, match="mobilenet_v2 has no layer 'block1_conv1'"):
        style_feature_extractor("mobilenet_v2")
    with pytest.raises(ValueError, match="Unknown backbone"):
        style_feature_extractor("vgg91")
