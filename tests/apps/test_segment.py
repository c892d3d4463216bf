"""The segmentation app: what the shared harness does not cover.

The harness (``tests/apps/cases/segment.py``) drives a tiny U-Net through train, evaluate, predict,
export, ``kerasdl.load``, the command line and bad data. Here: the training crops, tiled inference
against whole-image inference, class names kept by the run, the mask and overlay files, the served
PNG mask of an image larger than a tile, the COCO layout with separate validation data, PASCAL VOC's
void pixels (255) in the loss, the metric and a whole run, and the one-line errors of the app's own
arguments.
"""

import json

import numpy as np
import pytest
from PIL import Image

from kerasdl.apps.segment import Segmentation
from kerasdl.apps.segment.patches import random_crop, training_dataset
from kerasdl.apps.segment.serving import segment_image
from kerasdl.apps.segment.task import _headline, _report, _table, loss_and_metrics
from kerasdl.errors import UserInputError
from tests.app_testing import assert_rejected
from tests.apps.cases.segment import TINY, digit_scenes, scene_folder
from tests.helpers import quiet_cli

NAMES = ["background", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SMALL = {"depth": 2, "filters": 4}


# ---------------------------------------------------------------- pieces, no training


def test_crops_pad_small_images_with_background_and_cut_large_ones():
    rng = np.random.default_rng(0)
    image = rng.random((5, 6, 1), dtype=np.float32) + 0.5  # no pixel is 0
    mask = np.full((5, 6), 3, np.int32)
    crop, classes = random_crop(image, mask, patch_size=8, rng=rng)
    assert crop.shape == (8, 8, 1) and classes.shape == (8, 8) and classes.dtype == np.int32
    assert (classes == 3).sum() == 30 and (classes == 0).sum() == 34  # the image, then background around it
    assert np.array_equal(crop[..., 0] > 0, classes == 3)  # black where background
    big = rng.random((20, 30, 3), dtype=np.float32)
    labels = np.arange(600, dtype=np.int32).reshape(20, 30)
    crop, classes = random_crop(big, labels, patch_size=8, rng=rng)
    top, left = divmod(int(classes[0, 0]), 30)
    np.testing.assert_array_equal(classes, labels[top : top + 8, left : left + 8])
    np.testing.assert_array_equal(crop, big[top : top + 8, left : left + 8])
    x, y = next(iter(training_dataset([big], [labels], patch_size=8, batch_size=3)))
    assert x.shape == (3, 8, 8, 3) and y.shape == (3, 8, 8) and y.dtype.name == "int32"


def test_crops_keep_void_pixels():
    mask = np.full((5, 6), 255, np.int32)
    mask[1:4, 1:5] = 2
    _, classes = random_crop(np.ones((5, 6, 1), np.float32), mask, patch_size=8, rng=np.random.default_rng(0))
    assert (classes == 255).sum() == 30 - 12 and (classes == 2).sum() == 12 and (classes == 0).sum() == 64 - 30


def test_void_pixels_count_in_neither_the_loss_nor_the_mean_iou():
    import keras

    truth = np.array([[[0, 1], [2, 255]]], np.int32)  # one 2x2 mask, its last pixel void
    probabilities = np.array([[[[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]], [[0.2, 0.2, 0.6], [0.05, 0.05, 0.9]]]], np.float32)
    loss, (mean_iou,) = loss_and_metrics(3)
    # the mean over the three labelled pixels; were the void one background, -log(0.05) would join it
    assert float(loss(truth, probabilities)) == pytest.approx(-np.mean(np.log([0.7, 0.8, 0.6])), rel=1e-5)
    assert float(loss(np.where(truth == 255, 0, truth), probabilities)) > 1.0
    mean_iou.update_state(truth, probabilities)
    assert float(mean_iou.result()) == pytest.approx(1.0)  # every labelled pixel right; the void one is "2"
    restored = keras.losses.deserialize(keras.losses.serialize(loss))  # as a checkpoint reloads it
    assert float(restored(truth, probabilities)) == pytest.approx(float(loss(truth, probabilities)))


def test_tiled_segmentation_equals_the_whole_image():
    from kerasdl.registry import get_model

    model = get_model(
        "unet", input_shape=(None, None, 1), classes=4, output_activation="softmax", depth=2, filters=4, batch_norm=True
    )
    image = np.random.default_rng(0).random((50, 70, 1), dtype=np.float32)
    whole = segment_image(model, image, tile=256)
    assert whole.shape == (50, 70) and whole.dtype == np.int32 and 0 <= whole.min() <= whole.max() < 4
    assert len(np.unique(whole)) > 1  # not a constant map: the comparison below can fail
    np.testing.assert_array_equal(segment_image(model, image, tile=16), whole)
    gray_rgb = np.repeat(image, 3, axis=-1)  # read as gray, as the served signature reads it
    np.testing.assert_array_equal(segment_image(model, gray_rgb, tile=16), whole)


def test_report_headline_and_table():
    confusion = {"model": np.array([[6, 0], [1, 3]]), "classical": np.array([[5, 1], [1, 3]])}
    report = _report(confusion, ["background", "digit"], dataset="scenes", images=1)
    report.update(model="unet", baseline={"name": "Otsu"})
    assert report["methods"]["model"]["iou"] == {"background": 0.8571, "digit": 0.75}
    assert report["methods"]["classical"]["pixel_accuracy"] == 0.8 and report["pixels_scored"] == 10
    assert report["mean_iou_gain_over_classical"] == round((6 / 7 + 3 / 4) / 2 - (5 / 7 + 3 / 5) / 2, 4) == 0.1464
    assert _headline(report) == "mean IoU 0.804 vs classical 0.657 (+0.146)"
    table = _table(report)
    assert (
        "digit" in table
        and "0.7500" in table
        and "mean IoU" in table
        and table.count("\n") == 8
        and table.endswith(_headline(report))
    )


def test_argument_errors(tmp_path):
    task = Segmentation(run_dir=tmp_path / "run")
    with pytest.raises(UserInputError, match="not both"):
        task.train(tmp_path, dataset="digits")
    with pytest.raises(UserInputError, match="only for --dataset mnist"):
        task.train(dataset_file=tmp_path / "mnist.npz")
    folder = scene_folder(tmp_path)
    other = scene_folder(tmp_path, name="other")
    (other / "classes.txt").write_text("\n".join(NAMES) + "\n")
    with pytest.raises(UserInputError, match=r"--val-data .*other names the classes \['background', 'zero'"):
        task.train(folder, val_data=other, **TINY)
    with pytest.raises(UserInputError, match="--patch-size 2 is too small"):
        Segmentation(model_options={"depth": 3}, run_dir=tmp_path / "run").train(folder, **{**TINY, "patch_size": 2})
    assert not (tmp_path / "run").exists()


def test_cli_dataset_errors(chdir_tmp, cli):
    assert_rejected(cli, chdir_tmp, ["segment", "train", "--dataset-file", "mnist.npz"], "only for --dataset mnist")
    assert_rejected(
        cli, chdir_tmp, ["segment", "train", "--dataset", "mnist", "--dataset-file", "nowhere.npz"], "nowhere.npz"
    )
    assert_rejected(cli, chdir_tmp, ["segment", "train", "--dataset", "cifar"], "invalid choice: 'cifar'")
    assert_rejected(cli, chdir_tmp, ["segment", "train", "--data", "x", "--dataset", "digits"], "not allowed with")


# ---------------------------------------------------------------- one tiny run on a folder with named classes


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("segment")
    folder = scene_folder(root)
    (folder / "classes.txt").write_text("\n".join(NAMES) + "\n")
    task = Segmentation(model_options=SMALL, run_dir=root / "run")
    with quiet_cli():
        task.train(folder, **TINY)
    return task, root, folder


@pytest.mark.slow
def test_class_names_survive_the_run(run):
    task, root, folder = run
    assert task.class_names == NAMES and task.model.output_shape[-1] == len(NAMES)
    again = Segmentation.from_run(task.run_dir)
    assert again.class_names == NAMES and again.channels == 1 and again.state["patch_size"] == 16
    assert json.loads((task.run_dir / "task.json").read_text())["state"]["class_names"] == NAMES
    with pytest.raises(UserInputError, match="names the classes"):
        again.evaluate(scene_folder(root, name="numbered"))  # classes.txt says "0", "1"...: another labelling


@pytest.mark.slow
def test_predict_writes_masks_of_class_indices_and_overlays(run, tmp_path):
    task, root, folder = run
    files = sorted((folder / "images").glob("*.png"))[:2]
    masks = task.predict(files)
    written = task.predict(files, output_dir=tmp_path / "out")
    assert written.inputs == masks.inputs == [str(f) for f in files]
    for mask, paths, file in zip(masks, written, files):
        assert paths["mask"] == tmp_path / "out" / f"{file.stem}_mask.png"
        with Image.open(paths["mask"]) as png:
            assert png.mode == "L"
            np.testing.assert_array_equal(np.asarray(png), mask)
        with Image.open(paths["overlay"]) as png:
            assert png.mode == "RGB" and png.size == (mask.shape[1], mask.shape[0])
        assert mask.max() < len(NAMES)


@pytest.mark.slow
def test_served_mask_of_a_large_image_equals_predict(run, tmp_path):
    import kerasdl

    task, root, folder = run
    rng = np.random.default_rng(3)
    large = np.clip(np.kron(rng.random((9, 12)), np.ones((8, 8))) + rng.normal(0, 0.1, (72, 96)), 0, 1)
    path = tmp_path / "large.png"
    Image.fromarray(np.rint(large * 255).astype(np.uint8)).save(path)
    tiled = task.predict([path], tile=32)[0]  # three by two tiles
    with quiet_cli():
        exported = task.export(tmp_path / "models", tflite=False)
    metadata = json.loads((exported.path / "metadata.json").read_text())
    assert metadata["class_names"] == NAMES and metadata["app"] == "segment"
    served = kerasdl.load(exported.path)([path])[0]
    assert served.shape == (72, 96) and served.dtype == np.int32
    np.testing.assert_array_equal(served, tiled)


@pytest.mark.slow
def test_a_run_on_masks_with_void_borders_scores_only_labelled_pixels(tmp_path):
    from scipy.ndimage import binary_dilation

    folder = scene_folder(tmp_path)
    void = 0
    for path in sorted((folder / "masks").glob("*.png")):
        with Image.open(path) as png:
            mask = np.asarray(png).copy()
        border = binary_dilation(mask > 0) & (mask == 0)  # VOC's void ring around each object
        mask[border] = 255
        void += int(border.sum())
        Image.fromarray(mask).save(path)
    task = Segmentation(model_options=SMALL, run_dir=tmp_path / "run")
    with quiet_cli():
        task.train(folder, **TINY)
        evaluation = task.evaluate(folder, baseline="logistic")  # all ten scenes
    assert task.class_names == ["background", *"0123456789"]  # 255 is no class
    assert void > 0 and evaluation.metrics["images_scored"] == 10
    assert evaluation.metrics["pixels_scored"] == 10 * 32 * 32 - void
    assert "void" in evaluation.metrics["protocol"] and (tmp_path / "run" / "segmentation.png").is_file()


@pytest.mark.slow
def test_coco_annotations_train_and_validation_data_is_the_test_data(tmp_path):
    from kerasdl.data.digit_scenes import write_coco

    annotations = write_coco(digit_scenes(8, 32, seed=1), tmp_path / "coco")
    val = scene_folder(tmp_path, name="val", count=3)
    task = Segmentation(model_options=SMALL, run_dir=tmp_path / "run")
    with quiet_cli():
        trained = task.train(annotations, val_data=val, **TINY)
        evaluation = task.evaluate(baseline="logistic")
    assert task.class_names == ["background", *"0123456789"] and trained.epochs_run == 1
    assert evaluation.metrics["images_scored"] == 3 and str(val) in evaluation.metrics["dataset"]
    assert evaluation.headline.startswith("mean IoU") and "vs classical" in evaluation.headline
    summary = json.loads((tmp_path / "run" / "train_summary.json").read_text())
    assert summary["train_images"] == 8 and summary["val_images"] == 3 and summary["test_images"] is None
