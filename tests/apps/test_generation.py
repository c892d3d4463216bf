"""The generation app beyond the shared harness: unlabelled folders, GANs, sample, resume, served signatures, bad input."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerasdl.apps import Generation
from kerasdl.apps.generation.generating import noise_from_seeds, parse_requests
from kerasdl.data.generation import load_generation_data
from kerasdl.errors import UserInputError
from tests.app_testing import assert_rejected
from tests.apps.cases.classification import class_folder
from tests.helpers import quiet_cli, write_image

TINY = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "verbose": 0}


def flat_folder(root, count=20, size=(12, 12)):
    folder = root / "photos"
    for i in range(count):
        write_image(folder / f"p{i}.png", size, "L", seed=i)
    return folder


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    """A tiny DCGAN trained on a folder of unlabelled images, then exported."""
    root = tmp_path_factory.mktemp("gan")
    with quiet_cli():
        task = Generation("dcgan", image_size=8, model_options={"latent_dim": 4, "filters": (8,)}, run_dir=root / "run")
        report = task.train(flat_folder(root), **TINY)
        exported = task.export(root / "models", tflite=False)
    return {"root": root, "task": task, "train": report, "export": exported}


def test_unlabelled_folder_trains_a_gan(gan_run):
    report, task = gan_run["train"], gan_run["task"]
    assert set(report.history) == {"epoch", "d_loss", "g_loss"}  # no validation columns for a GAN
    assert report.files["learning curves"].is_file()
    assert task.state["class_names"] == ["images"]
    images = task.predict([0, "1", 0])
    assert [i.shape for i in images] == [(8, 8, 1)] * 3 and images[0].dtype == np.uint8
    assert np.array_equal(images[0], images[2]) and not np.array_equal(images[0], images[1])


def test_unlabelled_data_is_scored_in_pixel_pca_space(gan_run):
    report = gan_run["task"].evaluate(samples=2, judge_steps=1)  # 2 of the folder's 20 images are the test part
    assert report.metrics["features"].startswith("PCA coefficients")
    assert "label_accuracy" not in report.metrics["model"] and report.metrics["model"]["frechet_distance"] > 0
    assert report.files["samples figure"].is_file()


def test_gan_run_resumes_after_a_crash(tmp_path, monkeypatch):
    import importlib

    fit_module = importlib.import_module("kerasdl.training.fit")
    from tests.training.test_fit import CrashAtEpochEnd, Interrupt

    options = {"image_size": 8, "model_options": {"latent_dim": 4, "filters": (8,)}, "run_dir": tmp_path / "run"}
    data = flat_folder(tmp_path)
    standard = fit_module.standard_callbacks
    with quiet_cli():
        monkeypatch.setattr(fit_module, "standard_callbacks", lambda *a, **k: standard(*a, **k) + [CrashAtEpochEnd(0)])
        with pytest.raises(Interrupt):
            Generation("dcgan", **options).train(data, **{**TINY, "epochs": 3})
        monkeypatch.setattr(fit_module, "standard_callbacks", standard)
        again = Generation("dcgan", **options).train(data, **{**TINY, "epochs": 3})
    assert again.resumed and again.history["epoch"] == [0, 1, 2]
    model = again.files["best model"]
    assert model.is_file()  # the last epoch's model: a GAN's losses do not rank epochs
    from kerasdl.saving import load_model

    network = load_model(model)
    assert int(network.d_optimizer.iterations) == int(network.g_optimizer.iterations) == 3 * TINY["steps_per_epoch"]


def test_sample_writes_the_figures(gan_run, tmp_path):
    report = gan_run["task"].sample(columns=3, rows=2, steps=4, output_dir=tmp_path / "figures")
    assert set(report.files) == {"samples", "interpolation"}  # a latent map only for a 2-D VAE
    assert all(path.is_file() for path in report.files.values())
    with pytest.raises(UserInputError, match="--steps must be an integer of at least 2"):
        gan_run["task"].sample(steps=1)


def test_served_signatures(gan_run):
    loaded = tf.saved_model.load(str(gan_run["export"].path))
    seeds = tf.constant([3, 4], tf.int64)
    by_seed = loaded.signatures["serving_default"](seed=seeds)["image_png"]
    noise = noise_from_seeds(seeds, 4)
    by_noise = loaded.signatures["serving_noise"](noise=noise)["image_png"]
    assert by_seed.numpy().tolist() == by_noise.numpy().tolist()  # the seed's noise is the documented one
    with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError)):
        loaded.signatures["serving_noise"](noise=tf.zeros([1, 5]))  # a latent of the wrong size
    meta = json.loads((gan_run["export"].path / "metadata.json").read_text())
    assert meta["latent_dim"] == 4 and meta["image_shape"] == [8, 8, 1] and meta["class_names"] is None


def check_quantized_variants(exported, variants):
    """The metric in every variant and beside Keras; the float file draws Keras' images, so its distance is Keras'."""
    litert = exported.metadata["litert"]
    assert litert["metric"] == "frechet_distance" and litert["higher_is_better"] is False and litert["unit"] == "FD"
    keras_distance = litert["keras"]["frechet_distance"]
    assert keras_distance >= 0
    assert set(litert["variants"]) == {"none", *variants}
    for entry in litert["variants"].values():
        assert (exported.path / entry["file"]).is_file()
        assert entry["frechet_distance"] >= 0
        # lower is better: the loss is how much a variant raised the distance
        assert entry["loss"] == pytest.approx(entry["frechet_distance"] - keras_distance, abs=1e-3)
    assert litert["variants"]["none"]["frechet_distance"] == pytest.approx(keras_distance, rel=1e-3, abs=1e-4)
    return litert


def test_quantized_gan_is_scored_by_its_frechet_distance(gan_run, tmp_path):
    task = gan_run["task"]
    with quiet_cli():
        exported = task.export(tmp_path / "models", quantize="dynamic,int8", max_loss=float("inf"))
    litert = check_quantized_variants(exported, ["dynamic", "int8"])
    assert "PCA coefficients" in litert["data"]  # unlabelled images: no classifier to judge with
    assert "2 samples" in litert["data"]  # as many as the test part's images
    assert isinstance(litert["variants"]["int8"]["float_ops"], list)
    # the Keras value is evaluate's Frechet distance: the same seeded noise, the same judge
    report = task.evaluate(samples=500, nll_samples=0, baseline=False, output=tmp_path / "evaluation.json")
    assert report.metrics["model"]["frechet_distance"] == pytest.approx(litert["keras"]["frechet_distance"], rel=1e-3)


def test_quantized_conditional_vae_is_scored_by_its_judge(cvae_run, tmp_path):
    # int8 is left out: the class index rides in the noise tensor's last column, whose int8 range
    # the converter takes from the noise (about +-3), so classes above 3 are clipped (see the app).
    task = cvae_run["task"]
    with quiet_cli():
        exported = task.export(tmp_path / "models", quantize="dynamic,float16", max_loss=float("inf"))
    litert = check_quantized_variants(exported, ["dynamic", "float16"])
    assert "LeNet-5" in litert["data"] and "balanced classes" in litert["data"]
    assert (task.run_dir / "judge.keras").is_file()  # trained for the export, kept for evaluate
    with pytest.raises(UserInputError, match="int8: a conditional generator takes its class index"):
        task.export(tmp_path / "refused", quantize="int8")
    assert not list((tmp_path / "refused" / "generation").iterdir())  # nothing written


def test_conditional_model_needs_labels(tmp_path):
    with pytest.raises(UserInputError, match="conditional: it needs labelled images"):
        Generation("cgan", run_dir=tmp_path / "run").train(flat_folder(tmp_path), **TINY)
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def cvae_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cvae")
    with quiet_cli():
        task = Generation("cvae", image_size=8, model_options={"latent_dim": 2, "filters": (4,)}, run_dir=root / "run")
        task.train(class_folder(root), **TINY)
        exported = task.export(root / "models", tflite=False)
    return {"root": root, "task": task, "export": exported}


def test_conditional_requests(cvae_run):
    task = cvae_run["task"]
    with pytest.raises(UserInputError, match="give label:seed"):
        task.predict([1, 2])
    with pytest.raises(UserInputError, match="unknown label 'triangle'; the classes are circle, square"):
        task.predict(["triangle:1"])
    loaded = tf.saved_model.load(str(cvae_run["export"].path))
    with pytest.raises(tf.errors.InvalidArgumentError, match="unknown label"):
        loaded.signatures["serving_default"](seed=tf.constant([1], tf.int64), label=tf.constant(["triangle"]))


def test_evaluate_rejects_images_of_another_size(cvae_run, tmp_path):
    with pytest.raises(UserInputError, match=r"draws 8x8x3 images but .* has \(12, 12, 3\)"):
        folder = class_folder(tmp_path)
        cvae_run["task"].image_size = None  # as a user's other folder would be read: at its own size
        try:
            cvae_run["task"].evaluate(folder, samples=2, nll_samples=1, judge_steps=1)
        finally:
            cvae_run["task"].image_size = 8


def test_cli_sample_and_bad_requests(cvae_run, chdir_tmp, cli):
    run_dir = cvae_run["task"].run_dir
    code, out, err = cli(["generate", "sample", "--run-dir", run_dir, "--output-dir", "figures", "--columns", "2"])
    assert code == 0, err
    assert (chdir_tmp / "figures" / "samples.png").is_file() and "Samples drawn" in out
    assert_rejected(cli, chdir_tmp, ["generate", "predict", "circle:x", "--run-dir", run_dir], "circle:x")
    assert_rejected(cli, chdir_tmp, ["generate", "predict", "7", "--run-dir", run_dir], "give label:seed")
    assert_rejected(cli, chdir_tmp, ["generate", "sample", "--rows", "0", "--run-dir", run_dir], "--rows")


def test_parse_requests():
    assert parse_requests([1, "2"]) == ([1, 2], None, ["1", "2"])
    assert parse_requests("7:0") == ([0], ["7"], ["7:0"])
    assert parse_requests(["a:b:3"]) == ([3], ["a:b"], ["a:b:3"])  # a label may hold a colon
    for bad, message in ((["1", "7:2"], "every input"), ([-1], r"\[0, 2\*\*31\)"), ([], "no inputs")):
        with pytest.raises(UserInputError, match=message):
            parse_requests(bad)


def test_data_sources(tmp_path):
    digits = load_generation_data()
    assert digits.image_shape == (8, 8, 1) and digits.labelled and 0 <= digits.train.min() < digits.train.max() <= 1
    assert len(digits.train) + len(digits.val) + len(digits.test) == 1797
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (30, 12, 12), np.uint8),
        "y_train": np.arange(30) % 3,
        "x_test": rng.integers(0, 256, (6, 12, 12), np.uint8),
        "y_test": np.arange(6) % 3,
    }
    np.savez(tmp_path / "set.npz", **arrays)
    found = load_generation_data(dataset_file=tmp_path / "set.npz")
    assert found.class_names == ["0", "1", "2"] and len(found.test) == 6  # its own test set, kept whole
    np.testing.assert_allclose(found.test[..., 0], arrays["x_test"] / 255.0, rtol=1e-6)
    np.savez(tmp_path / "bad.npz", x_train=arrays["x_train"])
    with pytest.raises(UserInputError, match="lacks the arrays y_train, x_test, y_test"):
        load_generation_data(dataset_file=tmp_path / "bad.npz")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UserInputError, match="not a readable .npz"):
        load_generation_data(dataset_file=tmp_path / "broken.npz")
    with pytest.raises(UserInputError, match="give one of data, dataset and dataset_file"):
        load_generation_data(dataset="digits", dataset_file=tmp_path / "set.npz")
