"""The skip-gram builder: the shared harness, the tables, the loss against its formula, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.models.language import SkipGram, negative_sampling_loss, skipgram
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


def _table_gradients(model, target, context):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = keras.ops.sum(negative_sampling_loss(np.eye(1, 1 + K, dtype="float32"), model([target, context])))
    words, contexts = model.get_layer("word_embedding").embeddings, model.get_layer("context_embedding").embeddings
    return [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, [words, contexts])]


def test_mean_updates_average_a_rows_gradients_over_its_occurrences():
    rng = np.random.default_rng(2)
    tables = [rng.normal(size=(V, D)).astype("float32") for _ in range(2)]
    target = np.array([[3], [3], [3], [7]], "int32")  # word 3 three times, word 7 once
    context = np.array([[1, 2, 3, 1], [5, 6, 2, 8], [9, 1, 4, 5], [1, 0, 11, 12]], "int32")  # row 1 four times
    summed, averaged = (
        skipgram(vocabulary_size=V, embed_dim=D, negatives=K),
        skipgram(vocabulary_size=V, embed_dim=D, negatives=K, mean_updates=True),
    )
    for model in (summed, averaged):
        model.get_layer("word_embedding").set_weights([tables[0]])
        model.get_layer("context_embedding").set_weights([tables[1]])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(averaged([target, context])), keras.ops.convert_to_numpy(summed([target, context]))
    )
    (word_sum, context_sum), (word_mean, context_mean) = (
        _table_gradients(m, target, context) for m in (summed, averaged)
    )
    scale = np.abs(word_sum).max()
    np.testing.assert_allclose(word_mean[3], word_sum[3] / 3, rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(word_mean[7], word_sum[7], rtol=1e-5, atol=1e-6 * scale)
    counts = np.bincount(context.ravel(), minlength=V)
    seen = counts > 0
    np.testing.assert_allclose(
        context_mean[seen], context_sum[seen] / counts[seen][:, None], rtol=1e-5, atol=1e-6 * np.abs(context_sum).max()
    )


class SGDSubclass(keras.optimizers.SGD):
    """Plain SGD under another type: the model takes Keras' own (dense-gradient) step."""


@pytest.mark.parametrize("mean_updates", [False, True])
@pytest.mark.parametrize("jit_compile", [False, True])
def test_sparse_sgd_step_updates_the_tables_as_keras_dense_step(monkeypatch, mean_updates, jit_compile):
    sparse_steps = []
    sparse_step = SkipGram._sparse_sgd_step
    monkeypatch.setattr(SkipGram, "_sparse_sgd_step", lambda self, *a: sparse_steps.append(1) or sparse_step(self, *a))
    rng = np.random.default_rng(3)
    tables = [rng.normal(size=(V, D)).astype("float32") for _ in range(2)]
    target = rng.integers(0, 6, (12, 1)).astype("int32")  # few ids: rows repeat within a batch
    context = rng.integers(0, 9, (12, 1 + K)).astype("int32")
    labels = np.tile(np.eye(1, 1 + K, dtype="float32"), (12, 1))
    results = {}
    for optimizer in (keras.optimizers.SGD, SGDSubclass):
        model = skipgram(vocabulary_size=V, embed_dim=D, negatives=K, mean_updates=mean_updates)
        model.set_weights(tables)
        schedule = keras.optimizers.schedules.PolynomialDecay(0.5, 8, 0.05)  # the rate read at each step
        model.compile(optimizer=optimizer(schedule), loss=negative_sampling_loss, jit_compile=jit_compile)
        history = model.fit([target, context], labels, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results[optimizer] = model.get_weights(), history.history["loss"], int(model.optimizer.iterations.numpy())
        if optimizer is keras.optimizers.SGD:
            assert sparse_steps, "plain SGD should take the sparse step"
            sparse_steps.clear()
    assert not sparse_steps, "another optimizer type should take Keras' step"
    (sparse_tables, sparse_losses, sparse_count), (dense_tables, dense_losses, dense_count) = results.values()
    assert sparse_count == dense_count == 6
    np.testing.assert_allclose(sparse_losses, dense_losses, rtol=1e-5)
    for ours, keras_step, start in zip(sparse_tables, dense_tables, tables):
        assert np.abs(keras_step - start).max() > 1e-2  # the tables moved
        np.testing.assert_allclose(ours, keras_step, rtol=1e-5, atol=1e-6 * np.abs(start).max())


def test_other_optimizers_train_with_kerass_step():
    model = skipgram(vocabulary_size=V, embed_dim=D, negatives=K)
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss=negative_sampling_loss)
    rng = np.random.default_rng(4)
    inputs = [rng.integers(0, V, (8, 1)).astype("int32"), rng.integers(0, V, (8, 1 + K)).astype("int32")]
    history = model.fit(inputs, np.tile(np.eye(1, 1 + K, dtype="float32"), (8, 1)), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(model.optimizer.variables) > 2  # Adam built its moments: Keras' step applied them


def test_a_frozen_table_stays_frozen_under_sgd():
    model = skipgram(vocabulary_size=V, embed_dim=D, negatives=K)
    model.get_layer("word_embedding").trainable = False
    words = model.get_layer("word_embedding").get_weights()[0]
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss=negative_sampling_loss)
    rng = np.random.default_rng(5)
    inputs = [rng.integers(0, V, (8, 1)).astype("int32"), rng.integers(0, V, (8, 1 + K)).astype("int32")]
    model.fit(inputs, np.tile(np.eye(1, 1 + K, dtype="float32"), (8, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.get_layer("word_embedding").get_weights()[0], words)
    assert np.any(model.get_layer("context_embedding").get_weights()[0])


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


@pytest.mark.parametrize("logit", [0.0, 1.5, -30.0])
def test_negative_sampling_loss_gradient_is_sigmoid_minus_label(logit):
    # at 0 too, where every pair starts (the context vectors start at zero)
    import tensorflow as tf

    logits = tf.Variable(np.full((2, 3), logit, "float32"))
    labels = np.array([[1, 0, 0], [1, 0, 0]], "float32")
    with tf.GradientTape() as tape:
        loss = keras.ops.sum(negative_sampling_loss(labels, logits))
    expected = 1 / (1 + np.exp(-logit)) - labels
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocabulary_size": 1}, "vocabulary_size must be an int >= 2; Received: vocabulary_size=1"),
        ({"embed_dim": 0}, "embed_dim must be a positive int; Received: embed_dim=0"),
        ({"negatives": -1}, "negatives must be an int >= 0; Received: negatives=-1"),
        ({"mean_updates": 1}, "mean_updates must be"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        skipgram(**kwargs)
