"""The translation app through its command line: run, evaluate, predict, export, and bad input.

The end-to-end run trains a small Transformer for a few seconds on the generated English-Spanish
corpus; the point is every output a user gets, a SavedModel that takes and returns strings
exactly as the in-process translate function does, and a LiteRT file that agrees with it.
"""

import dataclasses
import io
import json
import pathlib
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.apps.translation import Translation, data, figures, recipes, serving
from kerasdl.data.sentence_pairs import read_tsv_pairs
from kerasdl.data.subword import END_ID, START_ID
from kerasdl.errors import UserInputError
from kerasdl.export import QuantizationLossError, run_tflite
from kerasdl.export.quantize import LiteRTRunner
from kerasdl.export.saved_model import load_serving_signature
from kerasdl.models.seq2seq import rnn_seq2seq, transformer_seq2seq
from tests.helpers import files_under, run_app, run_cli

APP_DIR = pathlib.Path("saved_models") / "translation"
RUN_DIR = pathlib.Path("runs") / "translation"
TINY = [
    "--pairs",
    "3000",
    "--vocabulary-size",
    "400",
    "--source-length",
    "24",
    "--target-length",
    "28",
    "--model-arg",
    "embed_dim=64",
    "--model-arg",
    "intermediate_dim=128",
    "--model-arg",
    "num_heads=2",
    "--model-arg",
    "num_encoder_layers=1",
    "--model-arg",
    "num_decoder_layers=1",
    "--epochs",
    "3",
    "--steps-per-epoch",
    "60",
    "--learning-rate",
    "3e-3",
]
SENTENCES = ["i have two books", "we bought one hundred twenty-one houses", "there is one tree here"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``kerasdl translate run`` at a tiny setting, in a fresh working folder."""
    return run_app(tmp_path_factory.mktemp("translation_run"), ["translate", "run", *TINY])


@pytest.fixture
def in_run(trained, monkeypatch):
    monkeypatch.chdir(trained["work"])
    return trained["work"]


@pytest.fixture
def translator(in_run):
    return Translation.from_run(RUN_DIR)


# ---------------------------------------------------------------- end to end


@pytest.mark.slow
def test_run_writes_every_output(trained):
    work, run_dir = trained["work"], trained["work"] / RUN_DIR
    assert {
        "best.keras",
        "sentencepiece.model",
        "training_log.csv",
        "learning_curves.png",
        "task.json",
        "train_summary.json",
        "split/train.tsv",
        "split/validation.tsv",
        "split/test.tsv",
        "evaluation.json",
        "evaluation_translations.tsv",
        "attention.png",
    } <= files_under(run_dir)
    assert {"1/saved_model.pb", "1/model.tflite", "1/sentencepiece.model", "1/metadata.json"} <= files_under(
        work / APP_DIR
    )
    assert not [f for f in files_under(work) if f.endswith(".tmp") or "/.tmp" in f]
    assert "Done: test BLEU" in trained["stdout"] and "Traceback" not in trained["stdout"] + trained["stderr"]
    assert "saved_model_strings_equal_in_process True" in trained["stdout"]
    assert "tflite_greedy_equal_saved_model True" in trained["stdout"]
    record = json.loads((run_dir / "task.json").read_text())
    assert record["app"] == "translation" and record["init"]["model"] == "transformer"
    assert (record["init"]["source_length"], record["init"]["target_length"]) == (24, 28)
    assert record["state"]["source"] == {"generated": "3000"} and record["state"]["vocabulary_size"] <= 400
    summary = json.loads((run_dir / "train_summary.json").read_text())
    assert sum(summary["split"].values()) == 3000
    assert summary["train_config"]["warmup_steps"] == 18  # the recipe's 200, cut to a tenth of 3 x 60 steps
    split = data.read_run_split(run_dir)
    test_sources = {s for s, _ in split["test"]}
    assert test_sources and not test_sources & {s for s, _ in split["train"] + split["validation"]}


@pytest.mark.slow
def test_evaluation_scores_and_repeats(in_run, cli):
    first = json.loads((RUN_DIR / "evaluation.json").read_text())
    assert (
        0 <= first["bleu"] <= 100
        and 0 <= first["chrf"] <= 100
        and first["sources"] == len({s for s, _ in data.read_run_split(RUN_DIR)["test"]})
    )
    assert first["bleu_signature"].startswith("nrefs:") and len(first["samples"]) == 10
    assert first["chrf"] > 20  # a few seconds of training already gets many pieces right
    runs = []
    for name in ("again1.json", "again2.json"):
        code, out, err = cli(["translate", "evaluate", "--max-sentences", "40", "--output", name])
        assert code == 0, err
        runs.append(json.loads(pathlib.Path(name).read_text()))
        assert runs[-1]["sources"] == 40 and "source" in out and "BLEU" in out
    for key in ("bleu", "chrf", "exact_match", "samples"):
        assert runs[0][key] == runs[1][key], key
    assert pathlib.Path("again1_translations.tsv").read_text() == pathlib.Path("again2_translations.tsv").read_text()


@pytest.mark.slow
def test_saved_model_takes_and_returns_strings(in_run, translator):
    served = load_serving_signature(APP_DIR / "1")
    batch = served(tf.constant(SENTENCES))["translation"].numpy()
    ours = translator.predict(SENTENCES)
    assert batch.dtype == object and [t.decode("utf-8") for t in batch] == list(ours)
    one_by_one = [served(tf.constant([s]))["translation"].numpy()[0] for s in SENTENCES]
    assert one_by_one == list(batch)  # batching does not change a translation
    metadata = json.loads((APP_DIR / "1" / "metadata.json").read_text())
    assert metadata["decoding"] == {"sampler": "greedy"} and metadata["source_length"] == 24
    assert metadata["signatures"]["serving_default"]["inputs"]["text"]["dtype"] == "string"


@pytest.mark.slow
def test_tflite_forward_pass_and_greedy_loop(in_run, translator):
    version = APP_DIR / "1"
    ids_model = serving.token_ids_model(translator.model, source_length=24, target_length=28)
    rng = np.random.default_rng(0)
    ids = np.zeros((2, 52), np.float32)
    ids[:, :6] = rng.integers(4, 300, (2, 6))
    ids[:, 24:29] = [START_ID, 5, 6, 7, 8]
    expected = np.asarray(ids_model(ids))
    np.testing.assert_allclose(run_tflite(version / "model.tflite", ids), expected, atol=1e-3)
    proto = (version / "sentencepiece.model").read_bytes()
    lite = serving.tflite_greedy(version / "model.tflite", proto, SENTENCES, source_length=24, target_length=28)
    served = [t.decode("utf-8") for t in load_serving_signature(version)(tf.constant(SENTENCES))["translation"].numpy()]
    assert lite == served


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["greedy", "beam"])
def test_greedy_and_beam_outputs_end(in_run, translator, sampler):
    from kerasdl.data.subword import tokenizer
    from kerasdl.inference.seq2seq_decoding import decode, make_sampler

    proto = (RUN_DIR / "sentencepiece.model").read_bytes()
    source = tokenizer(proto, sequence_length=24)(tf.constant(SENTENCES))
    out = np.asarray(
        decode(
            translator.model,
            source,
            start_id=START_ID,
            end_id=END_ID,
            max_length=28,
            sampler=make_sampler(sampler, beam_width=3),
        )
    )
    for row in out:
        assert row[0] == START_ID and END_ID in row[1:]
        assert not row[list(row).index(END_ID) + 1 :].any()


@pytest.mark.slow
def test_quantized_litert_variants_score_the_greedy_loop_bleu(translator, tmp_path):
    result = translator.export(tmp_path, quantize="float16,int8", max_loss=float("inf"))
    litert = json.loads((result.path / "metadata.json").read_text())["litert"]
    assert (litert["metric"], litert["unit"]) == ("bleu", "points")
    assert litert["data"].startswith("100 of the ") and "test.tsv" in litert["data"]  # the run's own test split
    keras_bleu = litert["keras"]["bleu"]
    assert 20 < keras_bleu <= 100  # a few seconds of training already translate much of the generated corpus
    files = {"none": "model.tflite", "float16": "model_float16.tflite", "int8": "model_int8.tflite"}
    assert set(litert["variants"]) == set(files)
    for variant, file in files.items():
        entry = litert["variants"][variant]
        assert entry["file"] == file and (result.path / file).is_file() and 0 <= entry["bleu"] <= 100, variant
    assert abs(litert["variants"]["none"]["bleu"] - keras_bleu) <= 0.5  # logits within 1e-3: a near-tie may flip
    # int8 keeps the attention masks' tensors float: without it every masked score took one level (BLEU ~3)
    int8 = litert["variants"]["int8"]
    assert int8["bleu"] >= keras_bleu - 5 and not int8["integer_io"]
    assert int8["kept_float_for_attention_masks"] > 0 and {"CAST", "SOFTMAX"} <= set(int8["float_ops"])
    with pytest.raises(UserInputError, match="token ids"):  # int8 input cannot hold the ids
        translator.export(tmp_path, quantize="int8", integer_io=True)


@pytest.mark.slow
def test_int8_conversion_keeps_the_token_ids_float(translator, tmp_path):
    """The int8 file takes float ids and casts them to int32 first: no id is quantized (256 levels for 400 pieces)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from kerasdl.export.quantize import _convert, float_ops

    S, T = translator.source_length, translator.target_length
    ids_model = serving.token_ids_model(translator.model, source_length=S, target_length=T)
    path = tmp_path / "model_int8.tflite"
    representative = translator._litert_quality().representative
    path.write_bytes(
        _convert(ids_model, tf.TensorSpec([None, S + T], tf.float32), "int8", representative=representative)
    )
    interpreter = Interpreter(
        model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    source = interpreter.get_input_details()[0]
    assert source["dtype"] == np.float32 and source["quantization"] == (0.0, 0)
    readers = [op["op_name"] for op in interpreter._get_ops_details() if source["index"] in op["inputs"]]
    assert readers == ["CAST"] and "CAST" in float_ops(path)


@pytest.mark.slow
def test_a_variant_that_loses_bleu_refuses_the_export(translator, tmp_path, monkeypatch):
    """The hook's metric judges: LiteRT files that lose the source (its ids zeroed) lose far more than 1 BLEU point."""
    quality = translator._litert_quality()
    assert quality.max_loss == 1.0 and quality.points_per_unit == 1.0

    def without_source(predict):
        def forward(ids):
            ids = np.array(ids)
            ids[:, : translator.source_length] = 0
            return predict(ids)

        return forward

    def degraded(predict):
        return quality.score(without_source(predict) if isinstance(predict, LiteRTRunner) else predict)

    monkeypatch.setattr(translator, "_litert_quality", lambda: dataclasses.replace(quality, score=degraded))
    with pytest.raises(QuantizationLossError, match="the float16 LiteRT variant loses") as refused:
        translator.export(tmp_path, quantize="float16")  # the app's default: at most 1 point
    assert "bleu" in str(refused.value) and "100 of the " in str(refused.value)
    assert not (tmp_path / "translation").exists() or not list((tmp_path / "translation").iterdir())


@pytest.mark.slow
def test_predict_from_arguments_file_and_stdin(in_run, cli, monkeypatch, tmp_path):
    code, out, err = cli(["translate", "predict", *SENTENCES[:2]])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == SENTENCES[:2]
    path = tmp_path / "in.txt"
    path.write_text(f"{SENTENCES[0]}\n\n{SENTENCES[1]}\n", encoding="utf-8")
    code, from_file, err = cli(["translate", "predict", "--file", path])
    assert code == 0 and from_file.strip().splitlines() == lines, err
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{SENTENCES[0]}\n{SENTENCES[1]}\n"))
    code, from_stdin, err = cli(["translate", "predict"])
    assert code == 0 and from_stdin.strip().splitlines() == lines, err
    code, beam, err = cli(["translate", "predict", "--beam-width", "3", SENTENCES[0]])
    assert code == 0 and beam.startswith(SENTENCES[0] + "\t"), err


@pytest.mark.slow
def test_python_api_and_the_loaded_export_agree(in_run):
    import kerasdl

    translator = Translation.from_run(RUN_DIR)
    assert translator.model_name == "transformer" and translator.source_length == 24
    found = translator.predict(SENTENCES)
    assert found.inputs == SENTENCES and all(isinstance(t, str) for t in found)
    assert translator.predict(SENTENCES[0]) == found[:1]  # one sentence, as a string
    assert len(translator.predict(SENTENCES, beam_width=2)) == len(SENTENCES)
    served = kerasdl.load(APP_DIR)  # the newest version
    assert served.app == "translation" and served(SENTENCES) == list(found)
    with pytest.raises(UserInputError, match="not both"):
        translator.predict(SENTENCES, beam_width=2, top_k=3)


@pytest.mark.slow
def test_predict_errors(in_run, cli, monkeypatch, tmp_path):
    code, out, err = cli(["translate", "predict", " ".join(["one hundred twenty-one thousand"] * 10)])
    assert code == 2 and err.startswith("error: sentence 1 is") and "at most 24" in err and len(err.splitlines()) == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = cli(["translate", "predict"])
    assert code == 2 and "no sentences to translate" in err
    code, out, err = cli(["translate", "predict", "--file", tmp_path / "missing.txt"])
    assert code == 2 and "no such file" in err
    code, out, err = cli(["translate", "predict", "--model-path", tmp_path / "none.keras", "hello"])
    assert code == 2 and "no trained model" in err


@pytest.mark.slow
def test_predict_errors_are_the_only_line_on_the_process_stderr(in_run, capfd, tmp_path):
    """What SentencePiece's C++ prints (``LOG(INFO)`` as its model loads) does not precede the error;
    a file that is not UTF-8 is refused with the words ``translate train`` uses for its data."""
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(b"i have two books\ncaf\xe9 here\n")
    cases = [
        ([" ".join(["one hundred twenty-one thousand"] * 10)], "error: sentence 1 is"),
        (["--file", latin1], f"error: {latin1}:2: not UTF-8 text"),
    ]
    for argv, start in cases:
        capfd.readouterr()
        code = run_cli(["translate", "predict", *argv])
        err = capfd.readouterr().err
        assert code == 2 and len(err.splitlines()) == 1 and err.startswith(start), err
    with pytest.raises(UserInputError, match=f"^{latin1}:2: not UTF-8 text$"):  # how train reads its data
        read_tsv_pairs(latin1)


# ---------------------------------------------------------------- bad input: one line, exit 2, nothing written


@pytest.mark.parametrize(
    "content, files, message",
    [
        ("", None, "no sentence pairs"),
        ("go\tve\nhello there\n", None, "no tab between source and target"),
        (None, ("a\nb\nc\n", "x\ny\n"), "has 3 lines but"),
        ("missing", None, "no such file"),
    ],
)
def test_bad_data_is_one_clear_error_and_writes_nothing(tmp_path, cli, monkeypatch, content, files, message):
    monkeypatch.chdir(tmp_path)
    if files:
        pathlib.Path("en.txt").write_text(files[0], encoding="utf-8")
        pathlib.Path("es.txt").write_text(files[1], encoding="utf-8")
        flags = ["--source", "en.txt", "--target", "es.txt"]
    else:
        if content != "missing":
            pathlib.Path("pairs.tsv").write_text(content, encoding="utf-8")
        flags = ["--data", "pairs.tsv"]
    code, out, err = cli(["translate", "train", *flags, "--run-dir", "run"])
    assert code == 2 and err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1
    assert not pathlib.Path("run").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--source", "en.txt"], "--source and --target go together"),
        (["train", "--model", "lstm"], "unknown model 'lstm'"),
        (["train", "--vocabulary-size", "0"], "must be a positive integer"),
        (["predict", "--beam-width", "2", "--top-k", "3", "hi"], "not allowed with argument"),
        (["train", "--pairs", "200", "--model-arg", "num_heads=3"], "num_heads must divide embed_dim"),
    ],
)
def test_bad_flags(tmp_path, cli, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["translate", *argv, *(["--run-dir", "run"] if argv[0] == "train" else [])])
    assert code == 2 and message in err
    assert not pathlib.Path("run").exists()


# ---------------------------------------------------------------- pieces


def test_recipes_and_data_import_without_the_task_or_other_apps():
    """The GPU recipe search imports these on a machine without TensorFlow: nothing on their
    import path may load TensorFlow, the app's task, the training loop or the other apps."""
    import subprocess

    code = (
        "import json, sys, kerasdl.apps.translation.recipes, kerasdl.apps.translation.data; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.startswith(('kerasdl.apps.', 'kerasdl.training')) or m == 'tensorflow')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded) == [
        "kerasdl.apps.recipe",
        "kerasdl.apps.translation",
        "kerasdl.apps.translation.data",
        "kerasdl.apps.translation.recipes",
    ]


def test_recipes_are_the_shared_recipe_type_with_overrides():
    r = recipes.recipe("transformer", vocabulary_size=4000, batch_size=32, label_smoothing=None)
    assert (r.settings["vocabulary_size"], r.settings["label_smoothing"], r.training["batch_size"]) == (4000, 0.1, 32)
    assert recipes.RECIPES["transformer"].settings["vocabulary_size"] == 8000  # the table is not changed
    with pytest.raises(TypeError, match="unknown overrides"):
        recipes.recipe("rnn", heads=3)
    with pytest.raises(UserInputError, match="unknown model 'lstm'"):
        recipes.recipe("lstm")
    task = Translation("keras-io", vocabulary_size=500, source_length=20, model_options={"num_heads": 4})
    assert task._init_arguments() == {
        "model": "keras-io",
        "model_options": {"num_heads": 4},
        "vocabulary_size": 500,
        "source_length": 20,
        "target_length": 40,
    }
    assert task.recipe.options["num_heads"] == 4 and task.recipe.training["learning_rate"] == 1e-3


def test_length_batches_cover_every_pair_once_and_pad_little():
    rng = np.random.default_rng(0)
    sources = [rng.integers(4, 50, n).astype("int32") for n in rng.integers(1, 30, 300)]
    targets = [np.concatenate([[START_ID], s[::-1], [END_ID]]).astype("int32") for s in sources]
    pairs = data.TokenizedPairs(sources, targets, dropped=0)
    batches = list(data.length_batches(pairs, batch_size=32))
    assert sum(len(y) for _, y in batches) == 300
    seen = sorted(tuple(row[row > 0]) for x, _ in batches for row in x["encoder_token_ids"])
    assert seen == sorted(tuple(s) for s in sources)

    def padding(batches):
        return sum((x["encoder_token_ids"] == 0).sum() for x, _ in batches) / sum(
            x["encoder_token_ids"].size for x, _ in batches
        )

    shuffled = [data.batch(sources[i : i + 32], targets[i : i + 32]) for i in range(0, 300, 32)]
    assert padding(batches) < 0.5 * padding(shuffled)  # about 0.09 against 0.5
    x, y = batches[0]
    np.testing.assert_array_equal(x["decoder_token_ids"][:, 1:], y[:, :-1])
    endless = data.length_batches(pairs, batch_size=32, seed=1)
    sizes = [len(next(endless)[1]) for _ in range(25)]  # more than two passes: the stream does not end
    assert max(sizes) == 32 and sum(sizes) > 600


@pytest.mark.parametrize("kind", ["transformer", "rnn"])
def test_attention_weights_are_distributions_over_real_source_pieces(kind):
    import keras

    keras.utils.set_random_seed(0)
    if kind == "transformer":
        model = transformer_seq2seq(
            source_vocabulary_size=30,
            target_vocabulary_size=30,
            source_sequence_length=8,
            target_sequence_length=8,
            embed_dim=16,
            intermediate_dim=32,
            num_heads=2,
            num_encoder_layers=1,
            num_decoder_layers=2,
        )
    else:
        model = rnn_seq2seq(source_vocabulary_size=30, target_vocabulary_size=30, embed_dim=8, units=16)
    source = np.array([[5, 6, 7, 0, 0], [8, 9, 10, 11, 12]], "int32")
    decoder = np.array([[START_ID, 4, 5, 0], [START_ID, 6, 0, 0]], "int32")
    weights = figures.attention_weights(model, source, decoder)
    assert weights.shape == (2, 4, 5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(weights[0, :, 3:], 0.0, atol=1e-6)  # padding gets no attention
