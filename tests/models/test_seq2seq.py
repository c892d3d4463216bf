"""Seq2seq builders: the harness, masking (padding changes nothing), causality, attention weights."""

import keras
import numpy as np
import pytest

from kerasdl.models.seq2seq import attention_model, rnn_seq2seq, transformer_seq2seq
from tests.testing import run_builder_test

SOURCE = np.array([[5, 6, 7, 0, 0], [8, 9, 0, 0, 0]], "int32")
TARGET = np.array([[2, 10, 11, 12], [2, 13, 0, 0]], "int32")
TINY_TRANSFORMER = dict(
    source_vocabulary_size=20,
    target_vocabulary_size=30,
    source_sequence_length=10,
    target_sequence_length=8,
    embed_dim=8,
    intermediate_dim=16,
    num_heads=2,
    num_encoder_layers=1,
    num_decoder_layers=1,
    dropout=0.0,
)


def inputs(source=SOURCE, target=TARGET):
    return {"encoder_token_ids": source, "decoder_token_ids": target}


def padded(source, extra=3):
    return np.concatenate([source, np.zeros((len(source), extra), "int32")], axis=1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("attention", ["bahdanau", "luong", None])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_rnn_seq2seq(cell, attention, bidirectional):
    model = run_builder_test(
        rnn_seq2seq,
        init_kwargs=dict(
            source_vocabulary_size=20,
            target_vocabulary_size=30,
            embed_dim=4,
            units=8,
            cell=cell,
            attention=attention,
            bidirectional_encoder=bidirectional,
        ),
        input_data=inputs(),
        expected_output_shape=(2, 4, 30),
    )
    np.testing.assert_allclose(model(inputs(padded(SOURCE))), model(inputs()), atol=1e-6)


def test_rnn_parameter_count_follows_the_formulas():
    d, u, vs, vt = 4, 8, 20, 30
    lstm = lambda inp, units: 4 * (units * (inp + units) + units)  # noqa: E731
    model = rnn_seq2seq(
        source_vocabulary_size=vs,
        target_vocabulary_size=vt,
        embed_dim=d,
        units=u,
        cell="lstm",
        attention="luong",
        bidirectional_encoder=True,
    )
    expected = (
        vs * d
        + 2 * lstm(d, u // 2)  # encoder embedding + both directions
        + vt * d
        + lstm(d, u)  # decoder embedding + decoder LSTM
        + 1  # Luong attention's learned scale
        + (2 * u * u + u)  # attentional state tanh(W[c; h] + b)
        + (u * vt + vt)
    )  # logits
    assert model.count_params() == expected


def test_attention_weights_are_a_distribution_over_real_source_tokens():
    model = rnn_seq2seq(
        source_vocabulary_size=20, target_vocabulary_size=30, embed_dim=4, units=8, attention="bahdanau"
    )
    weights = np.asarray(attention_model(model)(inputs()))
    assert weights.shape == (2, 4, 5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.all(weights[0, :, 3:] == 0) and np.all(weights[1, :, 2:] == 0)  # padding gets no attention
    with pytest.raises(ValueError, match="no attention layer"):
        attention_model(rnn_seq2seq(source_vocabulary_size=20, target_vocabulary_size=30, units=8, attention=None))


def test_transformer_seq2seq():
    model = run_builder_test(
        transformer_seq2seq, init_kwargs=TINY_TRANSFORMER, input_data=inputs(), expected_output_shape=(2, 4, 30)
    )
    np.testing.assert_allclose(model(inputs(padded(SOURCE))), model(inputs()), atol=1e-5)
    # Causal: changing a later decoder token leaves earlier positions' logits unchanged.
    later = TARGET.copy()
    later[:, 3] = 17
    np.testing.assert_allclose(
        np.asarray(model(inputs(target=later)))[:, :3], np.asarray(model(inputs()))[:, :3], atol=1e-6
    )


def test_transformer_keras_io_configuration_size():
    """The keras.io English-to-Spanish configuration, counted by hand (1 + 1 layers, 256 wide, FF 2048)."""
    v, length, d, ff = 15000, 20, 256, 2048
    model = transformer_seq2seq(
        source_vocabulary_size=v,
        target_vocabulary_size=v,
        source_sequence_length=length,
        target_sequence_length=length,
        embed_dim=d,
        intermediate_dim=ff,
        num_heads=8,
        num_encoder_layers=1,
        num_decoder_layers=1,
    )
    embedding = v * d + length * d
    attention = 4 * (d * d + d)
    norm = 2 * d
    feed_forward = d * ff + ff + ff * d + d
    encoder = attention + norm + feed_forward + norm
    decoder = 2 * (attention + norm) + feed_forward + norm
    assert model.count_params() == 2 * embedding + encoder + decoder + (d * v + v)


def test_transformer_shared_embeddings_tie_source_target_and_output():
    """One matrix embeds both languages and scores the output; padding and causality as before."""
    kwargs = {**TINY_TRANSFORMER, "target_vocabulary_size": 20, "shared_embeddings": True}
    model = run_builder_test(
        transformer_seq2seq, init_kwargs=kwargs, input_data=inputs(), expected_output_shape=(2, 4, 20)
    )
    np.testing.assert_allclose(model(inputs(padded(SOURCE))), model(inputs()), atol=1e-5)
    later = TARGET.copy()
    later[:, 3] = 17
    np.testing.assert_allclose(
        np.asarray(model(inputs(target=later)))[:, :3], np.asarray(model(inputs()))[:, :3], atol=1e-6
    )
    untied = transformer_seq2seq(**{**kwargs, "shared_embeddings": False})
    v, d = 20, 8
    # Untied: two token embeddings and an output layer with its bias; tied: one matrix, no bias.
    assert untied.count_params() - model.count_params() == 2 * v * d + v
    embedding = model.get_layer("shared_embedding").embeddings
    state = model.get_layer("output_dropout").output
    state_values, logits = keras.Model(model.inputs, [state, model.output])(inputs())
    np.testing.assert_allclose(np.asarray(logits), np.asarray(state_values) @ np.asarray(embedding).T, atol=1e-5)


def test_transformer_normalize_first_is_pre_ln_with_final_norms():
    """Pre-LN (Xiong et al. 2020): each block normalises its input; the encoder's and the
    decoder's outputs get one LayerNormalization each, so the model has exactly two more."""
    kwargs = {**TINY_TRANSFORMER, "normalize_first": True}
    model = run_builder_test(
        transformer_seq2seq, init_kwargs=kwargs, input_data=inputs(), expected_output_shape=(2, 4, 30)
    )
    np.testing.assert_allclose(model(inputs(padded(SOURCE))), model(inputs()), atol=1e-5)
    later = TARGET.copy()
    later[:, 3] = 17
    np.testing.assert_allclose(
        np.asarray(model(inputs(target=later)))[:, :3], np.asarray(model(inputs()))[:, :3], atol=1e-6
    )
    post = transformer_seq2seq(**TINY_TRANSFORMER)
    assert model.count_params() - post.count_params() == 2 * 2 * TINY_TRANSFORMER["embed_dim"]
    assert model.get_layer("encoder_layer_0").normalize_first and model.get_layer("decoder_layer_0").normalize_first
    assert not post.get_layer("encoder_layer_0").normalize_first
    # the decoder reads the normalised encoder output
    encoder_out = model.get_layer("encoder_output_norm").output
    values = np.asarray(keras.Model(model.inputs, encoder_out)(inputs()))
    np.testing.assert_allclose(values.mean(-1), 0.0, atol=1e-5)


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (
            rnn_seq2seq,
            dict(source_vocabulary_size=0, target_vocabulary_size=5),
            "source_vocabulary_size must be a positive int; Received: source_vocabulary_size=0",
        ),
        (rnn_seq2seq, dict(source_vocabulary_size=5, target_vocabulary_size=5, cell="lstmx"), "cell must be one of"),
        (
            rnn_seq2seq,
            dict(source_vocabulary_size=5, target_vocabulary_size=5, attention="dot"),
            "attention must be one of",
        ),
        (
            rnn_seq2seq,
            dict(source_vocabulary_size=5, target_vocabulary_size=5, units=7),
            "even units; Received: units=7",
        ),
        (
            rnn_seq2seq,
            dict(source_vocabulary_size=5, target_vocabulary_size=5, dropout=1.0),
            "dropout must be a float in",
        ),
        (
            transformer_seq2seq,
            {**TINY_TRANSFORMER, "num_heads": 3},
            "num_heads must divide embed_dim=8; Received: num_heads=3",
        ),
        (
            transformer_seq2seq,
            {**TINY_TRANSFORMER, "num_decoder_layers": 0},
            "num_decoder_layers must be a positive int",
        ),
        (
            transformer_seq2seq,
            {**TINY_TRANSFORMER, "shared_embeddings": True},
            "shared_embeddings needs one vocabulary",
        ),
    ],
)
def test_bad_arguments(builder, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
        builder(**kwargs)
