"""Segmentation scores on hand-made masks, the classical segmenter on generated scenes, the overlay figure."""

import numpy as np
import pytest
from PIL import Image

from kerasdl.apps.segment.baselines import ClassicalSegmenter
from kerasdl.apps.segment.evaluation import confusion_matrix, segmentation_scores
from kerasdl.apps.segment.figures import VOID_COLOUR, blend, colour_masks, overlay_figure
from kerasdl.data.classification import load_digits_images
from kerasdl.data.digit_scenes import digit_scene_splits, generate_digit_scenes
from kerasdl.data.segmentation import IGNORE_INDEX

NAMES = ["background", "a", "b", "c"]
VOID = IGNORE_INDEX


# ---------------------------------------------------------------- evaluation


def test_perfect_prediction_scores_one_and_absent_classes_are_left_out():
    truth = [np.array([[0, 0, 1], [0, 2, 2]]), np.array([[2]])]  # class "c" (3) is nowhere
    scores = segmentation_scores(confusion_matrix(truth, truth, classes=4), NAMES)
    assert scores["pixel_accuracy"] == 1.0
    assert scores["mean_iou"] == 1.0 and scores["mean_iou_objects"] == 1.0
    assert scores["iou"] == {"background": 1.0, "a": 1.0, "b": 1.0, "c": None}


def test_one_wrong_pixel_gives_the_iou_computed_by_hand():
    truth = [np.array([[0, 0, 1], [0, 2, 2]]), np.array([[3]])]
    predicted = [np.array([[0, 1, 1], [0, 2, 2]]), np.array([[3]])]  # pixel (0, 1): background called "a"
    matrix = confusion_matrix(truth, predicted, classes=4)
    assert matrix.dtype == np.int64 and matrix.shape == (4, 4)
    assert matrix.tolist() == [[2, 1, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]]  # rows = truth
    scores = segmentation_scores(matrix, NAMES)
    # background: TP 2, FN 1 -> 2/3; "a": TP 1, FP 1 -> 1/2; "b" and "c" exact
    assert scores["iou"] == pytest.approx({"background": 2 / 3, "a": 1 / 2, "b": 1.0, "c": 1.0}, rel=1e-12)
    assert scores["pixel_accuracy"] == pytest.approx(6 / 7, rel=1e-12)
    assert scores["mean_iou"] == pytest.approx((2 / 3 + 1 / 2 + 1 + 1) / 4, rel=1e-12)
    assert scores["mean_iou_objects"] == pytest.approx((1 / 2 + 1 + 1) / 3, rel=1e-12)


def test_void_pixels_are_not_scored_whatever_was_predicted_there():
    truth = [np.array([[0, 0, 1, VOID], [0, 2, 2, VOID]]), np.array([[3, VOID]])]
    predicted = [np.array([[0, 1, 1, 2], [0, 2, 2, 1]]), np.array([[3, 2]])]  # every void pixel "wrong"
    matrix = confusion_matrix(truth, predicted, classes=4)
    # the matrix of the case above, which has the same pixels without the void ones
    assert matrix.tolist() == [[2, 1, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]]
    scores = segmentation_scores(matrix, NAMES)
    assert scores["mean_iou"] == pytest.approx((2 / 3 + 1 / 2 + 1 + 1) / 4, rel=1e-12)
    assert scores["pixel_accuracy"] == pytest.approx(6 / 7, rel=1e-12)
    as_background = [np.where(t == VOID, 0, t) for t in truth]  # what counting them would do
    counted = segmentation_scores(confusion_matrix(as_background, predicted, classes=4), NAMES)
    assert counted["pixel_accuracy"] == pytest.approx(6 / 10) and counted["iou"]["background"] == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match=r"outside \[0, 4\); .*max=255"):
        confusion_matrix(truth, predicted, classes=4, ignore_class=None)
    with pytest.raises(ValueError, match=r"predicted_masks\[1\] holds class indices outside"):
        confusion_matrix(truth, [predicted[0], np.array([[3, VOID]])], classes=4)  # a prediction is never void


def test_a_class_only_predicted_counts_with_iou_zero():
    scores = segmentation_scores(
        confusion_matrix([np.zeros((2, 2), int)], [np.array([[0, 0], [0, 2]])], classes=4), NAMES
    )
    assert scores["iou"] == pytest.approx({"background": 3 / 4, "a": None, "b": 0.0, "c": None})
    assert scores["mean_iou"] == pytest.approx(3 / 8) and scores["mean_iou_objects"] == 0.0


def test_bad_masks_are_refused_with_the_value():
    with pytest.raises(ValueError, match=r"outside \[0, 4\).*max=5"):
        confusion_matrix([np.zeros((2, 2), int)], [np.full((2, 2), 5)], classes=4)
    with pytest.raises(ValueError, match="differs in size.*\\(2, 3\\)"):
        confusion_matrix([np.zeros((2, 2), int)], [np.zeros((2, 3), int)], classes=4)
    with pytest.raises(ValueError, match="one mask per image"):
        confusion_matrix([np.zeros((2, 2), int)], [], classes=4)
    with pytest.raises(ValueError, match="class_names.*4 classes.*2 names"):
        segmentation_scores(np.eye(4, dtype=int), ["background", "a"])


# ---------------------------------------------------------------- the classical segmenter


@pytest.fixture(scope="module")
def fitted():
    splits = digit_scene_splits("digits", sizes={"train": 300, "val": 1, "test": 100})
    train = splits["train"]
    names = ["background", *train.class_names]
    return ClassicalSegmenter().fit(train.images, train.masks, names), splits["test"], names


def test_classical_segmenter_scores_well_above_chance(fitted):
    segmenter, test, names = fitted
    predicted = segmenter.predict_many(test.images)
    assert all(p.shape == (64, 64) and p.dtype == np.int32 for p in predicted)
    scores = segmentation_scores(confusion_matrix(test.masks, predicted, classes=len(names)), names)
    # measured (300 training scenes, seeds 0-2): mean IoU of the digits 0.297-0.301, pixel accuracy
    # 0.912-0.914; a random class per component scored 0.03-0.05
    assert scores["mean_iou_objects"] > 0.2
    assert scores["pixel_accuracy"] > 0.85


def test_an_isolated_digit_is_painted_with_its_class(fitted):
    segmenter, test, _ = fitted
    digits = load_digits_images(size=16, channels=1)
    pixels = np.clip(digits.x[..., 0] / 255.0, 0, 1)
    held_out = np.unique(np.concatenate(test.digit_index))  # digits no training scene holds
    first_of_each = [held_out[digits.y[held_out] == d][0] for d in range(10)]
    right = 0
    for n, index in enumerate(first_of_each):
        scene = generate_digit_scenes(
            pixels[index][None], digits.y[index : index + 1], count=1, per_scene=(1, 1), seed=n
        )
        predicted = segmenter.predict(scene.images[0])
        painted = np.unique(predicted[predicted > 0])
        assert len(painted) == 1  # one component, one class
        assert np.all(predicted[scene.masks[0] > 0] > 0)  # covering the digit's pixels
        assert np.all(predicted[scene.images[0, ..., 0] == 0] == 0)  # and nothing off it
        right += painted[0] == digits.y[index] + 1
    assert right >= 8  # measured: 97% of the 230 held-out digits


def test_dark_digits_on_a_light_rgb_ground_segment_the_same(fitted):
    segmenter, test, _ = fitted
    image = test.images[0]
    bright = segmenter.predict(image)
    dark = segmenter.predict(np.repeat(1.0 - image, 3, axis=-1))
    assert bright.max() > 0
    assert np.mean(dark == bright) > 0.99


def test_the_classical_segmenter_learns_nothing_from_void():
    from sklearn.datasets import load_digits

    digits = load_digits()
    scenes = generate_digit_scenes(digits.images / 16.0, digits.target, count=8, side=32, scale=(1.5, 3.0), seed=3)
    names = ["background", *scenes.class_names]
    images, masks = list(scenes.images), [m.astype(np.int32) for m in scenes.masks]
    plain = ClassicalSegmenter(classifier="logistic").fit(images[:6], masks[:6], names)
    voided = [*masks[:6], *(np.full_like(m, VOID) for m in masks[6:])]  # two images all void
    with_void = ClassicalSegmenter(classifier="logistic").fit(images, voided, names)
    assert with_void.fit_summary_["components"] == plain.fit_summary_["components"] > 0
    for image in images:
        np.testing.assert_array_equal(with_void.predict(image), plain.predict(image))
    with pytest.raises(ValueError, match="no foreground component"):
        ClassicalSegmenter().fit(images[:2], [np.full_like(m, VOID) for m in masks[:2]], names)


def test_fitting_without_any_component_is_refused():
    blank = np.zeros((3, 16, 16, 1), np.float32)
    with pytest.raises(ValueError, match="no foreground component"):
        ClassicalSegmenter().fit(blank, np.zeros((3, 16, 16), np.uint8), ["background", "a"])
    with pytest.raises(ValueError, match="call fit"):
        ClassicalSegmenter().predict(blank[0])
    with pytest.raises(ValueError, match="classifier must be one of.*'forest'"):
        ClassicalSegmenter(classifier="forest")


# ---------------------------------------------------------------- figures


def test_colour_masks_gives_each_class_its_own_colour():
    for classes in (11, 25):
        colours = colour_masks(np.arange(classes)[None, :], classes)[0]
        assert colours.shape == (classes, 3)
        assert colours[0].tolist() == [0.0, 0.0, 0.0]
        assert len(np.unique(np.round(colours, 4), axis=0)) == classes
    with pytest.raises(ValueError, match="outside"):
        colour_masks(np.array([[11]]), 11)


def test_void_pixels_are_drawn_light_gray_in_no_class_colour():
    mask = np.array([[0, 1, VOID], [2, VOID, 0]])
    colours = colour_masks(mask, 3)
    assert colours[0, 2].tolist() == colours[1, 1].tolist() == list(VOID_COLOUR)
    assert not np.any(np.all(colour_masks(np.arange(3)[None], 3)[0] == VOID_COLOUR, axis=-1))
    image = np.zeros((2, 3, 1))
    tinted = blend(image, mask, 3)
    assert tinted[0, 0].tolist() == [0.0, 0.0, 0.0] and tinted[0, 2].tolist() == pytest.approx([0.55 * 0.75] * 3)


def test_overlay_figure_writes_a_png(tmp_path):
    rng = np.random.default_rng(0)
    images = [rng.random((32, 32, 1)), rng.random((24, 40, 3)), rng.random((32, 32, 1))]
    masks = [rng.integers(0, 4, image.shape[:2]) for image in images]
    truth = [np.where(rng.random(m.shape) < 0.1, VOID, m) for m in masks]  # VOC's void borders
    path = overlay_figure(
        images, {"U-Net": masks, "classical": masks}, NAMES, tmp_path / "figs" / "overlay.png", truth=truth, count=2
    )
    assert path == tmp_path / "figs" / "overlay.png"
    with Image.open(path) as png:
        assert png.format == "PNG"
        width, height = png.size
    assert (width, height) == (pytest.approx(2.2 * 4 * 90, abs=2), pytest.approx((2.2 * 2 + 0.7) * 90, abs=2))
    assert path.stat().st_size > 10_000
    assert list(path.parent.iterdir()) == [path]  # no temp file left
