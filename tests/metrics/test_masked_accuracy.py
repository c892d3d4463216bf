"""MaskedAccuracy: the share of real (non-padding) tokens predicted exactly."""

import numpy as np
import pytest

from kerasdl.metrics import MaskedAccuracy


def test_masked_accuracy_counts_real_tokens_only():
    labels = np.array([[4, 5, 3, 0], [6, 3, 0, 0]])
    accuracy = MaskedAccuracy()
    accuracy.update_state(labels, np.eye(7)[[[4, 1, 3, 5], [6, 6, 2, 2]]])
    assert float(accuracy.result()) == pytest.approx(3 / 5)  # 4, 3 and 6 right; 1 and 6 wrong
    accuracy.update_state(np.array([[2, 0, 0, 0]]), np.eye(7)[[[2, 2, 2, 2]]])  # accumulates over batches
    assert float(accuracy.result()) == pytest.approx(4 / 6)
    assert accuracy.name == "accuracy"
