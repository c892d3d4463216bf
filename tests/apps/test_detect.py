"""The detection app: what the shared harness does not cover.

The harness (``tests/apps/cases/detect.py``) drives a tiny YOLO through train, evaluate, predict,
export, ``kerasdl.load``, the command line and bad data, on a Pascal VOC folder. Here: the
letterbox rule, the YOLO layout with class names of its own kept by the run, the boxes PNG and
``detections.json`` of ``predict``, the served boxes against ``predict``'s where there are
detections to compare, and the one-line errors of the app's own arguments.
"""

import dataclasses
import json

import numpy as np
import pytest

from kerasdl.apps.detect import Detection
from kerasdl.apps.detect.serving import prepare, prepare_array, restore_boxes
from kerasdl.apps.detect.task import EVALUATION_CONFIDENCE, _headline
from kerasdl.data.detection import load_yolo_txt, write_yolo_txt
from kerasdl.errors import UserInputError
from tests.app_testing import assert_rejected
from tests.apps.cases.detect import TINY, TINY_FLAGS, assert_detections_close, yolo_folder
from tests.apps.cases.images import image_inputs
from tests.helpers import quiet_cli

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
LOW = 0.005  # a confidence a barely trained model's detections pass: the comparisons have boxes to compare


# ---------------------------------------------------------------- pieces, no training


def test_letterbox_resizes_the_longer_side_pads_black_and_maps_boxes_back():
    image = np.random.default_rng(0).random((20, 40, 1), dtype=np.float32) + 0.5  # no pixel is 0
    prepared, scale = prepare(image, size=32, channels=1)
    prepared = prepared.numpy()
    assert prepared.shape == (32, 32, 1) and float(scale) == pytest.approx(0.8)
    assert (prepared[:16, :32] > 0.4).all() and not prepared[16:].any()  # 16 rows of image, black below
    boxes = np.array([[4.0, 2.0, 20.0, 10.0], [0.0, 0.0, 40.0, 20.0]], np.float32)
    back = restore_boxes(boxes * 0.8, scale, 20, 40).numpy()
    np.testing.assert_allclose(back, boxes, atol=1e-4)
    np.testing.assert_allclose(restore_boxes([[0.0, 0.0, 32.0, 32.0]], scale, 20, 40), [[0, 0, 40, 20]])  # clipped
    rgb = np.repeat(image[:16, :16], 3, axis=-1)  # gray in three equal channels: read as gray
    same, twice = prepare_array(rgb, size=32, channels=1)
    assert twice == 2.0 and same.shape == (32, 32, 1)
    np.testing.assert_allclose(same, prepare(image[:16, :16], size=32, channels=1)[0].numpy(), atol=1e-6)
    scene = np.random.default_rng(1).random((64, 64, 1), dtype=np.float32)
    np.testing.assert_array_equal(prepare(scene, size=64, channels=1)[0].numpy(), scene)  # the default scenes: as is


def test_headline_and_bad_arguments_before_training(tmp_path):
    report = {
        "methods": {"model": {"map_50": 0.912}, "classical": {"map_50": 0.42}},
        "map_50_gain_over_classical": 0.492,
    }
    assert _headline(report) == "mAP@.5 0.91 vs classical 0.42 (+0.49)"
    task = Detection(run_dir=tmp_path / "run")
    for image_size in (48, 16, 2048, True):
        with pytest.raises(UserInputError, match="--image-size must be a multiple of 32"):
            task.train(
                yolo_folder(tmp_path), image_size=image_size, **{k: v for k, v in TINY.items() if k != "image_size"}
            )
    with pytest.raises(UserInputError, match="--model yolo: size"):
        Detection(model_options={"size": "xl"}, run_dir=tmp_path / "run").train(yolo_folder(tmp_path), **TINY)
    assert not (tmp_path / "run").exists()


def test_bad_flags_are_one_line(cli, chdir_tmp, tmp_path):
    data = yolo_folder(tmp_path)
    assert_rejected(cli, chdir_tmp, ["detect", "train", "--data", data, *TINY_FLAGS, "--size", "xl"], "--size")
    argv = ["detect", "train", "--data", data, "--epochs", "1", "--image-size", "40"]
    assert_rejected(cli, chdir_tmp, argv, "--image-size must be a multiple of 32 from 32 to 1280; got 40")
    argv = ["detect", "predict", "x.png", "--confidence", "2"]
    assert_rejected(cli, chdir_tmp, argv, "--confidence")


# ---------------------------------------------------------------- a tiny run on the YOLO layout


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("detect")
    data = yolo_folder(root)
    (data / "classes.txt").write_text("\n".join(NAMES) + "\n")
    task = Detection(run_dir=root / "run")
    with quiet_cli():
        task.train(data, **TINY)
    return task, root


@pytest.mark.slow
def test_yolo_layout_trains_and_class_names_survive_from_run(trained):
    task, _ = trained
    assert task.class_names == NAMES and task.image_size == 32 and task.channels == 1
    again = Detection.from_run(task.run_dir)
    assert again.class_names == NAMES and again.image_size == 32
    assert again.network.output_shape == (None, 16 + 4 + 1, 64 + len(NAMES))


@pytest.mark.slow
def test_predict_writes_boxes_png_and_json(trained):
    task, root = trained
    inputs = image_inputs(root)  # 24x20 RGB and 16x18 gray: letterboxed, boxes mapped back
    found = task.predict(inputs, output_dir=root / "predicted", confidence=LOW)
    assert len(found) == 2 and sum(len(f["scores"]) for f in found) > 0
    record = json.loads((root / "predicted" / "detections.json").read_text())
    assert record["class_names"] == NAMES and list(record["images"]) == [str(i) for i in inputs]
    for item, result, (width, height) in zip(inputs, found, ((24, 20), (16, 18))):
        boxes = result["boxes"]
        assert boxes.shape == (len(result["scores"]), 4) and boxes.dtype == np.float32
        assert (boxes >= 0).all() and (boxes[:, [0, 2]] <= width).all() and (boxes[:, [1, 3]] <= height).all()
        assert (np.diff(result["scores"]) <= 0).all() and (result["scores"] > LOW).all()  # best first
        assert result["class_names"] == [NAMES[k] for k in result["labels"]]
        assert result["figure"] == root / "predicted" / f"{item.stem}_boxes.png" and result["figure"].is_file()
        entry = record["images"][str(item)]
        np.testing.assert_allclose(entry["boxes"], boxes, atol=0.01)
        assert entry["class_names"] == result["class_names"]


@pytest.mark.slow
def test_served_boxes_equal_predicts(trained):
    """``serving_default``'s graph (decode, letterbox, NMS, boxes back in the image's pixels) gives ``predict``'s boxes.

    The harness exports the same signature and checks the SavedModel against this function;
    here a low confidence gives it detections to compare (a barely trained model has none above 0.25).
    """
    task, root = trained
    spec = task._serving(confidence=LOW)
    assert spec.metadata["class_names"] == NAMES and spec.metadata["image_size"] == 32
    inputs = image_inputs(root)
    ours = task.predict(inputs, confidence=LOW)
    served = Detection.serving_outputs(spec.endpoints[0].fn(**Detection.serving_inputs(inputs)))
    assert len(served) == 2 and sum(len(f["scores"]) for f in ours) > 0  # boxes to compare
    for mine, theirs in zip(ours, served):
        assert_detections_close(mine, theirs)


@pytest.mark.slow
def test_quantized_litert_variants_are_scored_by_evaluates_map(trained, tmp_path):
    """The LiteRT files' raw outputs, decoded and suppressed as ``evaluate``'s, scored by COCO's mAP@.5.

    The scenes are relabelled with the model's own best detection in each (a barely trained
    model finds no digit: its mAP would be 0 whatever the decoding), so the Keras model's mAP is
    well above 0; it is ``evaluate``'s on the same images (whose JSON keeps 4 decimals).
    """
    task, root = trained
    scenes = load_yolo_txt(root / "yolo")
    best = task._detect(scenes.images, confidence=EVALUATION_CONFIDENCE)
    own = dataclasses.replace(scenes, boxes=[b[:1] for b, _, _ in best], labels=[k[:1] for _, _, k in best])
    data = write_yolo_txt(own, tmp_path / "own")
    exported = task.export(tmp_path / "models", quantize="int8", quantize_data=data, max_loss=float("inf"))
    litert = exported.metadata["litert"]
    assert litert["metric"] == "map_50" and litert["unit"] == "points" and litert["data"] == f"{data}, 10 images"
    assert set(litert["variants"]) == {"none", "int8"}
    evaluated = task.evaluate(data, output=tmp_path / "evaluation.json").metrics["methods"]["model"]["map_50"]
    keras = litert["keras"]["map_50"]
    assert 0.1 < keras <= 1 and keras == pytest.approx(evaluated, rel=1e-3, abs=5e-5)
    assert litert["variants"]["none"]["map_50"] == pytest.approx(keras, rel=1e-3)
    for entry in litert["variants"].values():
        assert 0 <= entry["map_50"] <= 1
        assert entry["loss"] == pytest.approx(100 * (keras - entry["map_50"]), abs=1e-3)
    print(json.dumps(litert, indent=1))
