"""The GPT builder: the shared harness, causality, the parameter count, argument checks."""

import numpy as np
import pytest

from kerasdl.models.language import gpt
from tests.testing import run_builder_test

V, L = 40, 8
TINY = dict(vocabulary_size=V, sequence_length=L, embed_dim=8, num_heads=2, num_layers=2, intermediate_dim=12)


def token_ids(batch=2, length=L, seed=0):
    return np.random.default_rng(seed).integers(1, V, (batch, length)).astype("int32")


@pytest.mark.parametrize("normalize_first", [True, False], ids=["pre_norm", "post_norm"])
def test_gpt_harness(normalize_first):
    kwargs = {**TINY, "normalize_first": normalize_first}
    run_builder_test(gpt, init_kwargs=kwargs, input_data=token_ids(), expected_output_shape=(2, L, V), atol=1e-5)


def test_gpt_is_causal():
    """Changing token t changes no logits before t, and does change those from t on."""
    model = gpt(**TINY)
    ids = token_ids(batch=1)
    base = np.asarray(model(ids))
    for t in (0, 3, L - 1):
        changed = ids.copy()
        changed[0, t] = 1 + changed[0, t] % (V - 1)
        out = np.asarray(model(changed))
        np.testing.assert_allclose(out[:, :t], base[:, :t], atol=1e-6, rtol=0)
        assert np.abs(out[:, t:] - base[:, t:]).max() > 1e-4


def test_gpt_takes_shorter_inputs_and_counts_parameters():
    model = gpt(**TINY)
    assert model(token_ids(length=3)).shape == (2, 3, V)
    d, f = TINY["embed_dim"], TINY["intermediate_dim"]
    block = 4 * (d * d + d) + 2 * 2 * d + (d * f + f) + (f * d + d)  # attention, two layer norms, feed-forward
    expected = V * d + L * d + 2 * block + 2 * d + (d * V + V)
    assert model.count_params() == expected


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_heads": 0}, "num_heads"),
        ({"vocabulary_size": 0}, "vocabulary_size"),
        ({"dropout": 1.0}, "dropout"),
        ({"activation": "tanh"}, "activation"),
    ],
)
def test_gpt_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gpt(**{**TINY, **kwargs})
