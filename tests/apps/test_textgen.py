"""The textgen app: perplexity, the Kneser-Ney baseline, generation's ends and lengths, samplers, prompts too long."""

import json
import math

import keras
import numpy as np
import pytest

from kerasdl.apps.textgen import data as text_data
from kerasdl.apps.textgen import evaluation, generating
from kerasdl.errors import UserInputError
from tests.app_testing import assert_rejected

V = 37


def constant_model(favourite: int, *, vocabulary_size=V):
    """A causal LM whose logits at every position prefer ``favourite`` (all 0 when None: uniform)."""
    table = np.zeros((vocabulary_size, vocabulary_size), "float32")
    if favourite is not None:
        table[:, favourite] = 10.0
    ids = keras.Input((None,), dtype="int32")
    logits = keras.layers.Embedding(vocabulary_size, vocabulary_size, embeddings_initializer="zeros", trainable=False)
    model = keras.Model(ids, logits(ids))
    logits.set_weights([table])
    return model


def test_uniform_model_perplexity_is_the_vocabulary_size():
    rng = np.random.default_rng(0)
    documents = [rng.integers(3, V, n) for n in (5, 40, 1, 17)]
    scored = evaluation.perplexity_of_documents(constant_model(None), documents, sequence_length=8)
    assert scored["tokens"] == sum(len(d) + 1 for d in documents)  # every token and each document's end
    assert scored["perplexity"] == pytest.approx(V, rel=1e-6)  # float32 log-softmax


def test_scoring_windows_predict_every_token_once():
    ids = np.arange(1, 12, dtype="int32")
    inputs, targets, weights = text_data.scoring_windows(ids, 4)
    assert inputs.shape == targets.shape == weights.shape == (3, 4)
    assert targets[weights > 0].tolist() == list(range(2, 12))
    assert (inputs[:, 1:] == targets[:, :-1]).all()


def test_kneser_ney_learns_a_repeated_pattern():
    documents = [np.array([3, 4, 5, 6, 7, 8])] * 30
    kn = evaluation.kneser_ney(documents, documents[:2], order=3)
    assert kn["tokens"] == 14 and kn["zero_probability_tokens"] == 0
    assert kn["perplexity"] < 1.5 and "KneserNeyInterpolated" in kn["library"]


def _generate(favourite, prompt_lengths, *, total, max_new, sampler="greedy"):
    model = constant_model(favourite)
    rows = np.zeros((len(prompt_lengths), total), "int32")
    for i, n in enumerate(prompt_lengths):
        rows[i, 0] = text_data.END_ID
        rows[i, 1:n] = 5
    name, options = generating.decoding(sampler)
    out = generating.generate_ids(
        model,
        keras.ops.convert_to_tensor(rows),
        keras.ops.convert_to_tensor(np.array(prompt_lengths, "int32")),
        max_new=max_new,
        sampler=generating.make_sampler(name, options),
    )
    return np.asarray(out)


@pytest.mark.parametrize("sampler", ["greedy", "beam"])
def test_generation_stops_at_the_end_token(sampler):
    out = _generate(text_data.END_ID, [2, 4], total=10, max_new=6, sampler=sampler)
    for row, n in zip(out, [2, 4]):
        assert row[n] == text_data.END_ID and not row[n + 1 :].any()  # the end, then nothing


def test_generation_respects_max_length():
    out = _generate(9, [2, 4], total=10, max_new=3)
    assert [int((row == 9).sum()) for row in out] == [3, 3]
    assert not out[:, 7:].any()
    out = _generate(9, [2, 4], total=6, max_new=30)  # the context bounds it
    assert out.shape == (2, 6) and (out[0, 2:] == 9).all() and (out[1, 4:] == 9).all()


def test_decoding_options_are_checked():
    assert generating.decoding("top_p") == ("top_p", {"top_p": 0.9})
    assert generating.decoding("beam", beam_width=3) == ("beam", {"beam_width": 3})
    for kwargs, message in (
        ({"sampler": "nucleus"}, "unknown sampler"),
        ({"sampler": "top_p", "top_k": 3}, "top_k does not apply to the top_p sampler"),
        ({"sampler": "top_p", "top_p": 1.5}, "top_p must be a number in"),
        ({"sampler": "top_k", "top_k": 0}, "top_k must be a positive integer"),
    ):
        with pytest.raises(UserInputError, match=message):
            generating.decoding(**kwargs)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run folder with an untrained tiny GPT, its vocabulary and its record: enough to generate."""
    from kerasdl.apps.textgen.recipes import RECIPES
    from kerasdl.models.language import gpt

    folder = tmp_path_factory.mktemp("textgen_run")
    vocabulary = list(text_data.RESERVED) + ["the", "film", "was", "good", "a", ".", "bad"]
    model = gpt(
        vocabulary_size=len(vocabulary), sequence_length=8, embed_dim=8, num_heads=2, num_layers=1, intermediate_dim=8
    )
    model.save(folder / "best.keras")
    (folder / "vocabulary.txt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    init = {"model": "gpt", "model_options": dict(RECIPES["gpt"].options), "vocabulary_size": 10, "sequence_length": 8}
    (folder / "task.json").write_text(json.dumps({"app": "textgen", "init": init, "state": {}}), encoding="utf-8")
    return folder


def test_generate_reads_prompts_from_a_file_and_bounds_the_length(run_dir, tmp_path):
    from kerasdl.apps import TextGeneration

    task = TextGeneration.from_run(run_dir)
    (tmp_path / "prompts.txt").write_text("the film\n\na good film\n", encoding="utf-8")
    report = task.generate(file=tmp_path / "prompts.txt", sampler="top_k", top_k=3, seed=1, max_length=3)
    assert report.prompts == ["the film", "a good film"] and len(report.texts) == 2
    for prompt, text in zip(report.prompts, report.texts):
        words = text.split()
        assert words[: len(prompt.split())] == prompt.split() and len(words) <= len(prompt.split()) + 3
    assert math.isfinite(len(task.predict("the film", max_length=2)[0]))


def test_prompt_longer_than_the_context_is_one_line_exit_2(run_dir, chdir_tmp, cli):
    long_prompt = " ".join(["the film was good"] * 3)
    assert_rejected(
        cli, chdir_tmp, ["textgen", "generate", long_prompt, "--run-dir", run_dir], "prompt 1 is 12 pieces long"
    )
    assert_rejected(
        cli, chdir_tmp, ["textgen", "generate", "the film", "--top-p", "2", "--run-dir", run_dir], "--top-p"
    )


def test_cli_generate_prints_each_continuation(run_dir, chdir_tmp, cli):
    code, out, err = cli(
        ["textgen", "generate", "the film", "a good", "--sampler", "beam", "--beam-width", "2", "--max-length", "3"]
        + ["--run-dir", str(run_dir)]
    )
    assert code == 0, err
    assert out.startswith("the film") and "\n\na good" in out and "beam search, width 2" in out
