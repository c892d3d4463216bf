"""The skip-gram builder: the shared harness, the tables, the loss against its formula, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.models.language import negative_sampling_loss, skipgram
from tests.testing import run_builder_test

V, D, K = 30, 4, 3  # vocabulary, width, negatives: tiny and quick


def test_skipgram_harness():
    rng = np.random.default_rng(0)
    inputs = [rng.integers(0, V, (2, 1)).astype("int32"), rng.integers(0, V, (2, 1 + K)).astype("int32")]
    model = run_builder_test(
        skipgram,
        init_kwargs={"vocabulary_size": V, "embed_dim": D, "negatives": K},
        input_data=inputs,
        expected_output_shape=(2, 1 + K),
    )
    assert model.count_params() == 2 * V * D  # a word table and a context table, nothing else


def test_logits_are_dot_products_of_word_and_context_vectors():
    model = skipgram(vocabulary_size=V, embed_dim=D, negatives=K)
    rng = np.random.default_rng(1)
    words, contexts = rng.normal(size=(V, D)).astype("float32"), rng.normal(size=(V, D)).astype("float32")
    model.get_layer("word_embedding").set_weights([words])
    model.get_layer("context_embedding").set_weights([contexts])
    target, context = np.array([[3], [7]], "int32"), np.array([[1, 2, 3, 4], [5, 6, 7, 8]], "int32")
    logits = keras.ops.convert_to_numpy(model([target, context]))
    expected = np.einsum("bd,bkd->bk", words[target[:, 0]], contexts[context])
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)


def test_initial_tables_follow_word2vec():
    model = skipgram(vocabulary_size=V, embed_dim=D, negatives=K)
    words = model.get_layer("word_embedding").get_weights()[0]
    assert np.all(np.abs(words) <= 0.5 / D) and np.any(words != 0)
    assert not np.any(model.get_layer("context_embedding").get_weights()[0])


def test_negative_sampling_loss_is_the_papers_objective():
    logits = np.array([[2.0, -1.0, 0.5], [-3.0, 4.0, 0.0]], "float32")
    labels = np.array([[1, 0, 0], [1, 0, 0]], "float32")
    sigmoid = 1 / (1 + np.exp(-logits))
    expected = -(np.log(sigmoid[:, 0]) + np.log(1 - sigmoid[:, 1:]).sum(axis=1))
    got = keras.ops.convert_to_numpy(negative_sampling_loss(labels, logits))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    big = keras.ops.convert_to_numpy(negative_sampling_loss(labels, np.array([[100.0, -100.0, -100.0]], "float32")))
    assert np.isfinite(big).all() and big[0] < 1e-6  # no overflow for large logits


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocabulary_size": 1}, "vocabulary_size must be an int >= 2; Received: vocabulary_size=1"),
        ({"embed_dim": 0}, "embed_dim must be a positive int; Received: embed_dim=0"),
        ({"negatives": -1}, "negatives must be an int >= 0; Received: negatives=-1"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        skipgram(**kwargs)
