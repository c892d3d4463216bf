"""MaskedCrossEntropy: the mean over real tokens, label smoothing, its gradient; Keras only."""

import ast
import pathlib

import numpy as np

from kerasdl.losses import MaskedCrossEntropy

KERASDL = pathlib.Path(__file__).resolve().parents[2] / "kerasdl"


def test_masked_cross_entropy_is_the_mean_over_real_tokens():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 7)).astype("float32")
    labels = np.array([[4, 5, 3, 0], [6, 3, 0, 0]])
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, labels[..., None], -1)[..., 0]
    real = labels > 0
    np.testing.assert_allclose(MaskedCrossEntropy()(labels, logits), nll[real].mean(), rtol=1e-5)
    smoothed = 0.9 * nll - 0.1 * log_probs.mean(-1)
    np.testing.assert_allclose(MaskedCrossEntropy(0.1)(labels, logits), smoothed[real].mean(), rtol=1e-5)


def test_label_smoothed_gradient_is_softmax_minus_the_smoothed_target():
    """Softmax − ((1 − ε)·one-hot + ε/V) over the real tokens: the textbook gradient."""
    import tensorflow as tf

    rng = np.random.default_rng(1)
    logits = tf.constant(rng.normal(size=(2, 3, 5)).astype("float32"))
    labels = np.array([[1, 4, 0], [2, 2, 3]])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = MaskedCrossEntropy(0.1)(labels, logits)
    probs = tf.nn.softmax(logits).numpy()
    target = 0.9 * np.eye(5)[labels] + 0.1 / 5
    real = (labels > 0)[..., None]
    np.testing.assert_allclose(tape.gradient(loss, logits), (probs - target) * real / real.sum(), atol=1e-6)


def test_config_round_trip():
    loss = MaskedCrossEntropy.from_config(MaskedCrossEntropy(0.2).get_config())
    assert loss.label_smoothing == 0.2 and loss.name == "masked_cross_entropy"


def test_losses_and_masked_accuracy_import_no_tensorflow():
    """The translation recipe search runs them on a JAX-only machine: module-level imports are Keras only."""
    files = [
        *sorted((KERASDL / "losses").glob("*.py")),
        KERASDL / "metrics" / "__init__.py",
        KERASDL / "metrics" / "masked_accuracy.py",
    ]
    for path in files:
        imported = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
        assert "tensorflow" not in imported, path
