"""Segmentation data: mask folders and COCO round trips, ordinary COCO files, splits, bad inputs."""

import json

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from kerasdl.data import segmentation as seg
from kerasdl.data.digit_scenes import generate_digit_scenes, scene_name, write_coco, write_mask_folders
from kerasdl.errors import UserInputError
from tests.helpers import write_image


@pytest.fixture(scope="module")
def scenes():
    d = load_digits()
    return generate_digit_scenes(d.images / 16.0, d.target, count=6, side=32, scale=(1.5, 3.0), seed=3)


def test_mask_folders_round_trip(scenes, tmp_path):
    folder = write_mask_folders(scenes, tmp_path / "data")
    assert (folder / "classes.txt").read_text().split() == ["background", *"0123456789"]
    data = seg.load_segmentation_data(folder)
    assert data.names == [scene_name(i) for i in range(6)] and data.source == str(folder)
    assert data.class_names == ["background", *"0123456789"]
    for image, mask, scene, scene_mask in zip(data.images, data.masks, scenes.images, scenes.masks):
        assert image.shape == (32, 32, 1) and mask.dtype == np.int32
        np.testing.assert_array_equal(mask, scene_mask)
        np.testing.assert_allclose(image, scene, atol=0.5 / 255 + 1e-6)
    assert seg.load_mask_folders(folder, channels=3).images[0].shape == (32, 32, 3)


def test_coco_round_trip(scenes, tmp_path):
    annotations = write_coco(scenes, tmp_path / "coco")
    coco = json.loads(annotations.read_text())
    assert [c["id"] for c in coco["categories"]] == list(range(1, 11))
    assert [c["name"] for c in coco["categories"]] == list("0123456789")
    assert [i["id"] for i in coco["images"]] == list(range(1, 7))
    first = [a for a in coco["annotations"] if a["image_id"] == 1]
    x0, y0, x1, y1 = scenes.boxes[0][0]
    assert first[0]["bbox"] == [x0, y0, x1 - x0, y1 - y0] and first[0]["category_id"] == scenes.labels[0][0] + 1
    data = seg.load_segmentation_data(tmp_path / "coco")  # the folder holding annotations.json
    assert data.class_names == ["background", *"0123456789"] and data.names[0] == scene_name(0)
    for loaded, original in zip(data.masks, scenes.masks):
        for k in np.unique(original)[1:]:
            a, b = original == k, loaded == k
            assert (a & b).sum() / (a | b).sum() > 0.9
    assert sum(int((loaded > 0).sum()) for loaded in data.masks) > 100


def test_polygon_keeps_holes_islands_and_parts():
    from pycocotools import mask as coco_mask

    from kerasdl.data.digit_scenes import mask_polygon

    mask = np.zeros((20, 30), bool)
    mask[2:12, 2:12] = True
    mask[5:9, 5:9] = False  # a hole, as in a 0
    mask[6:8, 6:8] = True  # an island in it
    mask[3:15, 15:25] = True
    mask[6:10, 17:22] = False  # a second part with its hole
    mask[14:18, 27:29] = True
    mask[19, 0] = True  # a lone pixel
    rle = coco_mask.merge(coco_mask.frPyObjects([mask_polygon(mask)], 20, 30))
    np.testing.assert_array_equal(coco_mask.decode(rle).astype(bool), mask)


def test_ordinary_coco_file(tmp_path):
    """Non-contiguous category ids, a polygon, compressed and uncompressed crowd RLE, the annotations/ layout."""
    from pycocotools import mask as coco_mask

    root = tmp_path / "coco"
    write_image(root / "images" / "a.png", (10, 12), "RGB")
    write_image(root / "images" / "b.jpg", (8, 8), "L", seed=1)
    write_image(root / "images" / "c.png", (6, 6), "L", seed=2)
    crowd = np.zeros((10, 12), np.uint8, order="F")
    crowd[:, :6] = 1  # left half
    compressed = coco_mask.encode(crowd)
    compressed["counts"] = compressed["counts"].decode()
    uncompressed = {"size": [8, 8], "counts": [8, 16, 40]}  # column-major: columns 1-2 of image b
    coco = {
        "images": [
            {"id": 10, "file_name": "a.png", "width": 12, "height": 10},
            {"id": 20, "file_name": "b.jpg"},
            {"id": 30, "file_name": "c.png"},
        ],
        "categories": [{"id": 7, "name": "dog"}, {"id": 3, "name": "cat"}],
        "annotations": [
            {"id": 1, "image_id": 10, "category_id": 3, "segmentation": compressed, "iscrowd": 1},
            {"id": 2, "image_id": 10, "category_id": 7, "segmentation": [[2, 2, 6, 2, 6, 6, 2, 6]], "iscrowd": 0},
            {"id": 3, "image_id": 20, "category_id": 7, "segmentation": uncompressed, "iscrowd": 1},
            {"id": 4, "image_id": 20, "category_id": 3, "segmentation": [[1, 1, 2, 2]], "iscrowd": 0},
        ],
    }
    (root / "annotations").mkdir()
    (root / "annotations" / "instances.json").write_text(json.dumps(coco))
    data = seg.load_segmentation_data(root)
    assert data.class_names == ["background", "cat", "dog"] and data.names == ["a", "b", "c"]
    assert [m.shape for m in data.masks] == [(10, 12), (8, 8), (6, 6)]
    expected = np.zeros((10, 12), np.int32)
    expected[:, :6] = 1
    expected[2:6, 2:6] = 2  # the smaller dog is painted over the crowd of cats
    np.testing.assert_array_equal(data.masks[0], expected)
    expected = np.zeros((8, 8), np.int32)
    expected[:, 1:3] = 2  # the degenerate polygon is dropped
    np.testing.assert_array_equal(data.masks[1], expected)
    assert data.masks[2].max() == 0  # no annotations: background
    assert data.images[0].shape == (10, 12, 3) and data.images[1].shape == (8, 8, 1)


def test_binary_masks_without_classes(tmp_path):
    write_image(tmp_path / "d" / "images" / "x.png", (5, 6), "RGB")
    mask = np.zeros((5, 6), np.uint8)
    mask[1:3, 2:5] = 255
    (tmp_path / "d" / "masks").mkdir()
    Image.fromarray(mask).save(tmp_path / "d" / "masks" / "x.png")
    data = seg.load_mask_folders(tmp_path / "d")
    assert data.class_names == ["background", "1"]
    np.testing.assert_array_equal(data.masks[0], mask // 255)


def voc_palette() -> list[int]:
    """PASCAL VOC's colour map, flat RGB for PIL's ``putpalette``: class k's colour from k's bits, 255 cream."""
    palette = []
    for k in range(256):
        r = g = b = 0
        bits = k
        for shift in range(7, -1, -1):
            r, g, b = r | (bits & 1) << shift, g | (bits >> 1 & 1) << shift, b | (bits >> 2 & 1) << shift
            bits >>= 3
        palette += [r, g, b]
    return palette


def write_voc_folder(root, masks: dict, class_names=None):
    """A mask folder whose masks are palette PNGs, as VOC's ``SegmentationClass``; returns the folder."""
    for name, mask in masks.items():
        write_image(root / "images" / f"{name}.jpg", mask.shape, "RGB")
        png = Image.fromarray(mask.astype(np.uint8))
        png.putpalette(voc_palette())  # an "L" image with a palette is a "P" image
        (root / "masks").mkdir(parents=True, exist_ok=True)
        png.save(root / "masks" / f"{name}.png")
        with Image.open(root / "masks" / f"{name}.png") as saved:
            assert saved.mode == "P"
    if class_names is not None:
        (root / "classes.txt").write_text("\n".join(class_names) + "\n")
    return root


def test_voc_palette_masks_keep_void_pixels_out_of_the_classes(tmp_path):
    aeroplane = np.zeros((6, 8), np.uint8)
    aeroplane[0:5, 0:5] = seg.IGNORE_INDEX  # the void border around the object, as VOC draws it
    aeroplane[1:4, 1:4] = 1
    car = np.zeros((6, 8), np.uint8)
    car[2:5, 3:7] = 3
    car[1, 3:7] = seg.IGNORE_INDEX
    masks = {"a": aeroplane, "b": car}
    data = seg.load_mask_folders(write_voc_folder(tmp_path / "numbered", masks))
    assert data.class_names == ["background", "1", "2", "3"]  # 255 is no class
    for loaded, mask in zip(data.masks, masks.values()):
        assert loaded.dtype == np.int32
        np.testing.assert_array_equal(loaded, mask)  # void stays 255
    named = ["background", "aeroplane", "bicycle", "bird", "boat"]
    data = seg.load_segmentation_data(write_voc_folder(tmp_path / "named", masks, named))
    assert data.class_names == named
    np.testing.assert_array_equal(data.masks[0], aeroplane)


@pytest.mark.parametrize(
    ("class_names", "binary"),
    [(None, True), (["background", "object"], True), (["background", "cat", "dog"], False)],
)
def test_background_and_255_alone_are_binary_masks_unless_more_classes_are_named(tmp_path, class_names, binary):
    mask = np.zeros((5, 6), np.uint8)
    mask[1:3, 2:5] = 255
    data = seg.load_mask_folders(write_voc_folder(tmp_path / "d", {"x": mask}, class_names))
    assert data.class_names == (class_names or ["background", "1"])
    np.testing.assert_array_equal(data.masks[0], mask // 255 if binary else mask)


def test_split(scenes):
    data = seg.scenes_as_data(scenes.subset(list(range(6)) * 2))  # 12 images
    data.names = [f"n{i}" for i in range(12)]
    parts = seg.split_segmentation_data(data, fractions=(0.5, 0.25, 0.25), seed=1)
    names = {part: d.names for part, d in parts.items()}
    assert [len(n) for n in names.values()] == [6, 3, 3]
    assert sorted(sum(names.values(), [])) == sorted(data.names)
    assert names == {
        p: d.names for p, d in seg.split_segmentation_data(data, fractions=(0.5, 0.25, 0.25), seed=1).items()
    }
    assert names != {
        p: d.names for p, d in seg.split_segmentation_data(data, fractions=(0.5, 0.25, 0.25), seed=2).items()
    }
    assert parts["val"].class_names == data.class_names and len(parts["val"].masks) == 3
    with pytest.raises(UserInputError, match="2 images in .* too few"):
        seg.split_segmentation_data(data.subset([0, 1]))
    with pytest.raises(ValueError, match="fractions"):
        seg.split_segmentation_data(data, fractions=(0.5, 0.2, 0.2))


# ---------------------------------------------------------------- bad inputs


def mask_folder(root, scenes):
    return write_mask_folders(scenes.subset([0, 1]), root / "data")


def coco_folder(root, scenes):
    write_coco(scenes.subset([0, 1]), root / "data")
    return root / "data"


def edit_json(folder, change):
    path = folder / "annotations.json"
    coco = json.loads(path.read_text())
    change(coco)
    path.write_text(json.dumps(coco))


M0, M1 = f"{scene_name(0)}.png", f"{scene_name(1)}.png"


def beyond_classes_beside_void(folder):
    mask = np.full((32, 32), seg.IGNORE_INDEX, np.uint8)
    mask[0, 0] = 11  # classes.txt names 0-10
    Image.fromarray(mask).save(folder / "masks" / M1)


BAD_INPUTS = {
    "mask without image": (mask_folder, lambda f: (f / "images" / M1).unlink(), ["mask", M1, "has no image"]),
    "image without mask": (mask_folder, lambda f: (f / "masks" / M0).unlink(), ["image", M0, "has no mask"]),
    "mask size": (
        mask_folder,
        lambda f: Image.fromarray(np.zeros((5, 7), np.uint8)).save(f / "masks" / M0),
        [M0, "7x5", "32x32"],
    ),
    "colour mask": (
        mask_folder,
        lambda f: Image.fromarray(np.dstack([np.zeros((32, 32), np.uint8)] * 2 + [np.ones((32, 32), np.uint8)])).save(
            f / "masks" / M1
        ),
        [M1, "colour"],
    ),
    "jpeg mask": (
        mask_folder,
        lambda f: (f / "masks" / M1).rename(f / "masks" / "scene00001.jpg"),
        ["scene00001.jpg", "lossy"],
    ),
    "value beyond classes": (
        mask_folder,
        lambda f: Image.fromarray(np.full((32, 32), 12, np.uint8)).save(f / "masks" / M1),
        [M1, "class 12", "classes.txt", "0-10"],
    ),
    "value beyond classes beside void": (mask_folder, beyond_classes_beside_void, [M1, "class 11", "0-10"]),
    "class 255 named": (
        mask_folder,
        lambda f: (f / "classes.txt").write_text("\n".join(["background", *map(str, range(1, 256))])),
        ["classes.txt", "256 classes", "255 marks void"],
    ),
    "all background": (
        mask_folder,
        lambda f: [
            (f / "classes.txt").unlink(),
            *(Image.fromarray(np.zeros((32, 32), np.uint8)).save(f / "masks" / m) for m in (M0, M1)),
        ],
        ["all 0"],
    ),
    "empty folder": (
        mask_folder,
        lambda f: [p.unlink() for p in (*(f / "images").iterdir(), *(f / "masks").iterdir())],
        ["no image files", "images"],
    ),
    "image file missing": (coco_folder, lambda f: (f / "images" / M1).unlink(), ["annotations.json", M1, "id 2"]),
    "unknown category": (
        coco_folder,
        lambda f: edit_json(f, lambda c: c["annotations"][0].update(category_id=99)),
        ["annotations.json", "category id 99", "1, 2, 3"],
    ),
    "annotation of unknown image": (
        coco_folder,
        lambda f: edit_json(f, lambda c: c["annotations"][-1].update(image_id=5)),
        ["annotations.json", "image id 5"],
    ),
    "image size differs": (
        coco_folder,
        lambda f: edit_json(f, lambda c: c["images"][0].update(width=40)),
        ["annotations.json", M0, "32x32", "40x32"],
    ),
    "no segmentation": (
        coco_folder,
        lambda f: edit_json(f, lambda c: c["annotations"][0].pop("segmentation")),
        ["annotations.json", "annotation 1", "no segmentation"],
    ),
    "not coco": (coco_folder, lambda f: (f / "annotations.json").write_text("[1, 2]"), ["annotations.json", "images"]),
    "two json files": (coco_folder, lambda f: (f / "other.json").write_text("{}"), ["2 .json files", "other.json"]),
    "neither layout": (coco_folder, lambda f: (f / "annotations.json").unlink(), ["cannot tell the layout", "masks/"]),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_inputs_name_the_file(scenes, tmp_path, case):
    make, spoil, fragments = BAD_INPUTS[case]
    folder = make(tmp_path, scenes)
    spoil(folder)
    with pytest.raises(UserInputError) as info:
        seg.load_segmentation_data(folder)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_missing_path(tmp_path):
    with pytest.raises(UserInputError, match="no such file or folder"):
        seg.load_segmentation_data(tmp_path / "nothing")
