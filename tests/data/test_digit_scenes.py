"""Generated digit scenes: masks and boxes agree, seeds reproduce, splits keep their digits apart."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from kerasdl.data import digit_scenes as ds
from kerasdl.errors import UserInputError


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits in [0, 1] and their labels (native size: small canvases suffice)."""
    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target


def check_scenes(scenes, *, side, per_scene):
    """Every box is tight around its digit's instance pixels, whose mask value is 1 + its label."""
    assert scenes.images.shape == (len(scenes), side, side, 1) and scenes.images.dtype == np.float32
    assert scenes.masks.shape == scenes.instances.shape == (len(scenes), side, side)
    assert 0 <= scenes.images.min() and scenes.images.max() <= 1
    for i in range(len(scenes)):
        boxes, labels, instances, mask = scenes.boxes[i], scenes.labels[i], scenes.instances[i], scenes.masks[i]
        assert boxes.shape == (len(labels), 4) and boxes.dtype == np.float32 and labels.dtype == np.int32
        assert 1 <= len(labels) <= per_scene[1]
        assert len(scenes.digit_index[i]) == len(labels)
        np.testing.assert_array_equal(instances > 0, mask > 0)
        assert instances.max() == len(labels)
        for j, (box, label) in enumerate(zip(boxes, labels)):
            rows, cols = np.nonzero(instances == j + 1)
            assert box.tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]
            assert np.all(mask[rows, cols] == label + 1)
        assert np.all(scenes.images[i, ..., 0][mask > 0] > 0)  # a digit owns only bright pixels


def test_masks_boxes_and_labels_agree(digits):
    x, y = digits
    scenes = ds.generate_digit_scenes(x, y, count=40, side=40, per_scene=(2, 5), scale=(1.5, 3.0), seed=1)
    check_scenes(scenes, side=40, per_scene=(2, 5))
    counts = [len(b) for b in scenes.boxes]
    assert min(counts) >= 1 and max(counts) == 5 and np.mean(counts) > 2.5  # most placements succeed
    for i in range(len(scenes)):
        np.testing.assert_array_equal(scenes.labels[i], y[scenes.digit_index[i]])
    heights = np.concatenate([b[:, 3] - b[:, 1] for b in scenes.boxes])
    assert heights.max() > 8 * 1.5  # the digits were enlarged


def test_no_overlap_allowed_keeps_boxes_apart(digits):
    x, y = digits
    scenes = ds.generate_digit_scenes(x, y, count=30, side=48, per_scene=(3, 6), scale=(1.0, 2.0), max_overlap=0.0)
    for boxes in scenes.boxes:
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                width = min(boxes[a, 2], boxes[b, 2]) - max(boxes[a, 0], boxes[b, 0])
                height = min(boxes[a, 3], boxes[b, 3]) - max(boxes[a, 1], boxes[b, 1])
                assert width <= 0 or height <= 0


def test_later_digit_owns_shared_pixels(digits):
    x, y = digits
    one = np.zeros((2, 8, 8), np.float32)
    one[:, 2:6, 2:6] = 1.0  # two identical squares: placed at the same spot, the later one owns them
    scenes = ds.generate_digit_scenes(one, [3, 7], count=20, side=8, per_scene=(2, 2), scale=(1, 1), max_overlap=1)
    for i in range(len(scenes)):
        assert scenes.labels[i].tolist() == [int(scenes.labels[i][0])]  # the first was covered: dropped
        assert set(np.unique(scenes.masks[i])) == {0, scenes.labels[i][0] + 1}


def test_seed_reproduces(digits):
    x, y = digits
    a, b, c = (ds.generate_digit_scenes(x, y, count=5, side=32, scale=(1, 2), seed=s) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.masks, b.masks)
    assert all(np.array_equal(p, q) for p, q in zip(a.boxes, b.boxes))
    assert not np.array_equal(a.images, c.images)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"count": 0}, "count"),
        ({"per_scene": (3, 2)}, "per_scene"),
        ({"scale": (1.0, 5.0)}, "do not fit"),
        ({"max_overlap": 1.5}, "max_overlap"),
    ],
)
def test_bad_arguments(digits, kwargs, fragment):
    x, y = digits
    with pytest.raises(ValueError, match=fragment):
        ds.generate_digit_scenes(x, y, **{"count": 2, "side": 32, **kwargs})


def test_digits_splits_are_disjoint_in_their_digits():
    splits = ds.digit_scene_splits("digits", sizes={"train": 30, "val": 10, "test": 10}, seed=2)
    assert {k: len(v) for k, v in splits.items()} == {"train": 30, "val": 10, "test": 10}
    check_scenes(splits["train"], side=64, per_scene=(2, 6))
    used = {part: set(np.concatenate(s.digit_index).tolist()) for part, s in splits.items()}
    assert not used["train"] & used["val"] and not used["train"] & used["test"] and not used["val"] & used["test"]
    target = load_digits().target
    for scenes in splits.values():
        assert scenes.source == "digits"
        for labels, index in zip(scenes.labels, scenes.digit_index):
            np.testing.assert_array_equal(labels, target[index])
    heights = np.concatenate([b[:, 3] - b[:, 1] for b in splits["train"].boxes])
    assert 16 < heights.max() <= 26  # 16 px digits scaled by up to 1.6


def test_mnist_splits_from_a_file(tmp_path):
    rng = np.random.default_rng(0)

    def blobs(n):
        x = np.zeros((n, 28, 28), np.uint8)
        for i in range(n):
            top, left = rng.integers(4, 12, size=2)
            x[i, top : top + 12, left : left + 8] = 255
        return x, np.arange(n) % 10

    (x_train, y_train), (x_test, y_test) = blobs(60), blobs(20)
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    splits = ds.digit_scene_splits("mnist", path=tmp_path / "mnist.npz", sizes={"train": 4, "val": 3, "test": 3})
    assert splits["test"].images.shape == (3, 128, 128, 1)
    check_scenes(splits["val"], side=128, per_scene=(2, 6))
    train, val = (set(np.concatenate(splits[p].digit_index).tolist()) for p in ("train", "val"))
    assert not train & val and max(np.concatenate(splits["test"].digit_index)) < 20
    for labels, index in zip(splits["test"].labels, splits["test"].digit_index):
        np.testing.assert_array_equal(labels, y_test[index])


def test_split_errors(tmp_path):
    with pytest.raises(UserInputError, match="unknown scene dataset 'cifar10'"):
        ds.digit_scene_splits("cifar10")
    with pytest.raises(UserInputError, match="only for mnist"):
        ds.digit_scene_splits("digits", path=tmp_path / "mnist.npz")
    with pytest.raises(UserInputError, match="no such dataset file"):
        ds.digit_scene_splits("mnist", path=tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="sizes"):
        ds.digit_scene_splits("digits", sizes={"training": 5})
