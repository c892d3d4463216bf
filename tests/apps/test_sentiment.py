"""The sentiment app through its command line and its Python API: run, evaluate, predict, export, and bad input.

The end-to-end run trains the default model (NBSVM over word 1-3-grams) on the embedded
reviews, a few seconds; the point is every output a user gets, a SavedModel that takes raw
strings, and a LiteRT file that, fed the token ids the documented tokenization gives,
agrees with it.
"""

import csv
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import kerasdl
from kerasdl.apps.sentiment import Sentiment
from kerasdl.apps.sentiment.evaluation import BASELINE_C_GRID
from kerasdl.apps.sentiment.recipes import RECIPES, recipe
from kerasdl.errors import UserInputError
from kerasdl.export import run_tflite
from tests.helpers import files_under, run_app

REPO = pathlib.Path(__file__).resolve().parents[2]
APP_DIR = pathlib.Path("saved_models") / "sentiment"
RUN_DIR = pathlib.Path("runs") / "sentiment"
REVIEWS = ["There is nothing to like in this movie.", "I loved every minute of this film, a brilliant cast!"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, kerasdl_cache):
    """``kerasdl sentiment run`` with every default, in a fresh working folder."""
    return run_app(tmp_path_factory.mktemp("sentiment_run"), ["sentiment", "run"], cache=kerasdl_cache)


@pytest.fixture
def in_run(trained, monkeypatch):
    monkeypatch.chdir(trained["work"])
    return trained["work"]


def python_token_ids(text, vocabulary, ngrams=3):
    """What metadata.json tells a LiteRT user to do: standardise, split, n-grams, look up (1 = unknown)."""
    from kerasdl.layers import standardize_review

    words = standardize_review(tf.constant(text)).numpy().decode("utf-8").split()
    index = {token: i for i, token in enumerate(vocabulary)}
    grams = [" ".join(words[i : i + n]) for n in range(1, ngrams + 1) for i in range(len(words) - n + 1)]
    return [index.get(g, 1) for g in grams]


# ---------------------------------------------------------------- end to end


@pytest.mark.slow
def test_run_writes_every_output(trained):
    work, run_dir = trained["work"], trained["work"] / RUN_DIR
    assert {
        "best.keras",
        "training_log.csv",
        "learning_curves.png",
        "task.json",
        "split.json",
        "train_summary.json",
        "evaluation.json",
        "confusion_matrix.png",
    } <= files_under(run_dir)
    assert {"1/saved_model.pb", "1/model.tflite", "1/vocabulary.txt", "1/metadata.json"} <= files_under(work / APP_DIR)
    assert not [f for f in files_under(work) if f.endswith(".tmp") or "/.tmp" in f]
    assert "Done: test accuracy" in trained["stdout"] and "Traceback" not in trained["stdout"] + trained["stderr"]
    record = json.loads((run_dir / "task.json").read_text())
    assert record["app"] == "sentiment" and record["init"]["model"] == "nbsvm" and record["init"]["preset"] is None
    assert (
        record["state"]["class_names"] == ["negative", "positive"] and record["state"]["source"]["dataset"] == "reviews"
    )
    summary = json.loads((run_dir / "train_summary.json").read_text())
    assert summary["model"] == "nbsvm" and summary["builder"] == "bag_of_ngrams_classifier" and summary["naive_bayes"]
    assert summary["tokenizer"]["kind"] == "ngrams" and summary["batch_size"] == 32
    split = json.loads((run_dir / "split.json").read_text())
    assert (len(split["train"]), len(split["val"]), len(split["test"])) == (1800, 200, 500)
    assert not set(split["test"]) & set(split["train"] + split["val"])


@pytest.mark.slow
def test_evaluation_reports_the_model_and_the_baseline(trained):
    report = json.loads((trained["work"] / RUN_DIR / "evaluation.json").read_text())
    model, baseline = report["model"], report["baseline"]
    assert report["split"]["test"] == 500 and report["class_names"] == ["negative", "positive"]
    assert 0.5 < model["accuracy"] <= 1 and 0 < model["f1"] <= 1
    assert np.sum(model["confusion_matrix"]) == 500
    assert np.trace(model["confusion_matrix"]) == round(model["accuracy"] * 500)
    assert baseline["name"].startswith("TF-IDF") and baseline["C"] in BASELINE_C_GRID
    assert report["accuracy_gain_over_baseline"] == pytest.approx(model["accuracy"] - baseline["accuracy"], abs=1e-5)
    assert (trained["work"] / RUN_DIR / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_saved_model_takes_raw_strings(trained):
    import keras

    from kerasdl.apps.sentiment.evaluation import predict_probabilities

    version = trained["work"] / APP_DIR / "1"
    loaded = tf.saved_model.load(str(version))
    served = loaded.signatures["serving_default"](
        text=tf.constant(REVIEWS + ["<br />", "Caf\xe9 ok \xff".encode("latin-1")])
    )
    assert served["label"].numpy().tolist()[:2] == [b"negative", b"positive"]
    probabilities = served["probabilities"].numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    model = keras.saving.load_model(trained["work"] / RUN_DIR / "best.keras")
    np.testing.assert_allclose(probabilities[:2], predict_probabilities(model, REVIEWS), atol=1e-5)
    np.testing.assert_allclose(served["probability"].numpy(), probabilities.max(axis=1), atol=1e-6)
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["class_names"] == ["negative", "positive"]
    assert "text: [batch] UTF-8 strings" in metadata["usage"]["serving_default"]
    assert metadata["signatures"]["serving_default"]["inputs"]["text"]["dtype"] == "string"
    assert metadata["tflite"]["inputs"][0]["dtype"] == "float32"


@pytest.mark.slow
def test_tflite_on_documented_token_ids_matches_the_saved_model(trained):
    version = trained["work"] / APP_DIR / "1"
    vocabulary = (version / "vocabulary.txt").read_text(encoding="utf-8").split("\n")[:-1]
    metadata = json.loads((version / "metadata.json").read_text())
    assert len(vocabulary) == metadata["tokenizer"]["vocabulary_size"] and vocabulary[:2] == ["", "[UNK]"]
    rows = [python_token_ids(text, vocabulary) for text in REVIEWS]
    ids = np.zeros((len(rows), max(map(len, rows))), np.float32)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    served = tf.saved_model.load(str(version)).signatures["serving_default"](text=tf.constant(REVIEWS))
    lite = run_tflite(version / "model.tflite", ids)
    np.testing.assert_allclose(lite, served["probabilities"].numpy(), atol=1e-5)


# ---------------------------------------------------------------- predict


@pytest.mark.slow
def test_predict_from_arguments_file_and_stdin(in_run, cli, monkeypatch, tmp_path):
    code, out, err = cli(["sentiment", "predict", *REVIEWS])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("negative") and lines[1].startswith("positive") and "nothing to like" in lines[0]
    texts = tmp_path / "texts.txt"
    texts.write_bytes(b"There is nothing to like in this movie.\n\n   \nA superb, moving film, caf\xe9 scene too.\n")
    output = tmp_path / "out.csv"
    code, out, err = cli(["sentiment", "predict", "--file", texts, "--output", output])
    assert code == 0, err
    with output.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["label"] for r in rows] == ["negative", "positive"] and rows[1]["text"].endswith("café scene too.")
    assert all(0.5 <= float(r["probability"]) <= 1 for r in rows)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Awful, a waste of time.\nWonderful!\n"))
    code, out, err = cli(["sentiment", "predict", "-"])
    assert code == 0, err
    assert len(out.strip().splitlines()) == 2


@pytest.mark.slow
def test_predict_and_evaluate_errors(in_run, cli, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = cli(["sentiment", "predict"])
    assert code == 2 and err.strip() == "error: no texts to classify (the input is empty)"
    code, _, err = cli(["sentiment", "predict", "--file", tmp_path / "none.txt"])
    assert code == 2 and "no such file" in err
    code, _, err = cli(["sentiment", "predict", "good", "--model-path", tmp_path / "missing.keras"])
    assert code == 2 and "no trained model at" in err
    code, _, err = cli(["sentiment", "predict", "good", "--output", tmp_path / "p.txt"])
    assert code == 2 and "--output must end in .csv or .json" in err
    import keras

    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(tmp_path / "dense.keras")
    code, _, err = cli(["sentiment", "predict", "good", "--model-path", tmp_path / "dense.keras"])
    assert code == 2 and "dense.keras is not a sentiment model (needs raw strings in" in err


@pytest.mark.slow
def test_a_model_file_without_its_run_record(trained, tmp_path):
    shutil.copy(trained["work"] / RUN_DIR / "best.keras", tmp_path / "copy.keras")
    task = Sentiment.from_run(tmp_path, model_path=tmp_path / "copy.keras")
    assert task.model_name == "nbsvm" and task.class_names == ["negative", "positive"]
    assert [r["label"] for r in task.predict(REVIEWS)] == ["negative", "positive"]


@pytest.mark.slow
def test_evaluate_on_other_data_without_baseline(in_run, cli, tmp_path):
    data = tmp_path / "mine.tsv"
    data.write_text(
        "label\tsentence\n" + "".join(f"{i % 2}\t{REVIEWS[i % 2]} number {i}\n" for i in range(30)), encoding="utf-8"
    )
    out_json = tmp_path / "eval.json"
    code, out, err = cli(
        [
            "sentiment",
            "evaluate",
            "--data",
            data,
            "--no-baseline",
            "--output",
            out_json,
            "--figure",
            tmp_path / "cm.png",
        ]
    )
    assert code == 0, err
    report = json.loads(out_json.read_text())
    assert "baseline" not in report and report["split"]["test"] == 4 and report["model"]["accuracy"] == 1.0


def table(path, rows):
    """A TSV of ``rows`` review-like texts, alternating labels."""
    words = {0: ["awful", "boring", "dull", "a waste"], 1: ["superb", "wonderful", "moving", "a delight"]}
    path.write_text(
        "label\tsentence\n" + "".join(f"{i % 2}\tThe film was {words[i % 2][i % 4]}, take {i}.\n" for i in range(rows)),
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_python_api_predict_and_load(trained, tmp_path):
    task = Sentiment.from_run(trained["work"] / RUN_DIR)
    assert task.model_name == "nbsvm" and task.class_names == ["negative", "positive"]
    found = task.predict(REVIEWS + ["   "], output=tmp_path / "p.json")
    assert found.inputs == REVIEWS and [r["label"] for r in found] == ["negative", "positive"]
    assert set(found[0]) == {"label", "probability"}
    written = json.loads((tmp_path / "p.json").read_text())
    assert written["class_names"] == ["negative", "positive"] and written["predictions"][1]["text"] == REVIEWS[1]
    served = kerasdl.load(trained["work"] / APP_DIR)
    assert served.app == "sentiment"
    for mine, theirs in zip(found, served(REVIEWS)):
        assert mine["label"] == theirs["label"] and mine["probability"] == pytest.approx(
            theirs["probability"], abs=1e-5
        )
    assert len(served(REVIEWS[0])) == 1


@pytest.mark.slow
def test_python_api_train_with_a_test_file(tmp_path):
    task = Sentiment("fasttext", max_tokens=500, run_dir=tmp_path / "run")
    task.train(
        table(tmp_path / "train.tsv", 60),
        test_data=table(tmp_path / "test.tsv", 14),
        epochs=1,
        steps_per_epoch=2,
        verbose=0,
    )
    assert task.state["source"]["test_data"] == tmp_path / "test.tsv"
    report = task.evaluate(baseline=False)  # the run's own test texts: the whole test file
    assert report.metrics["split"]["test"] == 14 and report.headline.startswith("test accuracy ")
    assert "baseline" not in report.metrics
    exported = task.export(tmp_path / "models", tflite=False)
    assert exported.metadata["model"] == "fasttext" and exported.metadata["tokenizer"]["ngrams"] == 2
    assert (exported.path / "vocabulary.txt").is_file()
    again = Sentiment.from_run(tmp_path / "run")
    assert again.model_name == "fasttext" and again.recipe.settings["max_tokens"] == 500


def test_recipes_are_shared_recipes():
    for name, r in RECIPES.items():
        if name == "ensemble":  # trains other recipes (tests/apps/test_sentiment_pretraining.py)
            continue
        assert set(r.settings) == {"tokenizer", "ngrams", "max_tokens", "sequence_length", "naive_bayes"}, name
        assert r.training["steps_per_epoch"] is None and {"epochs", "learning_rate", "batch_size"} <= set(r.training)
    cnn = recipe("cnn", tokenizer="wordpiece", max_tokens=300, sequence_length=32)
    assert (cnn.settings["tokenizer"], cnn.settings["max_tokens"], cnn.settings["sequence_length"]) == (
        "wordpiece",
        300,
        32,
    )
    assert RECIPES["cnn"].settings["tokenizer"] == "words"  # the table is untouched


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(model="bert"), "unknown model 'bert'"),
        (dict(model="cnn", ngrams=2), "--ngrams is for the bag models (nbsvm, fasttext), not --model cnn"),
        (dict(model="nbsvm", sequence_length=8), "--sequence-length is for sequence models"),
        (dict(model="lstm", tokenizer="ngrams"), "--tokenizer ngrams does not fit --model lstm"),
        (dict(tokenizer="bytes"), "unknown tokenizer 'bytes'"),
        (dict(max_tokens=0), "max_tokens must be a positive int; Received: max_tokens=0"),
        (dict(preset="x", model="cnn"), "--model does not apply to --preset"),
        (dict(preset="x", model_options={"units": 2}), "--model-arg does not apply to --preset"),
    ],
)
def test_bad_task_arguments(kwargs, fragment):
    with pytest.raises(UserInputError, match=re.escape(fragment)):
        Sentiment(**kwargs)


@pytest.mark.slow
def test_export_another_version(in_run, cli):
    code, out, err = cli(["sentiment", "export", "--version", "7", "--no-tflite"])
    assert code == 0, err
    assert (in_run / APP_DIR / "7" / "saved_model.pb").is_file() and not (
        in_run / APP_DIR / "7" / "model.tflite"
    ).exists()
    code, _, err = cli(["sentiment", "export", "--version", "7"])
    assert code == 2 and "already exists" in err


# ---------------------------------------------------------------- other models and bad input


@pytest.mark.slow
def test_cnn_with_a_learned_wordpiece_vocabulary(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(
        [
            "sentiment",
            "train",
            "--model",
            "cnn",
            "--tokenizer",
            "wordpiece",
            "--max-tokens",
            "300",
            "--sequence-length",
            "32",
            "--model-arg",
            "embed_dim=8",
            "--model-arg",
            "filters=4",
            "--epochs",
            "1",
            "--steps-per-epoch",
            "3",
            "--run-dir",
            "cnn",
        ]
    )
    assert code == 0, err
    tokenizer = json.loads((tmp_path / "cnn" / "task.json").read_text())["state"]["tokenizer"]
    assert tokenizer["kind"] == "wordpiece" and tokenizer["vocabulary_size"] <= 300
    code, out, err = cli(["sentiment", "export", "--run-dir", "cnn"])
    assert code == 0, err
    version = tmp_path / APP_DIR / "1"
    metadata = json.loads((version / "metadata.json").read_text())
    assert metadata["tflite"]["inputs"][0]["shape"] == [-1, 32] and "WordPiece" in metadata["usage"]["serving_float"]
    assert "text_to_tflite_vs_saved_model" in out


@pytest.mark.slow
def test_preset_path_with_a_tiny_random_backbone(tmp_path, cli, monkeypatch):
    import keras_hub

    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(
        {w.strip(".,!").lower() for r in REVIEWS + ["good bad awful great film acting plot"] for w in r.split()}
    )
    tokenizer = keras_hub.tokenizers.BertTokenizer(vocabulary=vocabulary, lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=16)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=len(vocabulary),
        num_layers=1,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=16,
    )
    keras_hub.models.BertTextClassifier(backbone, num_classes=2, preprocessor=preprocessor).save_to_preset(
        tmp_path / "tiny"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(
        [
            "sentiment",
            "train",
            "--preset",
            tmp_path / "tiny",
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--run-dir",
            "bert",
        ]
    )
    assert code == 0, err
    assert json.loads((tmp_path / "bert" / "task.json").read_text())["init"]["preset"] == str(tmp_path / "tiny")
    code, out, err = cli(["sentiment", "predict", *REVIEWS, "--run-dir", "bert"])
    assert code == 0, err
    assert len(out.strip().splitlines()) == 2
    code, out, err = cli(["sentiment", "export", "--run-dir", "bert", "--no-tflite"])
    assert code == 0, err
    served = tf.saved_model.load(str(tmp_path / APP_DIR / "1")).signatures["serving_default"](text=tf.constant(REVIEWS))
    assert served["probabilities"].shape == (2, 2)


def test_bad_input_is_one_line(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "bad.csv"
    data.write_text("text,label\ngreat,1\nawful,0\nhmm,maybe\n", encoding="utf-8")
    cases = [
        (["--data", data], "label column 'label' has values that are not sentiment labels: 'maybe' (line 4)"),
        (["--model", "bert"], "unknown model 'bert'"),
        (["--model", "cnn", "--ngrams", "2"], "--ngrams is for the bag models"),
        (["--model", "nbsvm", "--tokenizer", "wordpiece"], "--tokenizer wordpiece does not fit --model nbsvm"),
        (["--model", "cnn", "--model-arg", "colour=3"], "--model-arg for text_cnn_classifier"),
        (["--model", "cnn", "--model-arg", "filters=0"], "filters must be a positive int; Received: filters=0"),
        (["--preset", tmp_path / "no_such_preset"], "cannot load keras-hub preset"),
        (["--preset", "x", "--tokenizer", "words"], "--tokenizer does not apply to --preset"),
        (["--dataset", "imdb", "--dataset-file", tmp_path / "none.npz"], "keras.datasets.imdb needs imdb.npz at"),
    ]
    for flags, fragment in cases:
        code, out, err = cli(["sentiment", "train", *flags, "--epochs", "1", "--run-dir", "bad"])
        assert code == 2, (flags, err)
        assert fragment in err and err.count("\n") == 1 and "Traceback" not in err, (flags, err)
    assert not (tmp_path / "bad").exists()  # nothing written for bad input


def test_thin_script_help():
    result = subprocess.run(
        [sys.executable, str(REPO / "apps" / "sentiment.py"), "train", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for fragment in ("--model", "nbsvm", "--preset", "--test-data", "--tokenizer", "wordpiece", "--epochs"):
        assert fragment in result.stdout
