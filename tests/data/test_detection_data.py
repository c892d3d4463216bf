"""Detection data: VOC, YOLO txt and COCO round trips, ordinary files of each layout, splits, bad inputs."""

import json
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

from kerasdl.data import detection as det
from kerasdl.data.digit_scenes import generate_digit_scenes, scene_name, write_coco
from kerasdl.errors import UserInputError
from tests.helpers import write_image

SIDE = 32


@pytest.fixture(scope="module")
def scenes():
    d = load_digits()
    return generate_digit_scenes(d.images / 16.0, d.target, count=6, side=SIDE, scale=(1.5, 3.0), seed=3)


def write_coco_folder(scenes, folder):
    write_coco(scenes, folder)
    return folder


WRITERS = {"voc": det.write_voc, "yolo": det.write_yolo_txt, "coco": write_coco_folder}


@pytest.mark.parametrize("layout", WRITERS)
def test_round_trip(scenes, tmp_path, layout):
    folder = WRITERS[layout](scenes, tmp_path / layout)
    data = det.load_detection_data(folder)
    assert len(data) == 6 and data.names == [scene_name(i) for i in range(6)]
    assert data.class_names == list("0123456789")
    assert sum(len(b) for b in data.boxes) == sum(len(b) for b in scenes.boxes) > 10
    atol = 2e-6 * SIDE if layout == "yolo" else 0  # YOLO: normalised floats of six decimals; the others exact
    for boxes, labels, image, scene_boxes, scene_labels, scene in zip(
        data.boxes, data.labels, data.images, scenes.boxes, scenes.labels, scenes.images
    ):
        assert boxes.dtype == np.float32 and boxes.shape == scene_boxes.shape and labels.dtype == np.int32
        np.testing.assert_allclose(boxes, scene_boxes, rtol=0, atol=atol)
        np.testing.assert_array_equal(labels, scene_labels)
        np.testing.assert_allclose(image, scene, atol=0.5 / 255 + 1e-6)
    assert det.load_detection_data(folder, channels=3).images[0].shape == (SIDE, SIDE, 3)


def test_voc_file_conventions(tmp_path):
    """1-based coordinates, difficult objects kept, names sorted, <filename> used, JPEGImages/, 1-px tolerance."""
    root = tmp_path / "VOC"
    write_image(root / "JPEGImages" / "photo.jpg", (20, 30), "RGB")
    (root / "Annotations").mkdir()
    (root / "Annotations" / "a1.xml").write_text(
        "<annotation><filename>photo.jpg</filename><size><width>30</width><height>20</height><depth>3</depth></size>"
        "<object><name>dog</name><difficult>1</difficult>"
        "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>5</ymax></bndbox></object>"
        "<object><name>cat</name><bndbox><xmin>12.5</xmin><ymin>3</ymin><xmax>30.8</xmax><ymax>20</ymax></bndbox>"
        "</object></annotation>"
    )
    data = det.load_detection_data(root)
    assert data.class_names == ["cat", "dog"] and data.names == ["a1"] and data.images[0].shape == (20, 30, 3)
    np.testing.assert_allclose(data.boxes[0], [[0, 0, 10, 5], [11.5, 2, 30, 20]])  # 30.8 clipped to the width
    np.testing.assert_array_equal(data.labels[0], [1, 0])
    (root / "classes.txt").write_text("dog\ncat\nbird\n")
    data = det.load_voc(root)
    assert data.class_names == ["dog", "cat", "bird"]
    np.testing.assert_array_equal(data.labels[0], [0, 1])


def test_ordinary_coco_file(tmp_path):
    """Non-contiguous category ids in sorted order, crowds skipped, an image without annotations, annotations/."""
    root = tmp_path / "coco"
    write_image(root / "images" / "a.png", (10, 12), "RGB")
    write_image(root / "images" / "b.png", (8, 8), "L", seed=1)
    coco = {
        "images": [{"id": 10, "file_name": "a.png", "width": 12, "height": 10}, {"id": 20, "file_name": "b.png"}],
        "categories": [{"id": 7, "name": "dog"}, {"id": 3, "name": "cat"}],
        "annotations": [
            {"id": 1, "image_id": 10, "category_id": 7, "bbox": [2, 1, 4.5, 3], "iscrowd": 0},
            {"id": 2, "image_id": 10, "category_id": 3, "bbox": [0, 0, 12, 10], "iscrowd": 1},
            {"id": 3, "image_id": 10, "category_id": 3, "bbox": [6, 5, 6, 5]},
        ],
    }
    (root / "annotations").mkdir()
    (root / "annotations" / "instances.json").write_text(json.dumps(coco))
    data = det.load_detection_data(root)
    assert data.class_names == ["cat", "dog"] and data.names == ["a", "b"]
    np.testing.assert_allclose(data.boxes[0], [[2, 1, 6.5, 4], [6, 5, 12, 10]])
    np.testing.assert_array_equal(data.labels[0], [1, 0])
    assert data.boxes[1].shape == (0, 4) and data.labels[1].shape == (0,)
    assert data.images[1].shape == (8, 8, 1)


def test_yolo_conventions(tmp_path):
    """data.yaml names as a mapping, mirrored subfolders, an image without labels, labels/classes.txt."""
    root = tmp_path / "yolo"
    write_image(root / "images" / "train" / "x.png", (20, 40), "RGB")
    write_image(root / "images" / "train" / "y.jpg", (10, 10), "L")
    (root / "labels" / "train").mkdir(parents=True)
    (root / "labels" / "train" / "x.txt").write_text("1 0.5 0.5 0.5 0.5\n\n0 0.125 0.25 0.25 0.5\n")
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n")
    data = det.load_detection_data(root)
    assert data.class_names == ["cat", "dog"] and data.names == ["train/x", "train/y"]
    np.testing.assert_allclose(data.boxes[0], [[10, 5, 30, 15], [0, 0, 10, 10]], atol=1e-5)
    np.testing.assert_array_equal(data.labels[0], [1, 0])
    assert data.boxes[1].shape == (0, 4)  # no label file: no objects
    (root / "labels" / "classes.txt").write_text("a\nb\nc\n")  # LabelImg's place for it; it wins over data.yaml
    assert det.load_yolo_txt(root).class_names == ["a", "b", "c"]
    (root / "labels" / "classes.txt").unlink()
    (root / "data.yaml").unlink()
    assert det.load_yolo_txt(root).class_names == ["0", "1"]  # inferred up to the largest index


YAML_NAMES = {
    "names: [cat, 'dog', \"bird\"]  # inline\n": ["cat", "dog", "bird"],
    "names: {0: cat, 1: dog}\n": ["cat", "dog"],
    "nc: 2\nnames:\n  - cat   # a comment\n  - dog\ntrain: images\n": ["cat", "dog"],
    "names:\n- cat\n- dog\n": ["cat", "dog"],
    "names:\n  1: dog\n  0: 'cat'\nval: x\n": ["cat", "dog"],
}


@pytest.mark.parametrize("text", YAML_NAMES)
@pytest.mark.parametrize("pyyaml", [True, False])
def test_yaml_names(tmp_path, monkeypatch, text, pyyaml):
    if pyyaml:
        pytest.importorskip("yaml")
    else:
        monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml raises ImportError: the tiny reader
    path = tmp_path / "data.yaml"
    path.write_text(text)
    assert det._read_yaml_names(path) == YAML_NAMES[text]


def test_yaml_names_errors(tmp_path, monkeypatch):
    path = tmp_path / "data.yaml"
    for pyyaml in (True, False):
        if not pyyaml:
            monkeypatch.setitem(sys.modules, "yaml", None)
        path.write_text("train: images\n")
        with pytest.raises(UserInputError, match="data.yaml has no 'names:'"):
            det._read_yaml_names(path)
        path.write_text("names: {0: cat, 2: dog}\n")
        with pytest.raises(UserInputError, match=r"data.yaml: names must map the class indices 0-1 .* \[0, 2\]"):
            det._read_yaml_names(path)


def test_scenes_and_split(scenes):
    data = det.scenes_as_detection(scenes.subset(list(range(6)) * 2))  # 12 images
    assert data.class_names == list("0123456789") and data.boxes[0].dtype == np.float32
    data.names = [f"n{i}" for i in range(12)]
    parts = det.split_detection_data(data, fractions=(0.5, 0.25, 0.25), seed=1)
    names = {part: d.names for part, d in parts.items()}
    assert [len(n) for n in names.values()] == [6, 3, 3]
    assert sorted(sum(names.values(), [])) == sorted(data.names)
    again = det.split_detection_data(data, fractions=(0.5, 0.25, 0.25), seed=1)
    assert names == {p: d.names for p, d in again.items()}
    other = det.split_detection_data(data, fractions=(0.5, 0.25, 0.25), seed=2)
    assert names != {p: d.names for p, d in other.items()}
    val = parts["val"]
    assert isinstance(val, det.DetectionData) and val.class_names == data.class_names
    for name, boxes, labels in zip(val.names, val.boxes, val.labels):
        i = data.names.index(name)
        np.testing.assert_array_equal(boxes, data.boxes[i])
        np.testing.assert_array_equal(labels, data.labels[i])
    with pytest.raises(UserInputError, match="2 images in .* too few"):
        det.split_detection_data(data.subset([0, 1]))
    with pytest.raises(ValueError, match="fractions"):
        det.split_detection_data(data, fractions=(0.5, 0.2, 0.2))


# ---------------------------------------------------------------- bad inputs

S0, S1 = scene_name(0), scene_name(1)


def voc_folder(root, scenes):
    return det.write_voc(scenes.subset([0, 1]), root / "data")


def yolo_folder(root, scenes):
    return det.write_yolo_txt(scenes.subset([0, 1]), root / "data")


def coco_folder(root, scenes):
    write_coco(scenes.subset([0, 1]), root / "data")
    return root / "data"


def edit_text(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def set_first_voc_box(folder, xmin, xmax):
    path = folder / "Annotations" / f"{S0}.xml"
    text = path.read_text()
    start, end = text.index("<xmin>"), text.index("</xmax>")
    path.write_text(text[:start] + f"<xmin>{xmin}</xmin><ymin>2</ymin><xmax>{xmax}" + text[end:])


def set_first_coco_bbox(folder, bbox):
    path = folder / "annotations.json"
    coco = json.loads(path.read_text())
    coco["annotations"][0]["bbox"] = bbox
    path.write_text(json.dumps(coco))


BAD_INPUTS = {
    "voc box outside": (voc_folder, lambda f: set_first_voc_box(f, 5, SIDE + 2), [f"{S0}.xml", "object 1", "outside"]),
    "voc box inverted": (voc_folder, lambda f: set_first_voc_box(f, 9, 8), [f"{S0}.xml", "x_max <= x_min"]),
    "voc unknown name": (
        voc_folder,
        lambda f: (f / "classes.txt").write_text("0\n1\n"),
        ["Annotations", "is not one of the classes", "classes.txt"],
    ),
    "voc annotation without image": (
        voc_folder,
        lambda f: (f / "images" / f"{S1}.png").unlink(),
        [f"{S1}.xml", "has no image", f"images/{S1}.*"],
    ),
    "voc malformed xml": (
        voc_folder,
        lambda f: edit_text(f / "Annotations" / f"{S1}.xml", "</annotation>", ""),
        [f"{S1}.xml", "malformed XML"],
    ),
    "voc bad number": (
        voc_folder,
        lambda f: edit_text(f / "Annotations" / f"{S0}.xml", "<xmax>", "<xmax>x"),
        [f"{S0}.xml", "object 1", "needs numbers"],
    ),
    "voc no annotations": (
        voc_folder,
        lambda f: [p.unlink() for p in (f / "Annotations").iterdir()],
        ["no .xml annotation files", "Annotations"],
    ),
    "yolo class beyond names": (
        yolo_folder,
        lambda f: (f / "classes.txt").write_text("a\n"),
        ["labels", "beyond the 1 classes", "classes.txt"],
    ),
    "yolo malformed line": (
        yolo_folder,
        lambda f: (f / "labels" / f"{S1}.txt").write_text("1 0.5 0.5 0.2\n"),
        [f"{S1}.txt line 1", "class cx cy w h"],
    ),
    "yolo label without image": (
        yolo_folder,
        lambda f: (f / "images" / f"{S1}.png").unlink(),
        ["label file", f"{S1}.txt", "has no image"],
    ),
    "yolo box outside": (
        yolo_folder,
        lambda f: (f / "labels" / f"{S0}.txt").write_text("0 0.5 0.5 0.2 0.2\n0 0.95 0.5 0.2 0.2\n"),
        [f"{S0}.txt line 2", "outside its 32x32 image"],
    ),
    "yolo empty box": (
        yolo_folder,
        lambda f: (f / "labels" / f"{S0}.txt").write_text("0 0.5 0.5 0 0.2\n"),
        [f"{S0}.txt line 1", "x_max <= x_min"],
    ),
    "coco box outside": (
        coco_folder,
        lambda f: set_first_coco_bbox(f, [-3, 0, 5, 5]),
        ["annotations.json", "annotation 1", S0, "outside"],
    ),
    "coco empty box": (
        coco_folder,
        lambda f: set_first_coco_bbox(f, [3, 3, 0, 5]),
        ["annotations.json", "annotation 1", "x_max <= x_min"],
    ),
    "coco no bbox": (
        coco_folder,
        lambda f: set_first_coco_bbox(f, None),
        ["annotations.json", "annotation 1", "lacks a bbox"],
    ),
    "coco image missing": (coco_folder, lambda f: (f / "images" / f"{S1}.png").unlink(), ["annotations.json", S1]),
    "empty folder": (lambda root, scenes: root / "empty", lambda f: f.mkdir(), ["empty", "it is empty", "Pascal VOC"]),
    "no known layout": (
        lambda root, scenes: root / "other",
        lambda f: write_image(f / "pictures" / "a.png", (4, 4)),
        ["cannot tell the layout", "other", "YOLO txt", "COCO"],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_inputs_name_the_file(scenes, tmp_path, case):
    make, spoil, fragments = BAD_INPUTS[case]
    folder = make(tmp_path, scenes)
    spoil(folder)
    with pytest.raises(UserInputError) as info:
        det.load_detection_data(folder)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_path(tmp_path):
    with pytest.raises(UserInputError, match="no such file or folder"):
        det.load_detection_data(tmp_path / "nothing")
    with pytest.raises(UserInputError, match="no such folder"):
        det.load_voc(tmp_path / "nothing")
