"""Greedy, beam and top-k decoding with keras-hub samplers: sequences end, and decoding traces."""

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.inference.seq2seq_decoding import decode, make_sampler, truncate_after_end
from kerasdl.models.seq2seq import rnn_seq2seq, transformer_seq2seq

START, END = 2, 3
SOURCE = np.array([[5, 6, 7, 0], [8, 9, 0, 0], [4, 4, 4, 4]], "int32")


def copy_task_model(kind):
    """A model trained for a few seconds to emit its source then the end token (reversal-free copy)."""
    import keras

    keras.utils.set_random_seed(0)
    if kind == "rnn":
        model = rnn_seq2seq(source_vocabulary_size=12, target_vocabulary_size=12, embed_dim=16, units=32)
    else:
        model = transformer_seq2seq(
            source_vocabulary_size=12,
            target_vocabulary_size=12,
            source_sequence_length=6,
            target_sequence_length=8,
            embed_dim=32,
            intermediate_dim=64,
            num_heads=2,
            num_encoder_layers=1,
            num_decoder_layers=1,
            dropout=0.0,
        )
    rng = np.random.default_rng(0)
    n = 1024
    lengths = rng.integers(1, 5, n)
    source = np.zeros((n, 4), "int32")
    target = np.zeros((n, 6), "int32")
    for i, length in enumerate(lengths):
        tokens = rng.integers(4, 12, length)
        source[i, :length] = tokens
        target[i, : length + 2] = [START, *tokens, END]
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    model.fit(
        {"encoder_token_ids": source, "decoder_token_ids": target[:, :-1]},
        target[:, 1:],
        sample_weight=(target[:, 1:] > 0).astype("float32"),
        epochs=15,  # both copy SOURCE from epoch 7 (the Transformer from 3); the loss is below 0.01 by 15
        batch_size=64,
        verbose=0,
    )
    return model


@pytest.fixture(scope="module", params=["rnn", "transformer"])
def trained(request):
    return copy_task_model(request.param)


@pytest.mark.slow
@pytest.mark.parametrize(
    "sampler", ["greedy", make_sampler("beam", beam_width=3), make_sampler("top_k", top_k=2, seed=1)]
)
def test_decoded_sequences_end(trained, sampler):
    out = np.asarray(decode(trained, SOURCE, start_id=START, end_id=END, max_length=8, sampler=sampler))
    assert out.shape == (3, 8)
    for row in out:
        assert row[0] == START
        assert END in row, f"no end token in {row}"
        end = list(row).index(END)
        assert np.all(row[end + 1 :] == 0)
        assert START not in row[1:] and 0 not in row[1:end]  # never emits start or padding mid-sentence


@pytest.mark.slow
def test_greedy_and_beam_copy_the_source(trained):
    for sampler in ("greedy", make_sampler("beam", beam_width=3)):
        out = np.asarray(decode(trained, SOURCE, start_id=START, end_id=END, max_length=8, sampler=sampler))
        assert out[0, :5].tolist() == [START, 5, 6, 7, END]
        assert out[1, :4].tolist() == [START, 8, 9, END]


def test_decoding_traces_into_a_tf_function():
    model = rnn_seq2seq(source_vocabulary_size=12, target_vocabulary_size=12, embed_dim=4, units=8)
    fn = tf.function(
        lambda x: decode(model, x, start_id=START, end_id=END, max_length=6, sampler="beam"),
        input_signature=[tf.TensorSpec([None, None], tf.int32)],
    )
    assert tuple(fn(SOURCE).shape) == (3, 6)
    assert tuple(fn(SOURCE[:1, :2]).shape) == (1, 6)


def test_truncate_after_end():
    ids = np.array([[2, 5, 3, 7, 3], [2, 5, 6, 7, 8]], "int32")
    assert np.asarray(truncate_after_end(ids, 3)).tolist() == [[2, 5, 3, 0, 0], [2, 5, 6, 7, 8]]


def test_unknown_sampler():
    with pytest.raises(
        ValueError, match="sampler must be one of 'greedy', 'beam', 'top_k'; Received: sampler='nucleus'"
    ):
        make_sampler("nucleus")
    with pytest.raises(ValueError, match="beam_width must be a positive int"):
        make_sampler("beam", beam_width=0)
