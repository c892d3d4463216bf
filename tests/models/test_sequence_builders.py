"""Sequence builders: the shared harness, parameter counts from the papers' formulas, masking, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.layers import BagOfTokens
from kerasdl.models.sequence import (
    bag_of_ngrams_classifier,
    rnn_classifier,
    text_cnn_classifier,
    transformer_classifier,
)
from tests.testing import run_builder_test

V, L, D = 50, 9, 6  # vocabulary, sequence length, embedding width: tiny and quick


def token_ids(batch=3, length=L, *, seed=0, pad=3):
    """Random ids in [1, V) with the last ``pad`` positions of every row set to padding (0)."""
    ids = np.random.default_rng(seed).integers(1, V, (batch, length)).astype("int32")
    if pad:
        ids[:, -pad:] = 0
    return ids


def rnn_layer_params(cell, d, u):
    return {"simple": u * (d + u) + u, "lstm": 4 * (u * (d + u) + u), "gru": 3 * (u * (d + u) + 2 * u)}[cell]


# ---------------------------------------------------------------- the shared harness


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_rnn_classifier(cell, bidirectional):
    kwargs = dict(
        vocabulary_size=V,
        sequence_length=L,
        embed_dim=D,
        cell=cell,
        units=5,
        num_layers=2,
        bidirectional=bidirectional,
        classes=3,
    )
    model = run_builder_test(rnn_classifier, init_kwargs=kwargs, input_data=token_ids(), expected_output_shape=(3, 3))
    k = 2 if bidirectional else 1
    expected = V * D + k * rnn_layer_params(cell, D, 5) + k * rnn_layer_params(cell, k * 5, 5) + (k * 5 + 1) * 3
    assert model.count_params() == expected


def test_lstm_parameter_count_matches_the_formula_at_a_realistic_size():
    d, u, v = 128, 64, 20000
    model = rnn_classifier(vocabulary_size=v, embed_dim=d, cell="lstm", units=u, classes=2)
    assert model.count_params() == v * d + 4 * (u * (d + u) + u) + (u + 1) * 2


def test_text_cnn_classifier():
    kwargs = dict(vocabulary_size=V, sequence_length=L, embed_dim=D, kernel_sizes=(2, 3, 5), filters=4, classes=2)
    model = run_builder_test(
        text_cnn_classifier, init_kwargs=kwargs, input_data=token_ids(), expected_output_shape=(3, 2)
    )
    assert model.count_params() == V * D + sum(k * D * 4 + 4 for k in (2, 3, 5)) + (3 * 4 + 1) * 2


def test_text_cnn_paper_size():
    # Kim (2014): windows 3, 4, 5 with 100 maps each over 300-dimensional embeddings.
    model = text_cnn_classifier(vocabulary_size=1000, sequence_length=50, embed_dim=300)
    assert model.count_params() == 1000 * 300 + sum(k * 300 * 100 + 100 for k in (3, 4, 5)) + (300 + 1) * 2


def test_transformer_classifier():
    kwargs = dict(
        vocabulary_size=V, sequence_length=L, embed_dim=8, num_heads=2, intermediate_dim=12, num_layers=2, classes=2
    )
    model = run_builder_test(
        transformer_classifier, init_kwargs=kwargs, input_data=token_ids(), expected_output_shape=(3, 2), atol=1e-5
    )
    d, f = 8, 12
    block = 4 * (d * d + d) + (2 * d * f + f + d) + 4 * d
    assert model.count_params() == V * d + L * d + 2 * block + (d + 1) * 2


def test_bag_of_ngrams_fasttext():
    kwargs = dict(vocabulary_size=V, embed_dim=D, classes=4)
    model = run_builder_test(
        bag_of_ngrams_classifier, init_kwargs=kwargs, input_data=token_ids(), expected_output_shape=(3, 4)
    )
    assert model.count_params() == V * D + (D + 1) * 4


def test_bag_of_ngrams_with_naive_bayes_weights():
    ratios = np.random.default_rng(1).normal(size=(V, 2)).astype("float32")
    kwargs = dict(
        vocabulary_size=V, embed_dim=1, token_weights=ratios, binary=True, pooling="sum", head=None, classes=2
    )
    model = run_builder_test(
        bag_of_ngrams_classifier, init_kwargs=kwargs, input_data=token_ids(), expected_output_shape=(3, 2)
    )
    # One learned weight per n-gram; the ratios are a fixed, saved, non-trainable table.
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == V
    assert model.count_params() == V + 2 * V
    np.testing.assert_array_equal(model.get_layer("bag_of_tokens").token_weights.numpy(), ratios)


# ---------------------------------------------------------------- behaviour


def test_bag_of_tokens_computes_the_naive_bayes_logit():
    rng = np.random.default_rng(2)
    weights, ratios = rng.normal(size=(V, 1)), rng.normal(size=(V, 2))
    bag = BagOfTokens(V, 1, token_weights=ratios, binary=True, pooling="sum")
    bag.build((None, None))
    bag.embeddings.assign(weights)
    ids = np.array([[4, 7, 4, 0, 9, 7], [3, 0, 0, 0, 0, 0]], "int32")
    expected = np.stack([sum(weights[t, 0] * ratios[t] for t in {4, 7, 9}), weights[3, 0] * ratios[3]])
    np.testing.assert_allclose(bag(ids).numpy(), expected, rtol=1e-5)
    counted = BagOfTokens(V, 1, token_weights=ratios, binary=False, pooling="sum")
    counted.build((None, None))
    counted.embeddings.assign(weights)
    expected_counts = sum(weights[t, 0] * ratios[t] for t in (4, 7, 4, 9, 7))
    np.testing.assert_allclose(counted(ids).numpy()[0], expected_counts, rtol=1e-5)


def test_bag_of_tokens_mean_ignores_padding():
    bag = BagOfTokens(V, 3, pooling="mean")
    a = bag(np.array([[5, 6, 0, 0]], "int32")).numpy()
    b = bag(np.array([[5, 6]], "int32")).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(a[0], bag.embeddings.numpy()[[5, 6]].mean(axis=0), rtol=1e-6)


@pytest.mark.parametrize("builder", [rnn_classifier, transformer_classifier], ids=lambda b: b.__name__)
def test_padding_does_not_change_the_prediction(builder):
    kwargs = dict(vocabulary_size=V, embed_dim=8, classes=2)
    if builder is transformer_classifier:
        kwargs.update(sequence_length=12, num_heads=2, intermediate_dim=8, dropout=0.0)
    model = builder(**kwargs)
    ids = token_ids(2, 6, pad=0)
    padded = np.concatenate([ids, np.zeros((2, 6), "int32")], axis=1)
    np.testing.assert_allclose(model(ids).numpy(), model(padded).numpy(), atol=1e-5)


def test_defaults_build_for_the_models_list():
    for builder in (rnn_classifier, text_cnn_classifier, bag_of_ngrams_classifier, transformer_classifier):
        model = builder()
        assert model.output_shape == (None, 2) and model.input.dtype == "int32"


# ---------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    "builder, kwargs, fragment",
    [
        (rnn_classifier, {"cell": "tanh"}, "cell must be one of ('simple', 'lstm', 'gru'); Received: cell='tanh'"),
        (rnn_classifier, {"units": 0}, "units must be a positive int; Received: units=0"),
        (
            rnn_classifier,
            {"vocabulary_size": 1},
            "vocabulary_size must be an int of at least 2; Received: vocabulary_size=1",
        ),
        (rnn_classifier, {"classes": 0}, "classes must be a positive int; Received: classes=0"),
        (rnn_classifier, {"dropout": 1.0}, "dropout must be a rate in [0, 1); Received: dropout=1.0"),
        (text_cnn_classifier, {"kernel_sizes": ()}, "kernel_sizes must be a non-empty tuple of positive ints"),
        (text_cnn_classifier, {"sequence_length": 4}, "sequence_length must be at least the largest kernel size (5)"),
        (
            transformer_classifier,
            {"sequence_length": None},
            "sequence_length must be a positive int for this architecture",
        ),
        (transformer_classifier, {"embed_dim": 10, "num_heads": 3}, "embed_dim must be divisible by num_heads=3"),
        (bag_of_ngrams_classifier, {"head": "linear"}, "head must be 'dense' or None; Received: head='linear'"),
        (bag_of_ngrams_classifier, {"head": None, "embed_dim": 3}, "with head=None the pooled width (3"),
        (
            bag_of_ngrams_classifier,
            {"pooling": "max"},
            "pooling must be one of ('sum', 'mean'); Received: pooling='max'",
        ),
        (
            bag_of_ngrams_classifier,
            {"vocabulary_size": 10, "token_weights": np.zeros((9, 2))},
            "token_weights must have shape (vocabulary_size=10, k); Received: token_weights.shape=(9, 2)",
        ),
        (
            bag_of_ngrams_classifier,
            {"vocabulary_size": 10, "embed_dim": 3, "token_weights": np.zeros((10, 2))},
            "need embed_dim == k or embed_dim == 1; Received: embed_dim=3",
        ),
    ],
)
def test_bad_arguments_name_the_argument(builder, kwargs, fragment):
    with pytest.raises(ValueError) as info:
        builder(**kwargs)
    assert fragment in str(info.value)


def test_builders_are_keyword_only():
    for builder in (rnn_classifier, text_cnn_classifier, bag_of_ngrams_classifier, transformer_classifier):
        with pytest.raises(TypeError):
            builder(100)
    assert keras.backend.backend() == "tensorflow"
