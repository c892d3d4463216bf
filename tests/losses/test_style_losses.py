"""The style-transfer losses: Gram matrices by hand, content and style losses, L-BFGS on the image."""

import keras
import numpy as np
import pytest

from kerasdl.losses.style import GatysLoss, PerceptualStyleLoss, gram_matrix, style_loss, total_variation_loss


def tiny_extractor():
    """A two-layer feature network with the VGG names (fast), seeded."""
    keras.utils.set_random_seed(0)
    image = keras.Input((None, None, 3))
    a = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(image)
    b = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="block2_conv1")(a)
    return keras.Model(image, {"block1_conv1": a, "block2_conv1": b})


def test_gram_matrix_by_hand():
    features = np.array([[[[1.0, 2.0], [0.0, 1.0]], [[3.0, -1.0], [2.0, 2.0]]]], np.float32)  # (1, 2, 2, 2)
    # Positions: (1, 2), (0, 1), (3, -1), (2, 2).
    expected = np.array([[1 + 0 + 9 + 4, 2 + 0 - 3 + 4], [2 + 0 - 3 + 4, 4 + 1 + 1 + 4]], np.float32)
    np.testing.assert_allclose(np.asarray(gram_matrix(features))[0], expected)


def test_style_loss_is_invariant_to_spatial_permutation():
    rng = np.random.default_rng(0)
    features = rng.random((1, 5, 7, 8)).astype(np.float32)
    flat = features.reshape(1, 35, 8)
    shuffled = flat[:, rng.permutation(35)].reshape(1, 5, 7, 8)
    target = np.asarray(gram_matrix(features))[0]
    np.testing.assert_allclose(np.asarray(gram_matrix(shuffled))[0], target, rtol=1e-5)
    assert float(style_loss(shuffled, target, pixels=35)[0]) == pytest.approx(0.0, abs=1e-8)
    assert float(style_loss(features[:, ::-1], target, pixels=35)[0]) == pytest.approx(0.0, abs=1e-8)
    assert float(style_loss(features * 1.5, target, pixels=35)[0]) > 0


def test_content_loss_is_zero_for_the_content_image():
    rng = np.random.default_rng(1)
    content, style = rng.random((1, 16, 16, 3), np.float32), rng.random((20, 24, 3), np.float32)
    loss = GatysLoss(tiny_extractor(), style, style_layers=["block1_conv1"], content_layer="block2_conv1")
    parts = loss.parts(content, loss.content_targets(content))
    assert float(parts["content"][0]) == 0.0
    assert float(parts["style"][0]) > 0 and float(parts["total_variation"][0]) > 0
    other = loss.parts(content[:, ::-1], loss.content_targets(content))
    assert float(other["content"][0]) > 0


def test_total_variation_is_zero_for_a_flat_image():
    assert float(total_variation_loss(np.full((1, 6, 6, 3), 0.4, np.float32))[0]) == 0.0
    ramp = np.tile(np.linspace(0, 1, 6, dtype=np.float32)[None, :, None], (6, 1, 3))[None]
    assert float(total_variation_loss(ramp)[0]) > 0


def test_lbfgs_lowers_the_loss():
    from kerasdl.apps.stylize.optimize import optimize_image

    rng = np.random.default_rng(2)
    content, style = rng.random((16, 16, 3), np.float32), rng.random((16, 16, 3), np.float32)
    loss = GatysLoss(
        tiny_extractor(), style, style_layers=["block1_conv1", "block2_conv1"], content_layer="block2_conv1"
    )
    targets = loss.content_targets(content[None])
    for method in ("lbfgs", "adam"):
        result = optimize_image(
            lambda x: loss(x, targets)[0], content, method=method, evaluations=15, progress=False, jit_compile=False
        )
        assert result.evaluations == 15 and result.image.shape == content.shape
        assert result.loss < 0.7 * result.losses[0], (method, result.losses)
        assert 0.0 <= result.image.min() and result.image.max() <= 1.0
        assert result.best_losses == sorted(result.best_losses, reverse=True)


def test_perceptual_loss_reloads_unbound():
    loss = PerceptualStyleLoss()
    again = PerceptualStyleLoss.from_config(loss.get_config())
    with pytest.raises(ValueError, match="without its feature network"):
        again(np.zeros((1, 8, 8, 3), np.float32), np.zeros((1, 8, 8, 3), np.float32))
