"""The classification app through its command line: run, evaluate, predict, export, and bad input.

The end-to-end run trains the registry's ``mlp`` for a few steps on tiny class folders: the
point is every output and artifact a user gets, and that the exported model agrees with
Keras, not accuracy. The serving test uses a model built in the test, confident by
construction.
"""

import csv
import json
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.export import run_tflite
from kerasdl.files import write_json
from tests.helpers import files_under, run_app, run_cli, write_image

REPO = pathlib.Path(__file__).resolve().parents[2]
APP_DIR = pathlib.Path("saved_models") / "classification"
RUN_DIR = pathlib.Path("runs") / "classification"
TINY = ["--model", "mlp", "--input-size", "12", "--epochs", "2", "--steps-per-epoch", "3", "--batch-size", "4"]


def class_folder(root, classes=("circle", "cross", "square"), per_class=5):
    """Class subfolders of small images in several modes, sizes and formats."""
    kinds = [
        ((14, 18), "RGB", ".png"),
        ((10, 10), "L", ".jpg"),
        ((20, 12), "RGBA", ".png"),
        ((9, 13), "P", ".png"),
        ((16, 16), "RGB", ".bmp"),
    ]
    folder = root / "shapes"
    for c, name in enumerate(classes):
        for i in range(per_class):
            size, mode, suffix = kinds[i % len(kinds)]
            write_image(folder / name / f"{name}{i}{suffix}", size, mode, seed=10 * c + i)
    return folder


def png(pixels):
    return tf.io.encode_png(np.asarray(pixels, np.uint8)).numpy()


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def trained(tmp_path_factory, kerasdl_cache):
    """``kerasdl classify run`` on a folder of tiny images, in a fresh working folder."""
    root = tmp_path_factory.mktemp("classify_run")
    data = class_folder(root)
    return {**run_app(root / "work", ["classify", "run", "--data", data, *TINY], cache=kerasdl_cache), "data": data}


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
    assert not [f for f in files_under(work) if f.endswith(".tmp") or "/.tmp" in f]
    assert (run_dir / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    assert "Done: test accuracy" in trained["stdout"] and "Traceback" not in trained["stdout"] + trained["stderr"]
    record = json.loads((run_dir / "task.json").read_text())
    assert record["app"] == "classification" and record["state"]["class_names"] == ["circle", "cross", "square"]
    assert (record["init"]["input_size"], record["init"]["channels"], record["init"]["model"]) == (12, 3, "mlp")
    split = json.loads((run_dir / "split.json").read_text())
    assert (len(split["train"]), len(split["val"]), len(split["test"])) == (9, 3, 3)

    report = json.loads((run_dir / "evaluation.json").read_text())
    assert report["split"]["test"] == 3 and report["model"]["name"] == "mlp"
    assert set(report["model"]["classification_report"]) >= {"circle", "cross", "square", "macro avg"}
    assert np.asarray(report["model"]["confusion_matrix"]).sum() == 3
    assert 0 <= report["baseline"]["accuracy"] <= 1 and "SVC" in report["baseline"]["name"]
    assert report["accuracy_gain_over_baseline"] == pytest.approx(
        report["model"]["accuracy"] - report["baseline"]["accuracy"], abs=1e-5
    )


@pytest.mark.slow
def test_run_export_reloads_with_parity(trained):
    work = trained["work"]
    version = work / APP_DIR / "1"
    assert {"saved_model.pb", "model.tflite", "metadata.json"} <= files_under(version)
    meta = json.loads((version / "metadata.json").read_text())
    assert meta["class_names"] == ["circle", "cross", "square"] and meta["model"] == "mlp"
    assert meta["input"]["size"] == [12, 12] and meta["input"]["channels"] == 3
    assert set(meta["signatures"]) == {"serving_default", "serving_float"}
    assert meta["signatures"]["serving_default"]["outputs"] == {
        "label": {"dtype": "string", "shape": [None]},
        "probability": {"dtype": "float32", "shape": [None]},
        "probabilities": {"dtype": "float32", "shape": [None, 3]},
    }
    assert all(v <= 1e-4 for v in meta["parity"]["max_abs_diff"].values())
    assert meta["metrics"] == json.loads((work / RUN_DIR / "evaluation.json").read_text())

    model = keras.saving.load_model(work / RUN_DIR / "best.keras", safe_mode=True)
    x = np.random.default_rng(3).uniform(0, 255, (4, 12, 12, 3)).astype(np.float32)
    expected = model(x).numpy()
    loaded = tf.saved_model.load(str(version))
    np.testing.assert_allclose(
        loaded.signatures["serving_float"](pixels=tf.constant(x))["output"].numpy(), expected, atol=1e-5
    )
    np.testing.assert_allclose(run_tflite(version / "model.tflite", x), expected, atol=1e-4)

    # The bytes signature and `classify predict` agree on real files.
    files = sorted((trained["data"] / "cross").iterdir())[:3]
    served = loaded.signatures["serving_default"](
        image_bytes=tf.constant([tf.io.read_file(str(f)).numpy() for f in files if f.suffix != ".bmp"])
    )
    code = run_cli(
        [
            "classify",
            "predict",
            *[str(f) for f in files if f.suffix != ".bmp"],
            "--run-dir",
            str(work / RUN_DIR),
            "--output",
            str(work / "predicted.json"),
        ]
    )
    assert code == 0
    predicted = json.loads((work / "predicted.json").read_text())["predictions"]
    assert [p["label"] for p in predicted] == [s.decode() for s in served["label"].numpy()]
    # PNGs decode to the same pixels in PIL and TensorFlow; JPEG decoders differ by a level here and there.
    is_png = [f.suffix == ".png" for f in files if f.suffix != ".bmp"]
    got, want = np.array([p["probability"] for p in predicted]), served["probability"].numpy()
    np.testing.assert_allclose(got[is_png], want[is_png], atol=1e-5)
    np.testing.assert_allclose(got, want, atol=5e-3)


@pytest.mark.slow
def test_digits_default_train_then_evaluate(chdir_tmp, cli):
    code, out, err = cli(
        ["classify", "train", "--model", "mlp", "--input-size", "8", "--epochs", "1", "--steps-per-epoch", "5"]
    )
    assert code == 0, err
    assert "of digits, 10 classes, 8x8x1" in out
    code, out, err = cli(["classify", "evaluate", "--baseline", "logistic"])  # the run's data: digits
    assert code == 0, err
    report = json.loads((chdir_tmp / RUN_DIR / "evaluation.json").read_text())
    assert report["dataset"] == "digits" and report["split"] == {"seed": 0, "train": 1079, "val": 359, "test": 359}
    assert report["baseline"]["accuracy"] > 0.9 and "logistic" in report["baseline"]["name"]
    assert "precision" in out and "baseline" in out


# ---------------------------------------------------------------- serving and predict with a model built here


@pytest.fixture(scope="module")
def bright_dark(tmp_path_factory):
    """A model that is sure: mean brightness above half -> "bright", else "dark" (16x16 grayscale)."""
    folder = tmp_path_factory.mktemp("bright_dark")
    pixels = keras.Input((16, 16, 1), name="pixels")
    x = keras.layers.Rescaling(1 / 255)(pixels)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logits = keras.layers.Dense(
        2,
        kernel_initializer=keras.initializers.Constant([[-40.0, 40.0]]),
        bias_initializer=keras.initializers.Constant([20.0, -20.0]),
    )(x)
    model = keras.Model(pixels, keras.layers.Softmax()(logits), name="bright_dark")
    model.save(folder / "best.keras")
    write_json(
        {
            "app": "classification",
            "init": {"model": "mlp", "input_size": 16, "channels": 1},
            "state": {"class_names": ["dark", "bright"]},
        },
        folder / "task.json",
    )
    return folder


@pytest.mark.slow
def test_bytes_signature_returns_the_right_label(chdir_tmp, cli, bright_dark):
    code, out, err = cli(["classify", "export", "--run-dir", bright_dark, "--export-dir", "models", "--no-tflite"])
    assert code == 0, err
    version = chdir_tmp / "models" / "classification" / "1"
    assert json.loads((version / "metadata.json").read_text())["class_names"] == ["dark", "bright"]
    serve = tf.saved_model.load(str(version)).signatures["serving_default"]
    white_rgb = png(np.full((30, 20, 3), 250))
    black_gray = png(np.full((7, 9, 1), 5))
    jpeg = tf.io.encode_jpeg(np.full((40, 40, 3), 230, np.uint8)).numpy()
    out = serve(image_bytes=tf.constant([white_rgb, black_gray, jpeg]))
    assert [s.decode() for s in out["label"].numpy()] == ["bright", "dark", "bright"]
    assert out["probability"].numpy().min() > 0.99
    assert out["probabilities"].shape == (3, 2)
    with pytest.raises(tf.errors.InvalidArgumentError):
        serve(image_bytes=tf.constant([b"not an image"]))


def test_predict_writes_csv_and_json(chdir_tmp, cli, bright_dark):
    write_image(chdir_tmp / "in" / "a.png", (12, 9), "RGB")
    write_image(chdir_tmp / "in" / "b.jpg", (5, 5), "L")
    (chdir_tmp / "white.png").write_bytes(png(np.full((8, 8, 3), 255)))
    code, out, err = cli(["classify", "predict", "in", "white.png", "--run-dir", bright_dark, "--output", "p.csv"])
    assert code == 0, err
    rows = list(csv.DictReader((chdir_tmp / "p.csv").open()))
    assert [pathlib.Path(r["file"]).name for r in rows] == ["a.png", "b.jpg", "white.png"]
    assert rows[-1]["label"] == "bright" and float(rows[-1]["probability"]) > 0.99
    assert "white.png: bright" in out
    code, _, err = cli(
        ["classify", "predict", "white.png", "--model-path", bright_dark / "best.keras", "--output", "p.json"]
    )
    assert code == 0, err
    assert json.loads((chdir_tmp / "p.json").read_text())["predictions"][0]["label"] == "bright"


def test_apps_script_help():
    result = subprocess.run(
        [sys.executable, str(REPO / "apps" / "classify.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: apps/classify.py")
    for command in ("train", "evaluate", "predict", "export", "run"):
        assert command in result.stdout


# ---------------------------------------------------------------- bad input


def check_rejected(cli, work, argv, *fragments):
    before = files_under(work)
    code, out, err = cli(argv)
    assert code == 2, f"exit code {code}; stderr: {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert "Traceback" not in out + err
    assert files_under(work) == before, f"files written: {files_under(work) - before}"


RUN = ["classify", "run", *TINY, "--export-dir", "models"]


def test_missing_folder(chdir_tmp, cli):
    check_rejected(cli, chdir_tmp, [*RUN, "--data", "nowhere"], "no such folder: nowhere")


def test_folder_without_class_subfolders(chdir_tmp, cli):
    write_image(chdir_tmp / "flat" / "a.png", (8, 8))
    check_rejected(cli, chdir_tmp, [*RUN, "--data", "flat"], "has no class subfolders")


def test_class_without_images(chdir_tmp, cli):
    folder = class_folder(chdir_tmp, classes=("a", "b"))
    (folder / "c").mkdir()
    (folder / "c" / "readme.txt").write_text("no images")
    check_rejected(cli, chdir_tmp, [*RUN, "--data", folder], "class folder", "has no image files")


def test_corrupt_image(chdir_tmp, cli):
    folder = class_folder(chdir_tmp, classes=("a", "b"))
    (folder / "b" / "zz.png").write_bytes((folder / "a" / "a0.png").read_bytes()[:60])
    check_rejected(cli, chdir_tmp, [*RUN, "--data", folder], "zz.png")


def test_class_too_small_to_split(chdir_tmp, cli):
    folder = class_folder(chdir_tmp, classes=("a", "b"), per_class=2)
    check_rejected(cli, chdir_tmp, [*RUN, "--data", folder], "class 'a' has 2 images")


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["--dataset", "imagenet"], ["--dataset", "invalid choice: 'imagenet'"]),
        (["--model", "edsr"], ["--model edsr is a restoration model", "lenet5"]),
        (["--model", "lenet6"], ["--model", "Did you mean: lenet5"]),
        (["--epochs", "0"], ["--epochs must be at least 1; got 0"]),
        (["--steps-per-epoch", "0"], ["--steps-per-epoch must be at least 1; got 0"]),
        (["--model", "lenet5", "--input-size", "8"], ["--model lenet5 with --input-size 8", "Received"]),
        (["--channels", "2"], ["--channels", "invalid choice"]),
        (["--dataset-file", "mnist.npz"], ["--dataset-file is only for --dataset mnist"]),
        (["--data", "x", "--dataset", "digits"], ["not allowed with argument"]),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_bad_flags(chdir_tmp, cli, extra, fragments):
    check_rejected(cli, chdir_tmp, [*RUN, *extra], *fragments)


def test_keras_dataset_not_cached(chdir_tmp, cli, monkeypatch):
    def offline(**kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    check_rejected(
        cli, chdir_tmp, [*RUN, "--dataset", "fashion_mnist"], "cannot load dataset fashion_mnist", "fashion-mnist"
    )


def test_missing_or_wrong_model(chdir_tmp, cli, bright_dark):
    write_image(chdir_tmp / "in.png", (6, 6))
    check_rejected(
        cli, chdir_tmp, ["classify", "predict", "in.png"], "no trained model at runs/classification/best.keras"
    )
    check_rejected(
        cli, chdir_tmp, ["classify", "evaluate", "--run-dir", "nowhere"], "no trained model at nowhere/best.keras"
    )
    check_rejected(
        cli, chdir_tmp, ["classify", "export", "--model-path", "gone.keras"], "no trained model at gone.keras"
    )
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(chdir_tmp / "dense.keras")
    check_rejected(
        cli, chdir_tmp, ["classify", "predict", "in.png", "--model-path", "dense.keras"], "is not an image classifier"
    )
    check_rejected(
        cli,
        chdir_tmp,
        ["classify", "predict", "in.png", "--run-dir", bright_dark, "--output", "p.txt"],
        "--output must end in .csv or .json",
    )
    (chdir_tmp / "bad.png").write_bytes(b"garbage")
    check_rejected(
        cli,
        chdir_tmp,
        ["classify", "predict", "in.png", "bad.png", "--run-dir", bright_dark, "--output", "p.csv"],
        "bad.png",
    )


def test_evaluate_on_data_with_other_classes(chdir_tmp, cli, bright_dark):
    folder = class_folder(chdir_tmp, classes=("a", "b"))
    check_rejected(
        cli,
        chdir_tmp,
        ["classify", "evaluate", "--run-dir", bright_dark, "--data", folder, "--output", "e.json"],
        "trained on classes ['dark', 'bright']",
    )
