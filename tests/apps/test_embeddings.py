"""The embeddings app: a tiny run through the command line, its evaluation, neighbours, and every export file.

The run learns 8-D vectors from a small text file for a few steps; the point is what a user
gets: scores beside the PPMI + SVD baseline, the word map, nearest words, and vector files that
gensim and TensorBoard's projector read back equal to the model's table.
"""

import json

import numpy as np
import pytest

import kerasdl
from kerasdl.apps.embeddings import Embeddings
from kerasdl.apps.embeddings.evaluation import keyed_vectors, word_vector_scores
from kerasdl.errors import UserInputError
from kerasdl.export import run_tflite
from tests.apps.cases.embeddings import corpus
from tests.helpers import run_app

FLAGS = [
    "--min-count",
    "2",
    "--embed-dim",
    "8",
    "--epochs",
    "1",
    "--steps-per-epoch",
    "3",
    "--batch-size",
    "64",
    "--no-xla",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, kerasdl_cache):
    """``kerasdl embeddings run`` on a tiny corpus (analogies skipped), in a fresh working folder."""
    work = tmp_path_factory.mktemp("embeddings_run")
    data = corpus(work)
    return run_app(
        work,
        ["embeddings", "run", "--data", data, *FLAGS, "--no-analogies", "--map-words", "good", "bad", "film"],
        cache=kerasdl_cache,
    )


@pytest.fixture(scope="module")
def task(trained):
    return Embeddings.from_run(trained["work"] / "runs" / "embeddings")


@pytest.mark.slow
def test_run_reports_scores_beside_the_baseline(trained, task):
    out, work = trained["stdout"], trained["work"]
    assert "WordSim353" in out and "PPMI + SVD" in out
    metrics = json.loads((work / "runs" / "embeddings" / "evaluation.json").read_text())
    assert set(metrics) >= {"model", "vocabulary_size", "scores", "baseline", "neighbours"}
    assert set(metrics["scores"]) == {"wordsim353", "simlex999"}  # --no-analogies
    assert metrics["baseline"]["words"] == metrics["vocabulary_size"] == len(task.words)
    assert (work / "runs" / "embeddings" / "word_map.png").stat().st_size > 1000
    summary = json.loads((work / "runs" / "embeddings" / "train_summary.json").read_text())
    assert summary["vocabulary_size"] == len(task.words) and summary["corpus"]["documents"] == 60


@pytest.mark.slow
def test_export_files_read_back_equal_to_the_table(trained, task):
    from gensim.models import KeyedVectors

    version = trained["work"] / "saved_models" / "embeddings" / "1"
    words, vectors = task.words, task.vectors()
    loaded = KeyedVectors.load_word2vec_format(str(version / "vectors.txt"), binary=False)
    assert list(loaded.index_to_key) == words
    np.testing.assert_allclose(loaded.vectors, vectors, rtol=1e-5, atol=1e-6)
    projector = np.loadtxt(version / "vectors.tsv", delimiter="\t", ndmin=2)
    np.testing.assert_allclose(projector, vectors, rtol=1e-5, atol=1e-6)
    assert (version / "metadata.tsv").read_text().split("\n")[:-1] == words
    served = kerasdl.load(version)  # words -> vectors in the SavedModel, lower-cased in the graph
    np.testing.assert_allclose(served(["GOOD"])[0]["vector"], vectors[words.index("good")], atol=1e-6)
    raw = served.signature(word=__import__("tensorflow").constant(["film", "zzzz"]))
    assert raw["known"].numpy().tolist() == [True, False] and not raw["vector"].numpy()[1].any()
    ids = np.array([1 + words.index("film"), 0], np.float32)  # LiteRT: 1 + the row in metadata.tsv, 0 unknown
    lite = run_tflite(version / "model.tflite", ids)
    np.testing.assert_allclose(lite, np.stack([vectors[words.index("film")], np.zeros(8)]), atol=1e-6)


@pytest.mark.slow
def test_neighbours_from_the_command_line(trained, cli, monkeypatch):
    monkeypatch.chdir(trained["work"])
    code, out, err = cli(["embeddings", "neighbours", "good", "Film", "--count", "3"])
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith(("good:", "film:"))]
    assert len(lines) == 2 and lines[0].count(",") == 2
    code, out, err = cli(["embeddings", "neighbours", "good", "xyzzy"])
    assert code == 2 and err.strip().splitlines() == [err.strip()] and "not in the vocabulary" in err
    assert "xyzzy" in err and "Traceback" not in err


@pytest.mark.slow
def test_neighbours_are_ranked_by_cosine(task):
    found = task.neighbours(["good"], count=4).neighbours["good"]
    vectors, words = task.vectors(), task.words
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ unit[words.index("good")]
    assert [w for w, _ in found] == [words[i] for i in np.argsort(-cosines) if words[i] != "good"][:4]
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_scores_of_known_vectors():
    # Two-word similarity sets get Spearman from gensim; random vectors over the test words score near 0.
    from gensim.test.utils import datapath

    pairs = [line.split("\t")[:2] for line in open(datapath("wordsim353.tsv")).read().splitlines()[1:]]
    words = sorted({w.lower() for pair in pairs for w in pair})
    vectors = np.random.default_rng(0).normal(size=(len(words), 10))
    scores = word_vector_scores(keyed_vectors(words, vectors), analogies=False)
    assert scores["wordsim353"]["oov"] == 0 and abs(scores["wordsim353"]["spearman"]) < 0.15
    none = word_vector_scores(keyed_vectors(["foo", "bar"], vectors[:2]), analogies=False)
    assert none["simlex999"]["spearman"] is None  # no pair in the vocabulary: nothing to correlate


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(UserInputError, match="--dataset imdb needs --data"):
        Embeddings(run_dir=tmp_path / "run").train(dataset="imdb")
    with pytest.raises(UserInputError, match="window must be a positive integer"):
        Embeddings(window=0)
    with pytest.raises(UserInputError, match="sample must be in"):
        Embeddings(sample=2.0)
    assert not (tmp_path / "run").exists()
