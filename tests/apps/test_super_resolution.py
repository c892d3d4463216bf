"""The super-resolution app through its command line: run, predict, export, and bad input.

The end-to-end run trains a 1-block, 4-filter EDSR for 2 steps: the point is every
output and artifact a user gets, not image quality.
"""

import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasdl.apps.super_resolution.task import SuperResolution, pretraining_config
from kerasdl.apps.super_resolution.upscale import upscale_image
from kerasdl.data.images import load_image
from kerasdl.data.sr_patches import bicubic_upscale, downscale, modcrop
from kerasdl.export import run_tflite
from kerasdl.metrics.image_quality import luma_psnr_ssim
from kerasdl.models.restoration import edsr
from tests.helpers import files_under, run_app, write_image

REPO = pathlib.Path(__file__).resolve().parents[2]
APP_DIR = pathlib.Path("saved_models") / "super_resolution"
RUN_DIR = pathlib.Path("runs") / "super_resolution"
TINY = [
    "--epochs",
    "1",
    "--steps-per-epoch",
    "2",
    "--blocks",
    "1",
    "--filters",
    "4",
    "--patch-size",
    "8",
    "--batch-size",
    "4",
]
SCALE = 3  # the app's default
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_bytes(array_uint8):
    return tf.io.encode_png(array_uint8).numpy()


def decode(data):
    return tf.io.decode_png(data).numpy()


def training_folder(root, sizes=((40, 48), (36, 44), (48, 40))):
    folder = root / "train_images"
    for i, size in enumerate(sizes):
        write_image(folder / f"img{i}.png", size, "RGB", seed=i)
    return folder


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def trained(tmp_path_factory, kerasdl_cache):
    """``kerasdl sr run`` on a folder of tiny images, in a fresh working folder."""
    root = tmp_path_factory.mktemp("sr_run")
    data = training_folder(root)
    return {
        **run_app(root / "work", ["sr", "run", "--data", data, *TINY], cache=kerasdl_cache),
        "data": data,
        "cache": kerasdl_cache,
    }


@pytest.fixture(scope="module")
def keras_model(trained):
    return keras.saving.load_model(trained["work"] / RUN_DIR / "best.keras", safe_mode=True)


@pytest.fixture(scope="module")
def saved_model(trained):
    return tf.saved_model.load(str(trained["work"] / APP_DIR / "1"))


@pytest.mark.slow
def test_run_writes_every_output(trained):
    work, run_dir = trained["work"], trained["work"] / RUN_DIR
    assert {
        "best.keras",
        "training_log.csv",
        "learning_curves.png",
        "evaluation.json",
        "before_after.png",
        "train_summary.json",
    } <= files_under(run_dir)
    assert not (run_dir / "backup").exists()
    assert not [f for f in files_under(work) if f.endswith(".tmp") or "/.tmp" in f or f.startswith(".")]
    for figure in ("learning_curves.png", "before_after.png"):
        assert (run_dir / figure).read_bytes()[:8] == PNG_SIGNATURE
    assert "gain over bicubic" in trained["stdout"] and "Done: x3" in trained["stdout"]
    assert "Traceback" not in trained["stdout"] + trained["stderr"]

    summary = json.loads((run_dir / "train_summary.json").read_text())
    assert summary["model"] == "edsr" and summary["data"] == str(trained["data"])
    expected_kwargs = {"scale": 3, "channels": 1, "num_blocks": 1, "filters": 4, "bicubic_skip": True}
    assert summary["model_kwargs"].items() >= expected_kwargs.items()
    assert summary["train_config"]["epochs"] == 1 and summary["train_config"]["steps_per_epoch"] == 2


@pytest.mark.slow
def test_run_evaluation_report(trained, keras_model):
    report = json.loads((trained["work"] / RUN_DIR / "evaluation.json").read_text())
    assert report["scale"] == SCALE and report["model"] == keras_model.name == "edsr"
    # `run --data` without --test-data scores the held-out validation images; with fewer
    # than five images none can be held out, so those are the training images themselves.
    assert report["dataset"] == f"held-out validation images of {trained['data']}"
    assert set(report["images"]) == {"img0", "img1", "img2"}
    for scores in report["images"].values():
        for method in ("model", "bicubic"):
            assert 5 < scores[method]["psnr"] < 60 and 0 < scores[method]["ssim"] <= 1
    for method in ("model", "bicubic"):
        for metric in ("psnr", "ssim"):
            per_image = [s[method][metric] for s in report["images"].values()]
            assert report["mean"][method][metric] == pytest.approx(np.mean(per_image), abs=1e-3)
    assert report["psnr_gain_db"] == pytest.approx(
        report["mean"]["model"]["psnr"] - report["mean"]["bicubic"]["psnr"], abs=1e-3
    )

    # The bicubic baseline, recomputed independently for one image.
    hr = modcrop(load_image(trained["data"] / "img2.png"), SCALE)
    bicubic = bicubic_upscale(downscale(hr, SCALE), SCALE).numpy()
    psnr, ssim = luma_psnr_ssim(bicubic, hr, border=SCALE)
    assert report["images"]["img2"]["bicubic"]["psnr"] == pytest.approx(psnr, abs=1e-3)
    assert report["images"]["img2"]["bicubic"]["ssim"] == pytest.approx(ssim, abs=1e-4)


@pytest.mark.slow
def test_run_exports_version_1(trained):
    version = trained["work"] / APP_DIR / "1"
    assert sorted(p.name for p in (trained["work"] / APP_DIR).iterdir()) == ["1"]  # no temp folder left
    names = files_under(version)
    assert {"saved_model.pb", "model.tflite", "metadata.json", "variables/variables.index"} <= names
    assert (version / "variables").is_dir()
    meta = json.loads((version / "metadata.json").read_text())
    assert meta["app"] == "super_resolution" and meta["version"] == 1
    assert meta["model"] == "edsr" and meta["scale"] == SCALE and meta["parameters"] > 0
    assert meta["command"] == " ".join(["kerasdl", *trained["argv"]])
    diffs = meta["parity"]["max_abs_diff"]
    assert diffs["serving_float"] <= 1e-4 and diffs["tflite"] <= 1e-4
    assert diffs["serving_default"] <= 1  # PNG levels
    assert meta["metrics"] == json.loads((trained["work"] / RUN_DIR / "evaluation.json").read_text())
    assert set(meta["signatures"]) == {"serving_default", "serving_float"}
    assert meta["signatures"]["serving_default"]["inputs"] == {"image_bytes": {"dtype": "string", "shape": [None]}}
    assert meta["tflite"]["inputs"][0]["shape"] == [-1, -1, -1, 1]


@pytest.mark.slow
def test_saved_model_png_signature(trained, saved_model, keras_model):
    rgb = np.random.default_rng(0).integers(0, 256, (10, 13, 3), dtype=np.uint8)
    gray = np.random.default_rng(1).integers(0, 256, (7, 9, 1), dtype=np.uint8)
    serve = saved_model.signatures["serving_default"]
    out = serve(image_bytes=tf.constant([png_bytes(rgb), png_bytes(gray)]))
    assert list(out) == ["image_png"]
    first, second = out["image_png"].numpy()
    assert first[:8] == PNG_SIGNATURE
    assert decode(first).shape == (30, 39, 3)
    assert decode(second).shape == (21, 27, 1)  # gray in, gray out
    # The same pixels as the Python path (`kerasdl sr predict`), within one 8-bit level.
    expected = np.rint(upscale_image(keras_model, rgb / np.float32(255)) * 255)
    assert np.abs(decode(first).astype(float) - expected).max() <= 1


@pytest.mark.slow
def test_saved_model_float_signature_and_tflite(trained, saved_model, keras_model):
    x = np.random.default_rng(2).random((2, 9, 11, 1), dtype=np.float32)
    expected = keras_model(x).numpy()
    assert expected.shape == (2, 27, 33, 1)
    served = saved_model.signatures["serving_float"](lr=tf.constant(x))["output"].numpy()
    np.testing.assert_allclose(served, expected, atol=1e-4, rtol=0)
    tflite = run_tflite(trained["work"] / APP_DIR / "1" / "model.tflite", x)
    np.testing.assert_allclose(tflite, expected, atol=1e-4, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize(
    "payload", [b"definitely not an image", PNG_SIGNATURE + b"\x00" * 40], ids=["text", "broken-png"]
)
def test_saved_model_rejects_corrupt_bytes(saved_model, payload):
    with pytest.raises(tf.errors.InvalidArgumentError):
        saved_model.signatures["serving_default"](image_bytes=tf.constant([payload]))


@pytest.mark.slow
def test_run_with_the_embedded_default_data(chdir_tmp, cli, kerasdl_cache):
    code, out, err = cli(["sr", "run", *TINY, "--no-tflite"])
    assert code == 0, err
    assert "scikit-learn sample photos" in out and "Traceback" not in out + err
    photos = kerasdl_cache / "sample_photos"
    assert files_under(photos) == {
        "train/china_left.png",
        "train/china_right.png",
        "train/flower_left.png",
        "train/flower_right.png",
        "val/china.png",
        "val/flower.png",
        "test/china.png",
        "test/flower.png",
    }
    assert {
        "best.keras",
        "training_log.csv",
        "learning_curves.png",
        "evaluation.json",
        "before_after.png",
    } <= files_under(chdir_tmp / RUN_DIR)
    report = json.loads((chdir_tmp / RUN_DIR / "evaluation.json").read_text())
    assert set(report["images"]) == {"china", "flower"}
    summary = json.loads((chdir_tmp / RUN_DIR / "train_summary.json").read_text())
    assert summary["data"] is None
    version = chdir_tmp / APP_DIR / "1"
    assert {"saved_model.pb", "metadata.json"} <= files_under(version) and "model.tflite" not in files_under(version)
    assert json.loads((version / "metadata.json").read_text())["tflite"] is None


@pytest.mark.slow
def test_export_metadata_records_the_argv_given_to_main(chdir_tmp, cli, tiny_model_path):
    code, _, err = cli(["sr", "export", "--model-path", tiny_model_path, "--no-tflite"])
    assert code == 0, err
    meta = json.loads((chdir_tmp / APP_DIR / "1" / "metadata.json").read_text())
    assert "sr export --model-path" in meta["command"]


# ---------------------------------------------------------------- predict and export


@pytest.fixture(scope="module")
def tiny_model_path(tmp_path_factory):
    """An untrained x3 luminance EDSR saved as .keras: enough for predict/export checks."""
    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("tiny_model") / "tiny.keras"
    edsr(scale=3, channels=1, num_blocks=1, filters=4, bicubic_skip=True).save(path)
    return path


def test_predict_rgb_grayscale_and_16_bit(chdir_tmp, cli, tiny_model_path):
    inputs = chdir_tmp / "inputs"
    write_image(inputs / "photo.png", (10, 12), "RGB")
    write_image(inputs / "gray.jpg", (9, 7), "L")
    write_image(inputs / "deep" / "depth16.png", (8, 11), "I;16")
    code, out, err = cli(["sr", "predict", inputs, "--model-path", tiny_model_path, "--output-dir", "out"])
    assert code == 0, err
    assert files_under(chdir_tmp / "out") == {"photo_x3.png", "gray_x3.png", "depth16_x3.png"}
    expected = {"photo_x3.png": ((36, 30), "RGB"), "gray_x3.png": ((21, 27), "L"), "depth16_x3.png": ((33, 24), "L")}
    for name, (size, mode) in expected.items():
        with Image.open(chdir_tmp / "out" / name) as im:
            assert (im.size, im.mode) == (size, mode), name
    assert out.count(" -> ") == 3
    # The written pixels are the model's upscale of the decoded input.
    model = keras.saving.load_model(tiny_model_path, safe_mode=True)
    upscaled = upscale_image(model, load_image(inputs / "photo.png"))
    np.testing.assert_allclose(
        load_image(chdir_tmp / "out" / "photo_x3.png"), np.rint(upscaled * 255) / 255, atol=1.01 / 255
    )


def test_predict_single_file_default_output_dir(chdir_tmp, cli, tiny_model_path):
    image = write_image(chdir_tmp / "one.bmp", (6, 5), "RGB")
    code, _, err = cli(["sr", "predict", image, "--model-path", tiny_model_path, "--tile", "6"])
    assert code == 0, err
    assert files_under(chdir_tmp / RUN_DIR / "predictions") == {"one_x3.png"}


def test_apps_script_help():
    result = subprocess.run(
        [sys.executable, str(REPO / "apps" / "super_resolution.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: apps/super_resolution.py")
    for command in ("train", "evaluate", "predict", "export", "run"):
        assert command in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_export_versions(chdir_tmp, cli, tiny_model_path):
    base = ["sr", "export", "--model-path", tiny_model_path, "--export-dir", "models"]
    code, out, err = cli(base)
    assert code == 0, err
    assert "Exported version 1" in out
    assert {"saved_model.pb", "model.tflite", "metadata.json"} <= files_under(
        chdir_tmp / "models" / "super_resolution" / "1"
    )
    code, out, err = cli([*base, "--no-tflite"])
    assert code == 0, err
    assert "Exported version 2" in out
    assert sorted(p.name for p in (chdir_tmp / "models" / "super_resolution").iterdir()) == ["1", "2"]
    meta = json.loads((chdir_tmp / "models" / "super_resolution" / "2" / "metadata.json").read_text())
    assert meta["version"] == 2 and meta["tflite"] is None and meta["metrics"] is None

    before = files_under(chdir_tmp)
    code, out, err = cli([*base, "--version", "1"])
    assert code == 2
    assert_one_error_line(err, "already exists")
    assert files_under(chdir_tmp) == before
    assert sorted(p.name for p in (chdir_tmp / "models" / "super_resolution").iterdir()) == ["1", "2"]


# ---------------------------------------------------------------- bad input


def assert_one_error_line(err, *fragments):
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def check_rejected(cli, work, argv, *fragments):
    before = files_under(work)
    code, out, err = cli(argv)
    assert code == 2, f"exit code {code}; stderr: {err!r}"
    assert_one_error_line(err, *fragments)
    assert "Traceback" not in out + err
    assert files_under(work) == before, f"files written: {files_under(work) - before}"
    assert not [f for f in files_under(work) if f.endswith(".tmp")]


@pytest.fixture
def run_argv(chdir_tmp):
    return ["sr", "run", *TINY, "--export-dir", "models"]


def test_missing_data_folder(chdir_tmp, cli, run_argv):
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", "no_such_folder"], "no such file or folder", "no_such_folder")


def test_folder_without_images(chdir_tmp, cli, run_argv):
    (chdir_tmp / "empty").mkdir()
    (chdir_tmp / "empty" / "notes.txt").write_text("no images here")
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", "empty"], "no image files", "empty")


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_broken_image_in_training_folder(chdir_tmp, cli, run_argv, damage):
    folder = training_folder(chdir_tmp)
    bad = folder / "img1.png"
    data = bytearray(bad.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        start = data.index(b"IDAT") + 8
        data[start : start + 64] = bytes(64)
    bad.write_bytes(bytes(data))
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder], "img1.png")


def test_non_image_with_image_suffix(chdir_tmp, cli, run_argv):
    folder = training_folder(chdir_tmp)
    (folder / "notes.jpg").write_text("I am a text file")
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder], "not an image file", "notes.jpg")


def test_image_smaller_than_a_patch(chdir_tmp, cli, run_argv):
    folder = training_folder(chdir_tmp)
    write_image(folder / "small.png", (30, 20), "RGB")  # the x3, 8-pixel LR patch needs 24x24
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder], "small.png is 20x30", "24x24")


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["--scale", "5"], ["--scale", "invalid choice: 5"]),
        (["--epochs", "0"], ["--epochs must be at least 1; got 0"]),
        (["--steps-per-epoch", "0"], ["--steps-per-epoch must be at least 1"]),
        (["--blocks", "0"], ["--blocks", "must be a positive integer"]),
        (["--channels", "2"], ["--channels", "invalid choice"]),
        (["--model", "vdsr"], ["--model", "unknown model 'vdsr'"]),
        (["--learning-rate", "-1"], ["--learning-rate must be positive"]),
        (["--frobnicate"], ["unrecognized arguments: --frobnicate"]),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_bad_flags(chdir_tmp, cli, run_argv, extra, fragments):
    folder = training_folder(chdir_tmp)
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder, *extra], *fragments)


def test_unknown_command_and_app(chdir_tmp, cli):
    check_rejected(cli, chdir_tmp, ["sr", "fly"], "invalid choice: 'fly'")
    check_rejected(cli, chdir_tmp, ["imagenet", "train"], "invalid choice: 'imagenet'")


def test_predict_unwritable_output_folder(chdir_tmp, cli, tiny_model_path):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    (chdir_tmp / "blocker").write_text("a regular file")
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "predict", image, "--model-path", tiny_model_path, "--output-dir", "blocker/out"],
        "cannot write to folder",
        "blocker",
    )


def test_predict_missing_model(chdir_tmp, cli):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "predict", image, "--model-path", "nothing.keras", "--output-dir", "out"],
        "no trained model at nothing.keras",
    )
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "predict", image, "--output-dir", "out"],  # default: runs/.../best.keras
        "no trained model at runs/super_resolution/best.keras",
    )


def test_predict_broken_model_file(chdir_tmp, cli):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    (chdir_tmp / "broken.keras").write_bytes(b"PK\x03\x04 not really a zip")
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "predict", image, "--model-path", "broken.keras", "--output-dir", "out"],
        "cannot load model broken.keras",
    )


def test_predict_bad_inputs_write_nothing(chdir_tmp, cli, tiny_model_path):
    good = write_image(chdir_tmp / "in" / "a_good.png", (6, 6), "RGB")
    (chdir_tmp / "in" / "b_bad.png").write_bytes(good.read_bytes()[:40])
    base = ["sr", "predict", "--model-path", tiny_model_path, "--output-dir", "out"]
    check_rejected(cli, chdir_tmp, [*base, chdir_tmp / "in"], "b_bad.png")  # a_good.png is not written either
    check_rejected(cli, chdir_tmp, [*base, "missing.png"], "no such file or folder: missing.png")


def test_evaluate_and_export_missing_model(chdir_tmp, cli):
    check_rejected(cli, chdir_tmp, ["sr", "evaluate", "--run-dir", "nowhere"], "no trained model at nowhere/best.keras")
    check_rejected(cli, chdir_tmp, ["sr", "export", "--model-path", "gone.keras"], "no trained model at gone.keras")
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "export", "--model-path", "gone.keras", "--version", "0"],
        "--version",
        "must be a positive integer",
    )


def test_evaluate_image_too_small(chdir_tmp, cli, tiny_model_path):
    write_image(chdir_tmp / "tiny" / "t.png", (8, 8), "RGB")
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "evaluate", "--model-path", tiny_model_path, "--data", "tiny"],
        "t.png is too small for x3 evaluation",
    )


def test_evaluate_image_smaller_than_the_ssim_window(chdir_tmp, cli, tiny_model_path):
    write_image(chdir_tmp / "small" / "s.png", (14, 15), "RGB")
    check_rejected(
        cli,
        chdir_tmp,
        ["sr", "evaluate", "--model-path", tiny_model_path, "--data", "small"],
        "s.png is too small for x3 evaluation: 15x12 (needs at least 17x17)",
    )


def test_predict_with_a_model_that_is_not_super_resolution(chdir_tmp, cli):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(chdir_tmp / "dense.keras")
    check_rejected(
        cli, chdir_tmp, ["sr", "predict", image, "--model-path", "dense.keras", "--output-dir", "out"], "dense.keras"
    )


def test_small_validation_image_is_named(chdir_tmp, cli, run_argv):
    folder = training_folder(chdir_tmp)
    write_image(chdir_tmp / "val" / "v_small.png", (10, 10), "RGB")
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder, "--val-data", "val"], "v_small.png is 10x10")


def test_rejected_run_creates_no_folders(chdir_tmp, cli, run_argv):
    code, _, _ = cli([*run_argv, "--data", "no_such_folder"])
    assert code == 2
    assert list(chdir_tmp.iterdir()) == []


@pytest.mark.slow
def test_bad_input_in_a_real_process(tmp_path):
    # Native TensorFlow logging writes straight to file descriptor 2: only a real process shows it.
    result = subprocess.run(
        [sys.executable, str(REPO / "apps" / "super_resolution.py"), "run", "--data", "no_such_folder", *TINY],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "KERASDL_CACHE": str(tmp_path / "cache")},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: no such file or folder: no_such_folder"], result.stderr
    assert files_under(tmp_path) == set()


# ---------------------------------------------------------------- SRResNet and SRGAN

TINY_GAN = {"num_blocks": 1, "filters": 4, "discriminator_filters": 2, "dense_units": 4}
TINY_TRAINING = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "patch_size": 8, "verbose": 0}


@pytest.fixture(scope="module")
def srresnet_run(tmp_path_factory):
    """A tiny SRResNet trained 2 steps on MSE through the Python API: its task and run folder."""
    root = tmp_path_factory.mktemp("srresnet")
    task = SuperResolution("srresnet", model_options={"num_blocks": 1, "filters": 4}, run_dir=root / "run")
    report = task.train(training_folder(root), **TINY_TRAINING)
    return {"task": task, "report": report, "root": root}


@pytest.mark.slow
def test_srresnet_recipe_trains_on_mse(srresnet_run):
    task, report = srresnet_run["task"], srresnet_run["report"]
    assert task.loss == "mean_squared_error" and SuperResolution().loss == "mean_absolute_error"
    assert task.model.name == "srresnet" and task.model.loss == "mean_squared_error"
    assert report.builder == "srresnet" and report.parameters == task.model.count_params()
    summary = json.loads((task.run_dir / "train_summary.json").read_text())
    assert summary["model"] == "srresnet" and summary["model_kwargs"]["num_blocks"] == 1
    assert "phases" not in summary and not (task.run_dir / "pretrain").exists()
    assert task.predict(np.zeros((10, 12, 3), np.float32))[0].shape == (30, 36, 3)


class TinyFeatures:
    """Stands in for VGG19 in ``vgg_content_extractor``: no download, no 80 MB of weights."""

    calls = []

    def __new__(cls, *, weights):
        cls.calls.append(weights)
        image = keras.Input((None, None, 3))
        features = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="features")(image)
        model = keras.Model(image, features, name="tiny_features")
        model.trainable = False
        return model


@pytest.mark.slow
def test_srgan_pretrains_then_fine_tunes(tmp_path, monkeypatch):
    import kerasdl.models.image_translation as image_translation

    monkeypatch.setattr(image_translation, "vgg_content_extractor", TinyFeatures)
    run_dir = tmp_path / "srgan"
    task = SuperResolution("srgan", model_options=TINY_GAN, run_dir=run_dir)
    report = task.train(
        training_folder(tmp_path), pretrain_steps=2, content_loss="vgg", vgg_weights=None, **TINY_TRAINING
    )
    assert TinyFeatures.calls and set(TinyFeatures.calls) == {None}
    # The run's model is the generator, a plain SR model: best.keras too, not the GAN around it.
    assert task.model.name == "srresnet" and report.parameters == task.model.count_params()
    saved = keras.saving.load_model(run_dir / "best.keras", safe_mode=True)
    assert not isinstance(saved, image_translation.SRGAN) and saved.name == "srresnet"
    loaded = SuperResolution.from_run(run_dir)
    assert loaded.model_name == "srgan" and loaded.scale == 3 and loaded.channels == 1
    assert loaded.predict(np.zeros((9, 8, 1), np.float32))[0].shape == (27, 24, 1)

    summary = json.loads((run_dir / "train_summary.json").read_text())
    pretraining, adversarial = summary["phases"]["pretraining"], summary["phases"]["adversarial"]
    assert pretraining["source"] == "trained here" and pretraining["steps"] == 2 and pretraining["epochs_run"] == 1
    assert pretraining["loss"] == "mean_squared_error" and pretraining["train_config"]["learning_rate"] == 1e-3
    assert pretraining["best_val_loss"] > 0 and pretraining["best_val_psnr"] > 0
    assert {"best.keras", "training_log.csv", "pretrain.json"} <= files_under(run_dir / "pretrain")
    assert adversarial["content_loss"] == "vgg" and adversarial["adversarial_weight"] == 1e-3
    assert adversarial["steps"] == 2 and adversarial["learning_rate"] == 1e-4
    assert adversarial["discriminator"]["filters"] == 2 and adversarial["discriminator"]["parameters"] > 0
    assert {"content_loss", "g_loss", "d_loss", "psnr", "val_psnr"} <= set(adversarial["final"])
    assert summary["parameters"] == task.model.count_params() and summary["builder"] == "srresnet"
    log = (run_dir / "training_log.csv").read_text().splitlines()[0]
    assert {"content_loss", "d_loss", "g_loss", "val_psnr"} <= set(log.split(","))
    assert report.files["pretrained model"] == run_dir / "pretrain" / "best.keras"

    # Trained again with the same settings, the finished pretraining is reused, not repeated.
    pretrain_log = (run_dir / "pretrain" / "training_log.csv").read_text()
    again = task.train(training_folder(tmp_path), pretrain_steps=2, **TINY_TRAINING)
    summary = json.loads((run_dir / "train_summary.json").read_text())
    assert summary["phases"]["pretraining"]["reused"] is True
    assert summary["phases"]["adversarial"]["content_loss"] == "mse"
    assert (run_dir / "pretrain" / "training_log.csv").read_text() == pretrain_log
    assert "pretrained model" not in again.files or again.files["pretrained model"].is_file()


@pytest.mark.slow
def test_srgan_cli_fine_tunes_a_trained_srresnet(chdir_tmp, cli, srresnet_run):
    folder = training_folder(chdir_tmp)
    args = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "4", "--patch-size", "8"]
    tiny_gan = ["--model-arg", "discriminator_filters=2", "--model-arg", "dense_units=4"]
    generator = srresnet_run["task"].run_dir
    code, out, err = cli(
        ["sr", "train", "--model", "srgan", "--generator", generator, "--data", folder, *args, *tiny_gan]
    )
    assert code == 0, err
    summary = json.loads((chdir_tmp / RUN_DIR / "train_summary.json").read_text())
    assert summary["phases"]["pretraining"] == {
        "source": "--generator",
        "model": str(generator / "best.keras"),
        "name": "srresnet",
    }
    assert summary["phases"]["adversarial"]["content_loss"] == "mse"
    assert not (chdir_tmp / RUN_DIR / "pretrain").exists()
    assert summary["parameters"] == srresnet_run["task"].model.count_params()


def test_pretraining_config():
    from kerasdl.training.config import TrainConfig

    config = TrainConfig(epochs=10, steps_per_epoch=180, learning_rate=1e-4, warmup_steps=5, time_limit=29.0)
    phase = pretraining_config(config, 4500)
    assert (phase.epochs, phase.steps_per_epoch, phase.learning_rate, phase.warmup_steps) == (25, 180, 1e-3, 0)
    assert phase.time_limit == pytest.approx(29.0 * 4500 / (4500 + 1800))
    # Rounded up to whole epochs of at most --steps-per-epoch; fewer steps make one short epoch.
    assert (pretraining_config(config, 200).epochs, pretraining_config(config, 200).steps_per_epoch) == (2, 180)
    assert (pretraining_config(config, 50).epochs, pretraining_config(config, 50).steps_per_epoch) == (1, 50)
    assert pretraining_config(TrainConfig(), 10).time_limit is None


def test_evaluation_reports_niqe_where_it_fits(tmp_path, tiny_model_path):
    from kerasdl.apps.super_resolution.evaluation import evaluate_files, format_table
    from kerasdl.metrics.perceptual import niqe

    big = write_image(tmp_path / "big.png", (300, 204), "RGB")  # x3 border 3: 294x198, 3x2 blocks
    small = write_image(tmp_path / "small.png", (48, 40), "RGB")
    model = keras.saving.load_model(tiny_model_path, safe_mode=True)
    report, results = evaluate_files(model, [big, small], dataset="two", tile=128)
    assert set(report["images"]["big"]) == {"bicubic", "model", "ground_truth"}
    assert "niqe" not in report["images"]["small"]["model"] and "ground_truth" not in report["images"]["small"]
    hr = results[0].hr
    assert report["images"]["big"]["ground_truth"]["niqe"] == pytest.approx(niqe(hr, crop_border=3), abs=1e-4)
    assert report["images"]["big"]["model"]["niqe"] == pytest.approx(niqe(results[0].output, crop_border=3), abs=1e-4)
    for method in ("bicubic", "model", "ground_truth"):
        assert report["mean"][method]["niqe"] == report["images"]["big"][method]["niqe"]
    assert "1 of 2 images" in report["niqe_protocol"]
    assert "NIQE, lower is more natural: bicubic" in format_table(report)


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["--model", "edsr", "--pretrain-steps", "5"], ["--pretrain-steps is for --model srgan, not --model edsr"]),
        (["--model", "srresnet", "--content-loss", "vgg"], ["--content-loss is for --model srgan"]),
        (["--model", "srgan", "--pretrain-steps", "-1"], ["--pretrain-steps", "must be an integer >= 0"]),
        (["--model", "srgan", "--content-loss", "pixels"], ["--content-loss", "invalid choice: 'pixels'"]),
        (["--model", "srgan", "--vgg-weights", "vgg.h5"], ["--vgg-weights is for --content-loss vgg"]),
        (
            ["--model", "srgan", "--generator", "no_run"],
            ["--generator: no trained model at no_run (a run folder or a .keras file)"],
        ),
        (["--model", "srgan", "--generator", "g.keras", "--pretrain-steps", "5"], ["drop --pretrain-steps"]),
        (["--model", "srgan", "--generator", "g.keras", "--blocks", "2"], ["drop the generator options num_blocks"]),
        (["--model", "srgan", "--generator", "{tiny}", "--scale", "2"], ["upscales x3", "pass --scale 3"]),
        (["--model", "srgan", "--generator", "{tiny}", "--channels", "3"], ["with 1 channel(s)", "--channels 1"]),
    ],
    ids=lambda v: "_".join(v[2:4]).lstrip("-") if isinstance(v, list) and len(v) > 2 and "--" in v[2] else None,
)
def test_bad_srgan_flags(chdir_tmp, cli, tiny_model_path, extra, fragments):
    folder = training_folder(chdir_tmp)
    extra = [str(tiny_model_path) if arg == "{tiny}" else arg for arg in extra]
    argv = ["sr", "train", "--data", folder, "--epochs", "1", "--steps-per-epoch", "2", "--patch-size", "8", *extra]
    check_rejected(cli, chdir_tmp, argv, *fragments)
