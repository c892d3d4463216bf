"""Sentiment pretraining (word vectors from unlabelled text, ``--pretrained``) and stacked ensembles.

The units check the pieces by hand: vectors copied into the right embedding rows, the
stacking fitted to favour the member that knows, the Keras ensemble equal to its formula.
The end-to-end tests run on the embedded reviews at one epoch: pretrain, train from the
vectors (at a zero learning rate, so the rows must still be the vectors), an ensemble
trained, evaluated, served and exported with LiteRT parity, and the bad inputs.
"""

import json
import pathlib

import numpy as np
import pytest

from kerasdl.apps.sentiment import Sentiment
from kerasdl.apps.sentiment.ensemble import ensemble_model, stacking_weights
from kerasdl.apps.sentiment.pretraining import initial_embeddings, token_embedding
from kerasdl.apps.sentiment.recipes import RECIPES, parts, recipe
from kerasdl.errors import UserInputError
from tests.helpers import files_under

UNSEEN = "zyzzyvaword"  # only in the validation and test texts: pretraining must never see it


# ---------------------------------------------------------------- units


def test_initial_embeddings_copy_the_shared_words():
    vocabulary = ["", "[UNK]", "film", "!", "great"]
    words = ["great", "film", "plot"]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    matrix, found = initial_embeddings(vocabulary, words, vectors, seed=0)
    assert matrix.shape == (5, 4) and matrix.dtype == np.float32 and found == 2
    np.testing.assert_array_equal(matrix[2], vectors[1])
    np.testing.assert_array_equal(matrix[4], vectors[0])
    np.testing.assert_array_equal(matrix[0], np.zeros(4))  # padding
    assert not np.allclose(matrix[3], 0)  # "!" has no vector: a random start of the vectors' scale
    again, _ = initial_embeddings(vocabulary, words, vectors, seed=0)
    np.testing.assert_array_equal(matrix, again)


def test_token_embedding_is_found_in_every_word_model():
    for name in ("cnn", "lstm", "transformer"):
        r = recipe(name, sequence_length=16)
        from kerasdl.apps.sentiment.recipes import build_core

        core = build_core(r, vocabulary_size=50, classes=2)
        assert token_embedding(core).embeddings.shape == (50, r.options["embed_dim"])


def test_stacking_favours_the_member_that_knows():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    knows = np.where(labels[:, None] == [0, 1], 0.9, 0.1)  # right with confidence 0.9
    guesses = rng.dirichlet([1, 1], 2000)  # unrelated to the labels
    kernel, bias = stacking_weights([guesses, knows], labels, classes=2)
    assert kernel.shape == (2, 2) and bias.shape == (2,)  # one log-odds per member
    np.testing.assert_array_equal(kernel[:, 0], 0)  # binary: class 0's logit stays 0
    assert kernel[1, 1] > 0 and abs(kernel[1, 1]) > 5 * abs(kernel[0, 1])
    three = rng.dirichlet([1, 1, 1], 300)
    kernel, bias = stacking_weights([three, three], rng.integers(0, 3, 300), classes=3)
    assert kernel.shape == (4, 3) and bias.shape == (3,)


def test_ensemble_model_computes_its_formula():
    import keras

    class Constant(keras.layers.Layer):  # any text -> the same probabilities
        def __init__(self, probabilities, **kwargs):
            super().__init__(**kwargs)
            self.probabilities = np.asarray(probabilities, "float32")

        def call(self, text):
            return keras.ops.ones((keras.ops.shape(text)[0], 1)) * self.probabilities

        def compute_output_shape(self, shape):
            return (shape[0], 2)

    def constant_member(name, probabilities):
        text = keras.Input(shape=(), dtype="string")
        return keras.Model(text, Constant(probabilities)(text), name=name)

    p, q = [0.2, 0.8], [0.6, 0.4]
    kernel = np.array([[0.0, 1.5], [0.0, 0.7]], np.float32)
    bias = np.array([0.0, 0.3], np.float32)
    model = ensemble_model([constant_member("a", p), constant_member("b", q)], kernel, bias, name="ensemble")
    got = np.asarray(model(np.array(["x", "y"])))
    logits = np.array([np.log(0.8 / 0.2), np.log(0.4 / 0.6)]) @ kernel + bias  # the members' log-odds
    expected = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(got, np.stack([expected, expected]), rtol=1e-5)


def test_ensemble_recipe_refuses_member_settings():
    assert [name for name, _ in RECIPES["ensemble"].settings["members"]] == ["nbsvm", "cnn", "cnn"]
    with pytest.raises(UserInputError, match="--max-tokens does not apply to --model ensemble"):
        Sentiment("ensemble", max_tokens=100)
    with pytest.raises(UserInputError, match="--pretrained starts a word embedding; --model nbsvm reads ngrams"):
        Sentiment("nbsvm", pretrained="runs/vectors")
    with pytest.raises(UserInputError, match="--pretrained does not apply to --preset"):
        Sentiment(preset="bert_tiny_en_uncased", pretrained="runs/vectors")


# ---------------------------------------------------------------- end to end


def labelled_table(root: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """Training reviews and test reviews; the word UNSEEN only in the test ones."""
    good, bad = ["superb", "moving", "wonderful", "a delight"], ["awful", "boring", "dull", "a waste"]
    train = root / "train.csv"
    rows = [f'"The film was {(good if i % 2 else bad)[i % 4]}, take {i}.",{i % 2}' for i in range(80)]
    train.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    test = root / "test.csv"
    rows = [f'"{UNSEEN} {UNSEEN} {(good if i % 2 else bad)[i % 4]} {UNSEEN} film.",{i % 2}' for i in range(20)]
    test.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return train, test


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    """``pretrain`` on the tiny tables plus an unlabelled text file, one epoch."""
    root = tmp_path_factory.mktemp("pretrain")
    train, test = labelled_table(root)
    unlabelled = root / "unsup.txt"
    unlabelled.write_text("".join(f"the film had a plot and a cast, scene {i}\n" for i in range(60)), encoding="utf-8")
    report = Sentiment(run_dir=root / "vectors").pretrain(
        str(train), test_data=str(test), unlabelled=str(unlabelled), embed_dim=16, epochs=1, verbose=0
    )
    return {"root": root, "train": train, "test": test, "run": root / "vectors", "report": report}


@pytest.mark.slow
def test_pretrain_writes_an_embeddings_run_without_test_texts(vectors):
    record = json.loads((vectors["run"] / "task.json").read_text())
    assert record["app"] == "embeddings"
    words = record["state"]["vocabulary"]["words"]
    assert "plot" in words and "moving" in words  # unlabelled and training texts
    assert UNSEEN not in words  # the test texts (5 times each) never reach pretraining
    assert json.loads((vectors["run"] / "train_summary.json").read_text())["model_options"]["embed_dim"] == 16


@pytest.mark.slow
def test_pretrained_vectors_start_the_embedding(vectors, tmp_path):
    from kerasdl.apps.embeddings import Embeddings

    pretrained = Embeddings.from_run(vectors["run"])
    sentiment = Sentiment("cnn", pretrained=vectors["run"], sequence_length=16, run_dir=tmp_path / "cnn")
    sentiment.train(str(vectors["train"]), test_data=str(vectors["test"]), epochs=1, learning_rate=1e-12, verbose=0)
    tokenizer = sentiment.state["tokenizer"]
    assert tokenizer["pretrained"]["run"] == str(vectors["run"]) and tokenizer["pretrained"]["tokens_with_vectors"] > 5
    layer_tokenizer, core = parts(sentiment.model)
    vocabulary = list(layer_tokenizer.get_vocabulary())
    table = np.asarray(token_embedding(core).embeddings)
    source = pretrained.vectors()
    for word in ("film", "moving", "the"):
        row = table[vocabulary.index(word)]
        np.testing.assert_allclose(row, source[pretrained.words.index(word)], rtol=1e-4, atol=1e-6)
    again = Sentiment.from_run(tmp_path / "cnn")
    assert again.pretrained == str(vectors["run"])


@pytest.mark.slow
def test_ensemble_trains_evaluates_predicts_and_exports(vectors, tmp_path):
    run = tmp_path / "ensemble"
    sentiment = Sentiment("ensemble", pretrained=vectors["run"], run_dir=run)
    report = sentiment.train(str(vectors["train"]), test_data=str(vectors["test"]), epochs=1, verbose=0)
    assert {"best.keras", "task.json", "train_summary.json"} <= files_under(run)
    assert {"members/nbsvm/best.keras", "members/cnn/best.keras", "members/cnn_2/best.keras"} <= files_under(run)
    summary = json.loads((run / "train_summary.json").read_text())
    assert set(summary["members"]) == {"nbsvm", "cnn", "cnn_2"} and summary["members"]["cnn_2"]["pretrained"] == str(
        vectors["run"]
    )
    assert np.asarray(summary["stacking"]["kernel"]).shape == (3, 2) and report.parameters > 0
    # the repeated recipe trained from the next seed: same vectors, other random rows and shuffles
    first, second = (json.loads((run / "members" / m / "train_summary.json").read_text()) for m in ("cnn", "cnn_2"))
    assert (first["train_config"]["seed"], second["train_config"]["seed"]) == (0, 1)
    cores = [parts(Sentiment.from_run(run / "members" / m).model)[1] for m in ("cnn", "cnn_2")]
    assert not np.allclose(cores[0].get_weights()[-1], cores[1].get_weights()[-1])

    loaded = Sentiment.from_run(run)
    assert loaded.model_name == "ensemble" and loaded.class_names == ["negative", "positive"]
    evaluation = loaded.evaluate(baseline=False)
    assert 0.0 <= evaluation.metrics["model"]["accuracy"] <= 1.0
    assert evaluation.metrics["model"]["accuracy"] >= 0.5  # the words decide the label exactly
    predictions = loaded.predict(["A superb, moving film.", "Awful and boring."])
    assert [p["label"] for p in predictions] == ["positive", "negative"]

    exported = loaded.export(tmp_path / "models")
    files = {p.name for p in exported.path.iterdir()}
    assert {"model.tflite", "vocabulary_cnn.txt", "vocabulary_cnn_2.txt", "vocabulary_nbsvm.txt"} <= files
    assert exported.metadata["parity"]["checks"]["text_to_tflite_vs_saved_model"] <= 1e-4
    assert set(exported.metadata["tokenizer"]) == {"cnn", "cnn_2", "nbsvm"}
    assert "cnn: 800 ids" in exported.metadata["usage"]["serving_float"]
    assert "cnn_2: 800 ids" in exported.metadata["usage"]["serving_float"]


@pytest.mark.slow
def test_run_trains_evaluates_and_exports_an_ensemble(vectors, cli, tmp_path):
    arguments = ["--data", str(vectors["train"]), "--test-data", str(vectors["test"]), "--epochs", "1"]
    arguments += ["--run-dir", str(tmp_path / "run"), "--export-dir", str(tmp_path / "models")]
    code, out, err = cli(["sentiment", "run", "--model", "ensemble", "--pretrained", str(vectors["run"]), *arguments])
    assert code == 0, err
    assert "Done: test accuracy" in out and "learning curves" not in out.split("Done:")[1]
    assert {"1/model.tflite", "1/vocabulary_cnn.txt"} <= files_under(tmp_path / "models" / "sentiment")


@pytest.mark.slow
@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (["--model", "cnn", "--pretrained", "{root}/nothing"], "no pretraining run at"),
        (["--model", "cnn", "--pretrained", "{root}/vectors", "--run-dir", "{root}/vectors"], "--pretrained is"),
        (["--model", "lstm", "--pretrained", "{root}/vectors", "--model-arg", "embed_dim=7"], "16-wide"),
        (["--model", "nbsvm", "--pretrained", "{root}/vectors"], "--pretrained starts a word embedding"),
    ],
)
def test_bad_pretrained_is_one_line(vectors, cli, tmp_path, arguments, fragment):
    root = str(vectors["root"])
    arguments = [a.format(root=root) for a in arguments]
    if "--run-dir" not in arguments:
        arguments += ["--run-dir", str(tmp_path / "run")]
    code, out, err = cli(["sentiment", "train", "--data", str(vectors["train"]), *arguments])
    assert code == 2 and fragment in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_pretrain_bad_unlabelled_is_one_line(vectors, cli, tmp_path):
    code, out, err = cli(
        ["sentiment", "pretrain", "--data", str(vectors["train"]), "--unlabelled", str(tmp_path / "missing.txt")]
        + ["--run-dir", str(tmp_path / "vectors")]
    )
    assert code == 2 and "missing.txt" in err and "Traceback" not in err
    assert not (tmp_path / "vectors").exists()
