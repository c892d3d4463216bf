"""The captioning app through its command line and its Python API: tiny Flickr/COCO runs, decoding, export, bad input.

The end-to-end runs train tiny models for a few steps: the point is every output and
artifact a user gets, not caption quality (the benchmark measures that).
"""

import dataclasses
import json
import pathlib

import keras
import keras_hub
import numpy as np
import pytest
import tensorflow as tf

import kerasdl
from kerasdl.apps.captioning import Captioning
from kerasdl.apps.captioning.decoding import END_ID, START_ID, Captioner, decode_ids, ids_to_strings, ids_to_text
from kerasdl.apps.captioning.evaluation import corpus_bleu
from kerasdl.apps.captioning.retrieval import nearest_captions
from kerasdl.apps.captioning.training import caption_dataset, grouped_model
from kerasdl.errors import UserInputError
from kerasdl.export import run_tflite
from kerasdl.models.captioning import show_attend_tell
from tests.data.test_captions import coco_folder, flickr_folder
from tests.helpers import files_under, run_app, write_image

APP_DIR = pathlib.Path("saved_models") / "captioning"
RUN_DIR = pathlib.Path("runs") / "captioning"
TINY = [
    "--epochs",
    "1",
    "--steps-per-epoch",
    "2",
    "--batch-size",
    "4",
    "--embed-dim",
    "8",
    "--units",
    "16",
    "--image-size",
    "32",
    "--min-count",
    "1",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOCABULARY = ["", "[UNK]", "<start>", "<end>", "a", "red", "circle", "blue"]


# ---------------------------------------------------------------- units


def test_bleu_uses_every_reference():
    refs = [["a red circle left of a blue square", "a blue square right of a red circle"]]
    assert corpus_bleu(["a blue square right of a red circle"], refs)["bleu4"] == 1.0
    partly = corpus_bleu(["a blue square left of a red circle"], refs)
    assert partly["bleu1"] == 1.0 and 0 < partly["bleu4"] < partly["bleu2"] < 1  # every word right, not every 4-gram


def test_retrieval_takes_the_nearest_training_caption():
    train = np.eye(3)
    nearest, captions = nearest_captions(
        train, [["A one ."], ["two"], ["three"]], np.array([[0.1, 0.9, 0.0], [1, 0, 0]])
    )
    assert list(nearest) == [1, 0] and captions == ["two", "a one"]


def test_ids_to_text_drops_reserved_tokens():
    ids = np.array([[START_ID, 4, 5, 6, END_ID, 0], [START_ID, END_ID, 0, 0, 0, 0]])
    assert ids_to_text(ids, VOCABULARY) == ["a red circle", ""]
    assert [s.decode() for s in ids_to_strings(tf.constant(ids), VOCABULARY).numpy()] == ["a red circle", ""]


@pytest.mark.parametrize("beam_width", [1, 3])
def test_decoding_starts_and_ends_right(beam_width):
    keras.utils.set_random_seed(0)
    model = show_attend_tell(vocabulary_size=len(VOCABULARY), image_shape=(32, 32, 3), embed_dim=8, units=16)
    images = np.random.default_rng(0).random((3, 32, 32, 3), dtype=np.float32)
    sampler = "greedy" if beam_width == 1 else keras_hub_beam(beam_width)
    ids = np.asarray(decode_ids(model, images, max_length=7, sampler=sampler))
    assert ids.shape == (3, 7) and np.all(ids[:, 0] == START_ID)
    for row in ids:
        body = row[1:]
        assert not np.isin(body, [START_ID, 1]).any()  # never start or unknown again
        if END_ID in body:  # nothing but padding after the end
            assert np.all(body[list(body).index(END_ID) + 1 :] == 0)
        else:
            assert np.all(body != 0)  # no end: the caption fills the length
    captions = Captioner(model, VOCABULARY, max_length=7, beam_width=beam_width).caption(images)
    assert captions == ids_to_text(ids, VOCABULARY)


def keras_hub_beam(width):
    from kerasdl.apps.captioning.decoding import sampler_for

    return sampler_for(width)


def test_one_beam_is_greedy_search_and_ended_captions_stay_ended():
    keras.utils.set_random_seed(1)
    model = show_attend_tell(vocabulary_size=len(VOCABULARY), image_shape=(32, 32, 3), embed_dim=8, units=16)
    images = np.random.default_rng(1).random((4, 32, 32, 3), dtype=np.float32)
    greedy = np.asarray(decode_ids(model, images, max_length=6, sampler="greedy"))
    one_beam = keras_hub.samplers.BeamSampler(num_beams=1)
    np.testing.assert_array_equal(np.asarray(decode_ids(model, images, max_length=6, sampler=one_beam)), greedy)
    # Make the end token the likeliest first word: every caption is empty, whatever the search.
    bias = model.get_layer("decoder").get_layer("logits").bias
    bias.assign(np.where(np.arange(len(VOCABULARY)) == END_ID, 50.0, 0.0).astype("float32"))
    for sampler in ("greedy", keras_hub_beam(3)):
        ids = np.asarray(decode_ids(model, images, max_length=6, sampler=sampler))
        np.testing.assert_array_equal(ids, np.tile([START_ID, END_ID, 0, 0, 0, 0], (4, 1)))


def test_grouped_training_model_matches_the_plain_model():
    model = show_attend_tell(vocabulary_size=len(VOCABULARY), image_shape=(32, 32, 3), embed_dim=8, units=16)
    grouped = grouped_model(model, 2)
    images = np.random.default_rng(2).random((3, 32, 32, 3), dtype=np.float32)
    ids = np.random.default_rng(3).integers(4, 8, (3, 2, 5)).astype("int32")
    out = np.asarray(grouped({"image": images, "caption_ids": ids}))
    assert out.shape == (3, 2, 5, len(VOCABULARY))
    for r in range(2):
        np.testing.assert_allclose(out[:, r], model({"image": images, "caption_ids": ids[:, r]}), atol=1e-5)
    ds = caption_dataset(
        (images * 255).astype(np.uint8),
        [["a red circle", "a blue circle"]] * 3,
        VOCABULARY,
        max_length=5,
        per_image=2,
        batch_size=2,
        shuffle=False,
    )
    x, y = next(iter(ds))
    assert x["caption_ids"].shape == (2, 2, 5) and y.shape == (2, 2, 5)
    np.testing.assert_array_equal(x["caption_ids"][0, 0], [START_ID, 4, 5, 6, 0])  # the end token is never an input
    np.testing.assert_array_equal(y[0, 0], [4, 5, 6, END_ID, 0])


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``kerasdl caption run`` on a tiny Flickr8k-layout folder."""
    root = tmp_path_factory.mktemp("caption_run")
    data = flickr_folder(root / "flickr")
    result = run_app(root / "work", ["caption", "run", "--data", str(data), *TINY, "--beam-width", "2"])
    return {**result, "data": data}


@pytest.fixture(scope="module")
def saved_model(trained):
    return tf.saved_model.load(str(trained["work"] / APP_DIR / "1"))


@pytest.mark.slow
def test_run_writes_every_output(trained):
    run_dir = trained["work"] / RUN_DIR
    assert {
        "best.keras",
        "task.json",
        "training_log.csv",
        "learning_curves.png",
        "evaluation.json",
        "captions.png",
        "attention.png",
        "train_summary.json",
    } <= files_under(run_dir)
    for figure in ("learning_curves.png", "captions.png", "attention.png"):
        assert (run_dir / figure).read_bytes()[:8] == PNG_SIGNATURE
    assert not [f for f in files_under(trained["work"]) if f.endswith(".tmp") or "/.tmp" in f]
    assert "Done: BLEU-4" in trained["stdout"] and "Traceback" not in trained["stdout"] + trained["stderr"]
    report = json.loads((run_dir / "evaluation.json").read_text())
    assert (
        report["images"] == 2 and report["references_per_image"] == 2 and report["decoding"] == "beam search, 2 beams"
    )
    for method in ("model", "retrieval"):
        assert all(0 <= report[method][f"bleu{n}"] <= 1 for n in (1, 2, 3, 4))
    assert report["retrieval"]["train_images"] == 6
    assert {e["image"] for e in report["examples"]} == {"img8.jpg", "img9.jpg"}
    summary = json.loads((run_dir / "train_summary.json").read_text())
    assert summary["captions_per_image"] == 2 and summary["train_images"] == 6
    record = json.loads((run_dir / "task.json").read_text())
    assert record["app"] == "captioning" and record["init"]["model"] == "show_attend_tell"
    assert record["init"]["model_options"] == {"embed_dim": 8, "units": 16}
    state = record["state"]
    assert state["image_size"] == 32 and state["source"]["data"] == str(trained["data"])
    assert state["vocabulary"][:4] == ["", "[UNK]", "<start>", "<end>"] and state["max_length"] > 1


@pytest.mark.slow
def test_export_metadata_and_parity(trained):
    version = trained["work"] / APP_DIR / "1"
    assert sorted(p.name for p in version.parent.iterdir()) == ["1"]
    meta = json.loads((version / "metadata.json").read_text())
    assert meta["app"] == "captioning" and meta["model"] == "show_attend_tell" and meta["image_size"] == 32
    assert meta["decoding"] == "beam search, 2 beams"
    assert meta["signatures"]["serving_default"]["inputs"] == {"image_bytes": {"dtype": "string", "shape": [None]}}
    assert meta["signatures"]["serving_default"]["outputs"] == {"caption": {"dtype": "string", "shape": [None]}}
    diffs = meta["parity"]["max_abs_diff"]
    assert diffs["serving_default"] == 0 and diffs["serving_float"] <= 1e-4 and diffs["tflite"] <= 1e-4


@pytest.mark.slow
def test_saved_model_bytes_in_captions_out(trained, saved_model):
    from kerasdl.data.captions.images import decode_and_resize

    files = sorted((trained["data"] / "Flicker8k_Dataset").glob("*.jpg"))[:3]
    payload = [f.read_bytes() for f in files]
    served = [
        c.decode()
        for c in saved_model.signatures["serving_default"](image_bytes=tf.constant(payload))["caption"].numpy()
    ]
    task = Captioning.from_run(trained["work"] / RUN_DIR)
    images = np.stack([decode_and_resize(tf.constant(p), 32).numpy() for p in payload])
    captioner = Captioner(task.model, task.state["vocabulary"], max_length=task.state["max_length"], beam_width=2)
    assert served == captioner.caption(images)  # exact strings
    features = saved_model.signatures["serving_float"](image=tf.constant(images))["output"].numpy()
    np.testing.assert_allclose(
        run_tflite(trained["work"] / APP_DIR / "1" / "model.tflite", images), features, atol=1e-4
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "payload", [b"definitely not an image", PNG_SIGNATURE + b"\x00" * 40], ids=["text", "broken-png"]
)
def test_saved_model_rejects_corrupt_bytes(saved_model, payload):
    with pytest.raises(tf.errors.InvalidArgumentError, match="(?i)image|png|format"):
        saved_model.signatures["serving_default"](image_bytes=tf.constant([payload]))


@pytest.mark.slow
def test_quantized_litert_encoders_score_bleu4(trained, tmp_path):
    task = Captioning.from_run(trained["work"] / RUN_DIR)
    result = task.export(tmp_path, quantize="dynamic,int8", max_loss=float("inf"))
    litert = json.loads((result.path / "metadata.json").read_text())["litert"]
    assert (litert["metric"], litert["unit"]) == ("bleu4", "points")
    assert litert["data"] == f"2 of the 2 test images of {trained['data']}, greedy"
    keras_bleu4 = litert["keras"]["bleu4"]
    assert 0 <= keras_bleu4 <= 1
    files = {"none": "model.tflite", "dynamic": "model_dynamic.tflite", "int8": "model_int8.tflite"}
    assert set(litert["variants"]) == set(files)
    for variant, file in files.items():
        entry = litert["variants"][variant]
        assert entry["file"] == file and (result.path / file).is_file() and 0 <= entry["bleu4"] <= 1, variant
        assert entry["loss"] == pytest.approx((keras_bleu4 - entry["bleu4"]) * 100, abs=1e-3)  # points of BLEU-4
    assert abs(litert["variants"]["none"]["bleu4"] - keras_bleu4) <= 0.005
    int8 = litert["variants"]["int8"]
    assert "CONV_2D" not in int8["float_ops"] and not int8["integer_io"]  # the encoder's convolutions run in int8


@pytest.mark.slow
def test_an_encoder_variant_that_loses_bleu4_refuses_the_export(trained, tmp_path, monkeypatch):
    """A variant scored lower than Keras by more than 1 point of BLEU-4 (0.01) refuses the export, leaving nothing.

    The tiny model's own BLEU-4 on two images depends on the order the tests train it in (it can be 0, when nothing
    can lose): the LiteRT files are scored a whole BLEU-4 (100 points) lower than they get instead.
    """
    from kerasdl.export import QuantizationLossError
    from kerasdl.export.quantize import LiteRTRunner

    task = Captioning.from_run(trained["work"] / RUN_DIR)
    quality = task._litert_quality()
    assert (quality.max_loss, quality.points_per_unit, quality.unit) == (1.0, 100.0, "points")

    def lower(predict):
        return quality.score(predict) - (1.0 if isinstance(predict, LiteRTRunner) else 0.0)

    monkeypatch.setattr(task, "_litert_quality", lambda: dataclasses.replace(quality, score=lower))
    with pytest.raises(QuantizationLossError, match="the dynamic LiteRT variant loses") as refused:
        task.export(tmp_path, quantize="dynamic")  # the app's default: at most 1 point
    assert "bleu4" in str(refused.value) and "100 points" in str(refused.value)
    assert not (tmp_path / "captioning").exists() or not list((tmp_path / "captioning").iterdir())


@pytest.mark.slow
def test_predict_and_evaluate_from_the_run(trained, cli, monkeypatch):
    monkeypatch.chdir(trained["work"])
    image = trained["data"] / "Flicker8k_Dataset" / "img8.jpg"
    code, out, err = cli(["caption", "predict", str(image), "--output", "pred.json"])
    assert code == 0, err
    assert json.loads(pathlib.Path("pred.json").read_text())[str(image)] == out.split(": ", 1)[1].strip()
    code, out, err = cli(["caption", "evaluate", "--no-baseline", "--output", "eval2.json"])
    assert code == 0, err
    report = json.loads(pathlib.Path("eval2.json").read_text())
    assert "retrieval" not in report and report["dataset"] == str(trained["data"])


@pytest.mark.slow
def test_python_api_predicts_as_the_served_model(trained, tmp_path):
    task = Captioning.from_run(trained["work"] / RUN_DIR)
    assert task.model_name == "show_attend_tell" and task.recipe.options["units"] == 16
    rng = np.random.default_rng(5)
    gray = (rng.random((50, 40)) * 255).astype(np.uint8)  # any size, any channels: resized to the model's 32x32 RGB
    colour = (rng.random((36, 70, 3)) * 255).astype(np.uint8)
    folder = tmp_path / "photos"
    write_image(folder / "a.png", (40, 44))
    write_image(folder / "sub" / "b.png", (30, 30), mode="L")
    inputs = [gray, tf.io.encode_png(colour).numpy(), folder]
    found = task.predict(inputs, beam_width=2, output=tmp_path / "captions.json")
    assert found.inputs == ["image0", "image1", str(folder / "a.png"), str(folder / "sub" / "b.png")]
    assert all(isinstance(c, str) for c in found)
    assert json.loads((tmp_path / "captions.json").read_text()) == dict(zip(found.inputs, found))
    assert kerasdl.load(trained["work"] / APP_DIR)(inputs) == list(found)  # the export decodes with beam width 2 too
    with pytest.raises(UserInputError, match="beam_width must be"):
        task.predict(gray, beam_width=17)


@pytest.mark.slow
def test_transformer_on_a_coco_layout(tmp_path):
    data = coco_folder(tmp_path / "coco")
    result = run_app(
        tmp_path / "work",
        [
            "caption",
            "run",
            "--data",
            str(data / "captions_train.json"),
            "--model",
            "transformer_captioner",
            *TINY,
            # One Transformer layer: the default three take longer to trace than to train here.
            *["--model-arg", "num_encoder_layers=0", "--model-arg", "num_decoder_layers=1"],
            "--no-tflite",
        ],
    )
    run_dir = result["work"] / RUN_DIR
    assert "attention.png" not in files_under(run_dir)  # only show_attend_tell attends over the image
    assert json.loads((run_dir / "evaluation.json").read_text())["images"] == 1
    assert "model.tflite" not in files_under(result["work"] / APP_DIR / "1")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--data", "/no/such/folder"], "no such file or folder"),
        (["--encoder", "no_such_net"], "cannot build show_attend_tell: encoder must be"),
        (["--encoder-weights", "/no/such.h5"], "--encoder-weights: no such file"),
        (["--dropout", "1.5"], "--dropout must be in"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--image-size", "8"], "--image-size must be at least 32"),
        (["--beam-width", "0"], "argument --beam-width: must be a positive integer"),
        (["--model", "nope"], "--model"),
    ],
)
def test_bad_train_input_is_one_line(tmp_path, cli, monkeypatch, argv, match):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["caption", "run", "--scenes", "8", *argv])
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()  # nothing half-written


def test_missing_images_and_empty_captions(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = flickr_folder(tmp_path / "f", drop="img2.jpg")
    code, _, err = cli(["caption", "train", "--data", str(data)])
    assert code == 2 and "1 of 10 images" in err and "missing" in err
    empty = tmp_path / "empty"
    (empty / "images").mkdir(parents=True)
    (empty / "captions.txt").write_text("image,caption\n")
    code, _, err = cli(["caption", "train", "--data", str(empty)])
    assert code == 2 and "holds no captions" in err
    assert not (tmp_path / "runs").exists()


def test_recipes_and_flags():
    task = Captioning("transformer_captioner", model_options={"embed_dim": 12, "units": 7, "dropout": 0.5})
    kwargs = task._builder_arguments(vocabulary_size=20, max_length=9, image_size=48, kind="files")
    assert kwargs == {
        "vocabulary_size": 20,
        "image_shape": (48, 48, 3),
        "encoder": "small_cnn",
        "encoder_weights": None,
        "train_encoder": True,
        "embed_dim": 12,
        "dropout": 0.5,
        "intermediate_dim": 24,
        "num_heads": 4,
        "sequence_length": 9,
    }  # --units is the LSTM's: the Transformer drops it
    scenes = Captioning()._builder_arguments(vocabulary_size=20, max_length=9, image_size=64, kind="scenes")
    assert scenes["dropout"] == 0.0 and scenes["units"] == 256
    assert (
        Captioning()._builder_arguments(vocabulary_size=20, max_length=9, image_size=64, kind="files")["dropout"] == 0.3
    )
    from kerasdl.cli import build_parser

    args = vars(
        build_parser().parse_args(["caption", "train", "--freeze-encoder", "--encoder", "resnet18", "--units", "8"])
    )
    assert args["model_options"] == [("train_encoder", False), ("encoder", "resnet18"), ("units", 8)]
    with pytest.raises(UserInputError, match="unknown model 'nope'"):
        Captioning("nope")
    with pytest.raises(UserInputError, match="no trained model"):
        Captioning().predict(np.zeros((8, 8, 3)))


def test_commands_need_a_trained_run(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in (["predict", "x.png"], ["evaluate"], ["export"]):
        code, _, err = cli(["caption", *command])
        assert code == 2 and "no trained model" in err
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    code, _, err = cli(["caption", "export", "--model-path", "broken.keras"])
    assert code == 2 and "cannot load model" in err


@pytest.mark.slow
def test_predict_rejects_corrupt_image(trained, cli, monkeypatch, tmp_path):
    monkeypatch.chdir(trained["work"])
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    code, out, err = cli(["caption", "predict", str(bad)])
    assert code == 2 and "bad.png" in err and len(err.strip().splitlines()) == 1
