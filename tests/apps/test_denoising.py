"""The denoising app through its command line: run, evaluate, predict, export, and bad input.

The end-to-end run trains a 3-level, 4-filter U-Net (the default model, tiny) for 2 steps: the point is every output
and artifact a user gets, not image quality. Export parity is checked on untrained models
with random (not zero) last layers, so the comparisons mean something.
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

from kerasdl.apps.denoising.denoise import denoise_image, level_scale
from kerasdl.data.images import load_image
from kerasdl.data.noise import NoiseModel, seeded_noisy
from kerasdl.export import run_tflite
from kerasdl.metrics.image_quality import quantize
from kerasdl.models.restoration import dncnn
from kerasdl.models.segmentation.unet import unet
from tests.helpers import files_under, run_app, write_image

REPO = pathlib.Path(__file__).resolve().parents[2]
APP_DIR = pathlib.Path("saved_models") / "denoising"
RUN_DIR = pathlib.Path("runs") / "denoising"
TINY = [
    "--epochs",
    "1",
    "--steps-per-epoch",
    "2",
    "--depth",
    "3",
    "--filters",
    "4",
    "--patch-size",
    "16",
    "--batch-size",
    "4",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def training_folder(root, sizes=((40, 48), (36, 44), (48, 40))):
    folder = root / "train_images"
    for i, size in enumerate(sizes):
        write_image(folder / f"img{i}.png", size, "L" if i == 1 else "RGB", seed=i)
    return folder


def write_record(run_dir, *, noise):
    """The run record ``train`` leaves beside a model (``task.json``): here, only its training noise."""
    record = {"app": "denoising", "init": {"model": "unet", "channels": 1}, "state": {"noise": noise}}
    (run_dir / "task.json").write_text(json.dumps(record))


def png_bytes(array_uint8):
    return tf.io.encode_png(array_uint8).numpy()


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def trained(tmp_path_factory, kerasdl_cache):
    """``kerasdl denoise run`` on a folder of tiny images, in a fresh working folder."""
    root = tmp_path_factory.mktemp("denoise_run")
    data = training_folder(root)
    argv = ["denoise", "run", "--data", data, "--sigma", "30", "--workers", "1", *TINY]
    return {**run_app(root / "work", argv, cache=kerasdl_cache), "data": data}


@pytest.mark.slow
def test_run_writes_every_output(trained):
    work, run_dir = trained["work"], trained["work"] / RUN_DIR
    assert {
        "best.keras",
        "training_log.csv",
        "learning_curves.png",
        "evaluation.json",
        "comparison.png",
        "train_summary.json",
    } <= files_under(run_dir)
    assert not (run_dir / "backup").exists()
    assert not [f for f in files_under(work) if f.endswith(".tmp") or "/.tmp" in f or f.startswith(".")]
    for figure in ("learning_curves.png", "comparison.png"):
        assert (run_dir / figure).read_bytes()[:8] == PNG_SIGNATURE
    for fragment in ("PSNR (dB), Gaussian, sigma 30", "mean PSNR", "bm3d", "Done: Gaussian, sigma 30", "model vs BM3D"):
        assert fragment in trained["stdout"], fragment
    assert "Traceback" not in trained["stdout"] + trained["stderr"]
    summary = json.loads((run_dir / "train_summary.json").read_text())
    assert summary["model"] == "unet" and summary["noise"] == "gaussian:30" and summary["data"] == str(trained["data"])
    assert summary["model_kwargs"] == {
        "input_shape": [None, None, 1],
        "classes": 1,
        "depth": 3,
        "filters": 4,
        "residual": True,
        "zero_init_output": True,
    }
    assert summary["train_config"]["epochs"] == 1 and summary["train_config"]["steps_per_epoch"] == 2


@pytest.mark.slow
def test_run_evaluation_report(trained):
    report = json.loads((trained["work"] / RUN_DIR / "evaluation.json").read_text())
    assert report["noise"] == "gaussian:30" and report["seed"] == 0 and report["model"] == "unet"
    assert report["methods"] == ["noisy", "nl_means", "tv_chambolle", "wavelet", "bm3d", "model"]
    # `run --data` without --test-data scores the held-out validation images; with fewer than
    # five images none can be held out, so those are the training images themselves.
    assert report["dataset"] == f"held-out validation images of {trained['data']}"
    assert set(report["images"]) == {"img0", "img1", "img2"}
    for method in report["methods"]:
        for metric in ("psnr", "ssim"):
            per_image = [s[method][metric] for s in report["images"].values()]
            assert report["mean"][method][metric] == pytest.approx(np.mean(per_image), abs=1e-3)
    classical = ["nl_means", "tv_chambolle", "wavelet", "bm3d"]
    assert report["best_classical"] == max(classical, key=lambda m: report["mean"][m]["psnr"])
    assert report["gain_db_over_bm3d"] == pytest.approx(
        report["mean"]["model"]["psnr"] - report["mean"]["bm3d"]["psnr"], abs=1e-3
    )
    for method in classical:  # every classical method removes some noise
        assert report["mean"][method]["psnr"] > report["mean"]["noisy"]["psnr"] + 1

    # The noisy input's score, recomputed independently: seeded noise on the 8-bit grayscale image.
    clean = quantize(load_image(trained["data"] / "img2.png", channels=1)).numpy()
    noisy, level = seeded_noisy(clean, NoiseModel.gaussian(30), seed=0, index=2)
    assert level == 30
    mse = np.mean((np.clip(np.rint(noisy * 255), 0, 255) - np.rint(clean * 255)) ** 2)
    assert report["images"]["img2"]["noisy"]["psnr"] == pytest.approx(10 * np.log10(255**2 / mse), abs=1e-3)


@pytest.mark.slow
def test_run_exports_version_1(trained):
    version = trained["work"] / APP_DIR / "1"
    assert sorted(p.name for p in (trained["work"] / APP_DIR).iterdir()) == ["1"]  # no temp folder left
    assert {"saved_model.pb", "model.tflite", "metadata.json", "variables/variables.index"} <= files_under(version)
    meta = json.loads((version / "metadata.json").read_text())
    assert meta["app"] == "denoising" and meta["version"] == 1 and meta["model"] == "unet"
    assert meta["noise"] == "gaussian:30" and meta["channels"] == "grayscale"
    assert meta["command"] == " ".join(["kerasdl", *trained["argv"]])
    assert meta["metrics"] == json.loads((trained["work"] / RUN_DIR / "evaluation.json").read_text())
    assert set(meta["signatures"]) == {"serving_default", "serving_float"}
    assert meta["signatures"]["serving_default"]["inputs"] == {"image_bytes": {"dtype": "string", "shape": [None]}}
    assert meta["tflite"]["inputs"][0]["shape"] == [-1, -1, -1, 1]


# ---------------------------------------------------------------- evaluation


@pytest.fixture(scope="module")
def tiny_model_path(tmp_path_factory):
    """An untrained grayscale DnCNN at half resolution, random last layer, saved as .keras."""
    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("tiny_model") / "tiny.keras"
    dncnn(depth=3, filters=4, downscale=2).save(path)
    return path


@pytest.fixture(scope="module")
def tiny_unet_path(tmp_path_factory):
    """An untrained colour U-Net of depth 3 (sides padded to multiples of 8 inside)."""
    keras.utils.set_random_seed(1)
    path = tmp_path_factory.mktemp("tiny_unet") / "unet.keras"
    unet(input_shape=(None, None, 3), classes=3, depth=3, filters=4, residual=True).save(path)
    return path


def test_seeded_evaluation_repeats_exactly(chdir_tmp, cli, tiny_model_path):
    write_image(chdir_tmp / "test" / "a.png", (24, 20), "L")
    write_image(chdir_tmp / "test" / "b.png", (20, 28), "RGB", seed=3)
    base = [
        "denoise",
        "evaluate",
        "--model-path",
        tiny_model_path,
        "--data",
        "test",
        "--sigma",
        "25",
        "--baselines",
        "tv_chambolle,wavelet",
    ]
    reports = []
    # The first run puts the classical methods in worker processes (one per CPU), the others not.
    for seed, name, workers in ((0, "first", 2), (0, "second", 1), (1, "third", 1)):
        code, out, err = cli(
            [*base, "--noise-seed", seed, "--workers", workers, "--output", f"{name}.json", "--figure", f"{name}.png"]
        )
        assert code == 0, err
        report = json.loads((chdir_tmp / f"{name}.json").read_text())
        assert set(report.pop("seconds_per_image")) == {"tv_chambolle", "wavelet", "model"}  # timings vary
        reports.append(report)
    assert reports[0] == reports[1]  # the same seed: the same noise, outputs and scores, with or without workers
    assert reports[0]["images"] != reports[2]["images"]
    assert reports[0]["methods"] == ["noisy", "tv_chambolle", "wavelet", "model"]
    assert "gain_db_over_bm3d" not in reports[0] and reports[0]["best_scikit_image"] in ("tv_chambolle", "wavelet")
    assert (chdir_tmp / "first.png").read_bytes()[:8] == PNG_SIGNATURE


def test_evaluate_defaults_to_the_training_noise(chdir_tmp, cli, tiny_model_path):
    run = chdir_tmp / "run"
    run.mkdir()
    (run / "best.keras").write_bytes(pathlib.Path(tiny_model_path).read_bytes())
    write_record(run, noise="poisson:40")
    write_image(chdir_tmp / "test" / "a.png", (16, 16), "L")
    code, out, err = cli(["denoise", "evaluate", "--run-dir", "run", "--data", "test", "--baselines", "none"])
    assert code == 0, err
    report = json.loads((run / "evaluation.json").read_text())
    assert report["noise"] == "poisson:40" and report["methods"] == ["noisy", "model"]
    assert "Poisson, peak 40" in out


def test_level_scale_only_for_a_one_level_gaussian_model():
    g25 = NoiseModel.parse("gaussian:25")
    assert level_scale(g25, 50.0) == 0.5 and level_scale(g25, 12.5) == 2.0 and level_scale(g25, 25.0) == 1.0
    assert level_scale(NoiseModel.parse("gaussian:0-55"), 50.0) == 1.0  # a blind model takes every level as is
    assert level_scale(NoiseModel.parse("poisson:30"), 50.0) == 1.0
    assert level_scale(None, 50.0) == 1.0 and level_scale(g25, None) == 1.0


def test_level_scaling_is_undone_after_the_model():
    """An identity model returns the image unchanged at any scale; a shrinking one is shrunk in scaled units."""
    image = np.random.default_rng(0).uniform(0.1, 0.9, (12, 10, 1)).astype("float32")
    x = keras.Input((None, None, 1))
    identity = keras.Model(x, keras.layers.Identity()(x))
    for scale in (0.5, 1.0, 2.0):
        np.testing.assert_allclose(denoise_image(identity, image, tile=64, scale=scale), image, atol=1e-6)
    halve = keras.Model(x, keras.layers.Lambda(lambda t: 0.5 + (t - 0.5) * 0.5)(x))
    # Contrast around mid-gray is halved by the model whatever the scale: the scaling is linear and undone.
    np.testing.assert_allclose(denoise_image(halve, image, tile=64, scale=0.5), 0.5 + (image - 0.5) * 0.5, atol=1e-6)


def test_evaluate_scales_a_one_level_model_to_the_test_level(chdir_tmp, cli, tiny_model_path):
    run = chdir_tmp / "run"
    run.mkdir()
    (run / "best.keras").write_bytes(pathlib.Path(tiny_model_path).read_bytes())
    write_record(run, noise="gaussian:25")
    write_image(chdir_tmp / "test" / "a.png", (16, 16), "L")
    reports = {}
    for sigma in (25, 50):
        code, out, err = cli(
            [
                "denoise",
                "evaluate",
                "--run-dir",
                "run",
                "--data",
                "test",
                "--baselines",
                "none",
                "--sigma",
                sigma,
                "--output",
                f"s{sigma}.json",
            ]
        )
        assert code == 0, err
        reports[sigma] = json.loads((chdir_tmp / f"s{sigma}.json").read_text())
    assert reports[25]["model_trained_noise"] == reports[50]["model_trained_noise"] == "gaussian:25"
    assert reports[25]["model_level_scaling"] is False and reports[50]["model_level_scaling"] is True


def test_predict_sigma_needs_a_one_level_gaussian_model(chdir_tmp, cli, tiny_model_path):
    run = chdir_tmp / "run"
    run.mkdir()
    (run / "best.keras").write_bytes(pathlib.Path(tiny_model_path).read_bytes())
    write_image(chdir_tmp / "in.png", (16, 16), "L")
    write_record(run, noise="gaussian:0-55")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", "in.png", "--run-dir", "run", "--sigma", "50", "--output-dir", "out"],
        "--sigma",
        "blind",
    )
    write_record(run, noise="gaussian:25")
    code, out, err = cli(["denoise", "predict", "in.png", "--run-dir", "run", "--sigma", "50", "--output-dir", "out"])
    assert code == 0, err
    model = keras.saving.load_model(tiny_model_path, safe_mode=True)
    expected = denoise_image(model, load_image(chdir_tmp / "in.png"), scale=0.5)
    np.testing.assert_allclose(
        load_image(chdir_tmp / "out" / "in_denoised.png"), np.rint(expected * 255) / 255, atol=1.01 / 255
    )


# ---------------------------------------------------------------- predict and export


def test_predict_rgb_grayscale_and_16_bit(chdir_tmp, cli, tiny_model_path):
    inputs = chdir_tmp / "inputs"
    write_image(inputs / "photo.png", (10, 13), "RGB")
    write_image(inputs / "gray.jpg", (9, 7), "L")
    write_image(inputs / "deep" / "depth16.png", (8, 11), "I;16")
    code, out, err = cli(["denoise", "predict", inputs, "--model-path", tiny_model_path, "--output-dir", "out"])
    assert code == 0, err
    expected = {
        "photo_denoised.png": ((13, 10), "RGB"),
        "gray_denoised.png": ((7, 9), "L"),
        "depth16_denoised.png": ((11, 8), "L"),
    }
    assert files_under(chdir_tmp / "out") == set(expected)
    for name, (size, mode) in expected.items():
        with Image.open(chdir_tmp / "out" / name) as im:
            assert (im.size, im.mode) == (size, mode), name
    assert out.count(" -> ") == 3
    model = keras.saving.load_model(tiny_model_path, safe_mode=True)
    expected_pixels = denoise_image(model, load_image(inputs / "photo.png"))
    np.testing.assert_allclose(
        load_image(chdir_tmp / "out" / "photo_denoised.png"), np.rint(expected_pixels * 255) / 255, atol=1.01 / 255
    )


def test_tiled_prediction_equals_whole_image(tiny_unet_path):
    model = keras.saving.load_model(tiny_unet_path, safe_mode=True)
    image = np.random.default_rng(0).random((70, 45, 3), dtype=np.float32)
    whole = denoise_image(model, image, tile=512)
    tiled = denoise_image(model, image, tile=16, overlap=32)
    np.testing.assert_allclose(tiled, whole, atol=1e-4)  # float rounding of different tile shapes
    gray = denoise_image(model, image[..., :1], tile=32)  # a colour model on a gray image
    assert gray.shape == (70, 45, 1)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["dncnn", "unet"])
def test_export_signatures_and_tflite(chdir_tmp, cli, tiny_model_path, tiny_unet_path, which):
    path = tiny_model_path if which == "dncnn" else tiny_unet_path
    code, out, err = cli(["denoise", "export", "--model-path", path, "--export-dir", "models"])
    assert code == 0, err
    version = chdir_tmp / "models" / "denoising" / "1"
    meta = json.loads((version / "metadata.json").read_text())
    diffs = meta["parity"]["max_abs_diff"]
    assert diffs["serving_float"] <= 1e-4 and diffs["tflite"] <= 1e-4 and diffs["serving_default"] <= 1
    model = keras.saving.load_model(path, safe_mode=True)
    channels = model.input_shape[-1]
    loaded = tf.saved_model.load(str(version))

    x = np.random.default_rng(2).random((2, 13, 17, channels), dtype=np.float32)
    expected = model(x).numpy()
    assert np.abs(expected - x).max() > 1e-3  # a random model: parity is not trivial
    served = loaded.signatures["serving_float"](noisy=tf.constant(x))["output"].numpy()
    np.testing.assert_allclose(served, expected, atol=1e-4, rtol=0)
    np.testing.assert_allclose(run_tflite(version / "model.tflite", x), expected, atol=1e-4, rtol=0)

    # Encoded bytes in, PNG out: gray stays gray, colour stays colour, pixels as `predict` writes them.
    rgb = np.random.default_rng(3).integers(0, 256, (11, 14, 3), dtype=np.uint8)
    gray = np.random.default_rng(4).integers(0, 256, (9, 8, 1), dtype=np.uint8)
    out = loaded.signatures["serving_default"](image_bytes=tf.constant([png_bytes(rgb), png_bytes(gray)]))[
        "image_png"
    ].numpy()
    first, second = (tf.io.decode_png(o).numpy() for o in out)
    assert first.shape == (11, 14, 3) and second.shape == (9, 8, 1)
    expected_rgb = np.rint(denoise_image(model, rgb / np.float32(255)) * 255)
    assert np.abs(first.astype(float) - expected_rgb).max() <= 1
    with pytest.raises(tf.errors.InvalidArgumentError):
        loaded.signatures["serving_default"](image_bytes=tf.constant([b"definitely not an image"]))


def test_apps_script_help():
    result = subprocess.run(
        [sys.executable, str(REPO / "apps" / "denoise.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: apps/denoise.py")
    for command in ("train", "evaluate", "predict", "export", "run"):
        assert command in result.stdout


def test_both_app_names(cli):
    for name in ("denoise", "denoising"):
        code, out, _ = cli([name, "--help"])
        assert code == 0 and "evaluate" in out


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
    return ["denoise", "run", *TINY, "--export-dir", "models"]


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
    write_image(folder / "small.png", (12, 20), "RGB")
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder], "small.png is 20x12", "16x16 training patch")


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["--sigma", "300"], ["--sigma", "Gaussian noise sigma (0-255 scale) must be in [0, 255]; got 300"]),
        (["--sigma", "-3"], ["--sigma", "cannot read the noise level '-3'"]),
        (["--sigma", "0"], ["--sigma", "must be above 0"]),
        (["--noise", "gaussian:60-10"], ["--noise", "noise range 60-10 is reversed"]),
        (["--noise", "speckle:2"], ["--noise", "unknown noise 'speckle'"]),
        (["--noise", "poisson:0"], ["--noise", "Poisson noise peak"]),
        (["--sigma", "25", "--noise", "poisson:5"], ["not allowed with argument"]),
        (["--baselines", "median"], ["--baselines", "unknown method median"]),
        (["--epochs", "0"], ["--epochs must be at least 1; got 0"]),
        (["--filters", "0"], ["--filters", "must be a positive integer"]),
        (["--channels", "2"], ["--channels", "invalid choice"]),
        (["--model", "ffdnet"], ["--model", "unknown model 'ffdnet'"]),
        (["--learning-rate", "-1"], ["--learning-rate must be positive"]),
        (["--model", "dncnn", "--depth", "1"], ["--model dncnn: depth must be an int >= 2; Received: depth=1"]),
    ],
    ids=lambda v: "_".join(v) if isinstance(v, list) else None,
)
def test_bad_flags(chdir_tmp, cli, run_argv, extra, fragments):
    folder = training_folder(chdir_tmp)
    check_rejected(cli, chdir_tmp, [*run_argv, "--data", folder, *extra], *fragments)


def test_sigma_out_of_range_for_evaluate(chdir_tmp, cli, tiny_model_path):
    write_image(chdir_tmp / "test" / "a.png", (16, 16), "L")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "evaluate", "--model-path", tiny_model_path, "--data", "test", "--sigma", "256"],
        "must be in [0, 255]; got 256",
    )


def test_unknown_command(chdir_tmp, cli):
    check_rejected(cli, chdir_tmp, ["denoise", "fly"], "invalid choice: 'fly'")


def test_predict_unwritable_output_folder(chdir_tmp, cli, tiny_model_path):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    (chdir_tmp / "blocker").write_text("a regular file")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", image, "--model-path", tiny_model_path, "--output-dir", "blocker/out"],
        "cannot write to folder",
        "blocker",
    )


def test_predict_missing_and_broken_model(chdir_tmp, cli):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", image, "--model-path", "nothing.keras", "--output-dir", "out"],
        "no trained model at nothing.keras",
    )
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", image, "--output-dir", "out"],
        "no trained model at runs/denoising/best.keras",
    )
    (chdir_tmp / "broken.keras").write_bytes(b"PK\x03\x04 not really a zip")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", image, "--model-path", "broken.keras", "--output-dir", "out"],
        "cannot load model broken.keras",
    )


def test_predict_with_a_model_that_is_not_a_denoiser(chdir_tmp, cli):
    image = write_image(chdir_tmp / "in.png", (6, 6), "RGB")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(chdir_tmp / "dense.keras")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", image, "--model-path", "dense.keras", "--output-dir", "out"],
        "dense.keras is not a denoising model",
    )


def test_predict_bad_inputs_write_nothing(chdir_tmp, cli, tiny_model_path):
    good = write_image(chdir_tmp / "in" / "a_good.png", (6, 6), "RGB")
    (chdir_tmp / "in" / "b_bad.png").write_bytes(good.read_bytes()[:40])
    base = ["denoise", "predict", "--model-path", tiny_model_path, "--output-dir", "out"]
    check_rejected(cli, chdir_tmp, [*base, chdir_tmp / "in"], "b_bad.png")  # a_good.png is not written either
    check_rejected(cli, chdir_tmp, [*base, "missing.png"], "no such file or folder: missing.png")


def test_predict_image_too_small_for_the_model(chdir_tmp, cli, tiny_unet_path):
    write_image(chdir_tmp / "in" / "ok.png", (8, 8), "RGB")
    write_image(chdir_tmp / "in" / "tiny.png", (3, 5), "RGB")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "predict", chdir_tmp / "in", "--model-path", tiny_unet_path, "--output-dir", "out"],
        "tiny.png is 5x3, smaller than the 4x4 this model needs",
    )


def test_evaluate_image_too_small(chdir_tmp, cli, tiny_model_path):
    write_image(chdir_tmp / "small" / "s.png", (10, 30), "RGB")
    check_rejected(
        cli,
        chdir_tmp,
        ["denoise", "evaluate", "--model-path", tiny_model_path, "--data", "small"],
        "s.png is too small: 30x10 (needs at least 11x11)",
    )


def test_evaluate_and_export_missing_model(chdir_tmp, cli):
    check_rejected(
        cli, chdir_tmp, ["denoise", "evaluate", "--run-dir", "nowhere"], "no trained model at nowhere/best.keras"
    )
    check_rejected(
        cli, chdir_tmp, ["denoise", "export", "--model-path", "gone.keras"], "no trained model at gone.keras"
    )


def test_rejected_run_creates_no_folders(chdir_tmp, cli, run_argv):
    code, _, _ = cli([*run_argv, "--data", "no_such_folder"])
    assert code == 2
    assert list(chdir_tmp.iterdir()) == []


@pytest.mark.slow
def test_sigma_out_of_range_in_a_real_process(tmp_path):
    # Native TensorFlow logging writes straight to file descriptor 2: only a real process shows it.
    result = subprocess.run(
        [sys.executable, str(REPO / "apps" / "denoise.py"), "train", "--sigma", "300"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "KERASDL_CACHE": str(tmp_path / "cache")},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: argument --sigma: Gaussian noise sigma (0-255 scale) must be in [0, 255]; got 300 (see: apps/denoise.py train --help)"
    ], result.stderr
    assert files_under(tmp_path) == set()
