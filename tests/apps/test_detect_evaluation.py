"""COCO mAP on hand-made boxes, the classical detector on generated scenes, the detection figure."""

import numpy as np
import pytest
from PIL import Image

from kerasdl.apps.detect.baselines import ClassicalDetector, box_iou
from kerasdl.apps.detect.evaluation import coco_map
from kerasdl.apps.detect.figures import detection_figure, draw_detections
from kerasdl.apps.segment.figures import palette
from kerasdl.data.digit_scenes import digit_scene_splits

NAMES = ["a", "b"]
BOX = np.array([[10.0, 10.0, 30.0, 40.0]])  # 20 wide, 30 high


def score(truth, truth_labels, found, scores, labels):
    return coco_map(truth, truth_labels, found, scores, labels, class_names=NAMES)


# ---------------------------------------------------------------- evaluation


def test_perfect_detections_score_one_and_classes_without_truth_have_no_ap():
    truth = [BOX, np.array([[0.0, 0.0, 8.0, 8.0], [40.0, 5.0, 60.0, 25.0]])]
    labels = [[0], [0, 1]]
    scores = score(truth, labels, truth, [[1.0], [1.0, 1.0]], labels)
    assert scores["map"] == pytest.approx(1.0, abs=1e-9)
    assert scores["map_50"] == pytest.approx(1.0, abs=1e-9)
    assert scores["map_75"] == pytest.approx(1.0, abs=1e-9)
    assert scores["ap_50_per_class"] == pytest.approx({"a": 1.0, "b": 1.0}, abs=1e-9)
    only_a = score([BOX], [[0]], [BOX], [[1.0]], [[0]])
    assert only_a["ap_50_per_class"]["b"] is None and only_a["map"] == pytest.approx(1.0, abs=1e-9)


def test_a_shifted_box_scores_the_fraction_of_thresholds_its_iou_reaches():
    # shifted right by a fifth of its width: IoU = 16 / 24 = 2/3, matched at the thresholds
    # 0.50, 0.55, 0.60, 0.65 of the ten -> mAP 0.4, mAP@.5 1, mAP@.75 0
    shifted = BOX + [4.0, 0.0, 4.0, 0.0]
    assert box_iou(BOX, shifted)[0, 0] == pytest.approx(2 / 3, rel=1e-12)
    scores = score([BOX], [[0]], [shifted], [[0.9]], [[0]])
    assert scores["map"] == pytest.approx(0.4, abs=1e-9)
    assert scores["map_50"] == pytest.approx(1.0, abs=1e-9) and scores["map_75"] == pytest.approx(0.0, abs=1e-12)
    # shifted by half its width: IoU = 10 / 30 = 1/3 < 0.5 -> missed at every threshold
    half = BOX + [10.0, 0.0, 10.0, 0.0]
    assert score([BOX], [[0]], [half], [[0.9]], [[0]])["map_50"] == 0.0


def test_half_width_shift_of_one_of_two_boxes_halves_the_recall():
    # the exact box (score 0.9) is a true positive at recall 1/2, the half-shifted one (0.5) a false
    # positive; precision is 1 at the 51 of COCO's 101 recall points up to 0.5 and 0 above
    truth = [np.concatenate([BOX, BOX + [40.0, 0.0, 40.0, 0.0]])]
    found = [np.concatenate([BOX, BOX + [50.0, 0.0, 50.0, 0.0]])]
    scores = score(truth, [[0, 0]], found, [[0.9, 0.5]], [[0, 0]])
    assert scores["map_50"] == pytest.approx(51 / 101, rel=1e-9)
    assert scores["map"] == pytest.approx(51 / 101, rel=1e-9)
    assert scores["ap_50_per_class"]["a"] == pytest.approx(51 / 101, rel=1e-9)


def test_a_wrong_class_scores_zero_and_a_late_false_positive_costs_nothing():
    wrong = score([BOX], [[0]], [BOX], [[1.0]], [[1]])
    assert wrong["map"] == 0.0 and wrong["map_50"] == 0.0 and wrong["ap_50_per_class"] == {"a": 0.0, "b": None}
    extra = [np.concatenate([BOX, [[40.0, 40.0, 50.0, 50.0]]])]
    late = score([BOX], [[0]], extra, [[0.9, 0.1]], [[0, 0]])
    assert late["map"] == pytest.approx(1.0, abs=1e-9)
    early = score([BOX], [[0]], extra, [[0.1, 0.9]], [[0, 0]])  # the false positive first: precision 1/2
    assert early["map"] == pytest.approx(0.5, abs=1e-9)


def test_no_detections_score_zero_and_bad_inputs_are_refused_with_the_value():
    empty = score([BOX, BOX], [[0], [1]], [np.zeros((0, 4)), []], [[], []], [[], []])
    assert empty == {"map": 0.0, "map_50": 0.0, "map_75": 0.0, "ap_50_per_class": {"a": 0.0, "b": 0.0}}
    with pytest.raises(ValueError, match=r"outside \[0, 2\).*max=2"):
        score([BOX], [[0]], [BOX], [[1.0]], [[2]])
    with pytest.raises(ValueError, match="detected_scores must hold one entry per image.*0 entries for 1"):
        score([BOX], [[0]], [BOX], [], [[0]])
    with pytest.raises(ValueError, match=r"truth_boxes\[0\] must be an \(m, 4\).*\(1, 3\)"):
        score([BOX[:, :3]], [[0]], [BOX], [[1.0]], [[0]])


# ---------------------------------------------------------------- the classical detector


@pytest.fixture(scope="module")
def fitted():
    splits = digit_scene_splits("digits", sizes={"train": 300, "val": 1, "test": 100})
    train = splits["train"]
    return ClassicalDetector().fit(train.images, train.boxes, train.labels, train.class_names), splits


def test_classical_detector_scores_well_above_random_classes(fitted):
    detector, splits = fitted
    test = splits["test"]
    names = list(test.class_names)
    found = detector.predict_many(test.images)
    for boxes, scores, labels in found:
        assert boxes.dtype == np.float32 and boxes.shape[1:] == (4,)
        assert scores.dtype == np.float32 and labels.dtype == np.int32 and len(scores) == len(labels) == len(boxes)
        assert np.all((scores > 0) & (scores <= 1)) and np.all((labels >= 0) & (labels < 10))
    ours = coco_map(test.boxes, test.labels, *zip(*found), class_names=names)
    rng = np.random.default_rng(0)
    guessed = coco_map(
        test.boxes,
        test.labels,
        [b for b, _, _ in found],
        [rng.random(len(b)) for b, _, _ in found],
        [rng.integers(0, 10, len(b)) for b, _, _ in found],
        class_names=names,
    )
    # measured (300 training scenes, 100 test scenes): mAP 0.295, mAP@.5 0.378; the same boxes
    # with random classes and scores: mAP 0.005, mAP@.5 0.008
    assert ours["map"] > 0.2 and ours["map_50"] > 0.28
    assert guessed["map_50"] < 0.05


def test_an_isolated_digit_gets_one_box_around_it_with_its_class(fitted):
    detector, splits = fitted
    test = splits["test"]
    i = next(  # the first scene whose first digit is well clear of the others
        i for i, boxes in enumerate(test.boxes) if box_iou(boxes[:1] + [-3, -3, 3, 3], boxes[1:]).max(initial=0) == 0
    )
    truth, digit = test.boxes[i][0], int(test.labels[i][0])
    x0, y0, x1, y1 = truth.astype(int)
    canvas = np.zeros((64, 64, 1), np.float32)
    canvas[y0:y1, x0:x1] = test.images[i][y0:y1, x0:x1]
    boxes, scores, labels = detector.predict(canvas)
    assert len(boxes) == 1
    assert box_iou(boxes, truth[None])[0, 0] > 0.7
    assert labels[0] == digit and scores[0] > 0.3


def test_predict_before_fit_and_bad_labels_are_refused():
    with pytest.raises(ValueError, match="call fit"):
        ClassicalDetector().predict(np.zeros((8, 8, 1)))
    with pytest.raises(ValueError, match=r"labels\[0\] holds class indices outside \[0, 2\).*max=5"):
        ClassicalDetector().fit([np.zeros((8, 8, 1))], [BOX], [[5]], NAMES)
    with pytest.raises(ValueError, match="classifier must be one of.*'tree'"):
        ClassicalDetector(classifier="tree")


# ---------------------------------------------------------------- figures


def test_boxes_are_drawn_on_their_edges_in_their_class_colour():
    image = np.zeros((40, 40, 1), np.float32)
    drawn = draw_detections(image, [[5, 20, 25, 35]], [1], [0.87], NAMES)
    assert drawn.shape == (40, 40, 3)
    colour = palette(3)[2]
    for y, x in [(20, 5), (20, 15), (34, 24), (27, 5), (27, 24), (34, 15)]:  # edges; max exclusive
        assert drawn[y, x] == pytest.approx(colour, abs=1 / 255), (y, x)
    assert drawn[27, 15] == pytest.approx([0, 0, 0])  # inside stays untouched
    assert np.abs(drawn[:20] - colour).sum(axis=-1).min() < 0.05  # the "b 0.87" label above the box
    big = draw_detections(image, [[5, 20, 25, 35]], [1], None, NAMES, scale=4)
    assert big.shape == (160, 160, 3) and big[80, 20] == pytest.approx(colour, abs=1 / 255)


def test_detection_figure_writes_a_png(tmp_path):
    images = [np.zeros((32, 32, 1)), np.ones((24, 40, 3)) * 0.5]
    found = [(np.array([[2, 2, 12, 12]]), np.array([0.5]), np.array([0])), (np.zeros((0, 4)), [], [])]
    truth = [(np.array([[2, 2, 12, 12]]), [0]), (np.array([[1, 1, 5, 5]]), [1])]
    path = detection_figure(images, {"classical": found}, NAMES, tmp_path / "d.png", truth=truth)
    with Image.open(path) as png:
        assert png.format == "PNG" and min(png.size) > 300  # 2 x 2 panels of 2.6 inches at 90 dpi
        pixels = np.asarray(png.convert("RGB"), np.float64) / 255
    for k in (1, 2):  # both classes' boxes are drawn
        assert np.abs(pixels - palette(3)[k]).sum(axis=-1).min() < 0.05
    with pytest.raises(ValueError, match="'classical'.*1 entries for 2"):
        detection_figure(images, {"classical": found[:1]}, NAMES, tmp_path / "e.png")
