"""Caption data: the generated scenes, the Flickr8k / CSV / COCO loaders, the word vocabulary."""

import json

import numpy as np
import pytest

from kerasdl.data.captions import (
    build_vocabulary,
    encode_captions,
    generate_scenes,
    load_captions,
    normalize_caption,
    read_images,
    scene_splits,
)
from kerasdl.data.captions.scenes import COLOURS, OPPOSITE, SHAPES
from kerasdl.errors import UserInputError
from tests.helpers import write_image

CAPTIONS = {f"img{i}.jpg": [f"A dog number {i} runs .", f"The dog {i} is running on grass"] for i in range(10)}


def flickr_folder(root, *, drop=None):
    root.mkdir(parents=True, exist_ok=True)
    lines = [f"{name}#{n}\t{c}" for name, caps in CAPTIONS.items() for n, c in enumerate(caps)]
    (root / "Flickr8k.token.txt").write_text("\n".join(lines) + "\n")
    names = list(CAPTIONS)
    for file, part in (("trainImages", names[:6]), ("devImages", names[6:8]), ("testImages", names[8:])):
        (root / f"Flickr_8k.{file}.txt").write_text("\n".join(part) + "\n")
    for i, name in enumerate(names):
        if name != drop:
            write_image(root / "Flicker8k_Dataset" / name, (20 + i, 30), seed=i)
    return root


def csv_folder(root):
    root.mkdir(parents=True, exist_ok=True)
    rows = ["image,caption"] + [f'{name},"{c}"' for name, caps in CAPTIONS.items() for c in caps]
    (root / "captions.txt").write_text("\n".join(rows) + "\n")
    for i, name in enumerate(CAPTIONS):
        write_image(root / "images" / name, (24, 24), seed=i)
    return root


def coco_folder(root, *, splits=False):
    root.mkdir(parents=True, exist_ok=True)
    images = [
        {"id": i, "file_name": name, **({"split": ["train", "restval", "val", "test"][i % 4]} if splits else {})}
        for i, name in enumerate(CAPTIONS)
    ]
    annotations = [
        {"image_id": i, "id": 100 * i + n, "caption": c}
        for i, caps in enumerate(CAPTIONS.values())
        for n, c in enumerate(caps)
    ]
    (root / "captions_train.json").write_text(json.dumps({"images": images, "annotations": annotations}))
    for i, name in enumerate(CAPTIONS):
        write_image(root / "images" / name, (24, 24), seed=i)
    return root


def test_scenes_are_seeded_and_described():
    images, captions = generate_scenes(20, seed=3)
    again, same = generate_scenes(20, seed=3)
    assert images.shape == (20, 64, 64, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, again)
    assert captions == same
    assert not np.array_equal(images, generate_scenes(20, seed=4)[0])
    for refs in captions:
        assert len(refs) == 4
        words = refs[0].split()
        assert words[0] == "a" and words[2] in COLOURS and words[3] in SHAPES
        relation = next(r for r in OPPOSITE if f" {r} " in refs[0])
        assert f" {OPPOSITE[relation]} " in refs[1]  # the second reference says it from the other side


def test_scene_relation_matches_the_pixels():
    images, captions = generate_scenes(30, seed=1)
    colours = {name: np.asarray(rgb) for name, rgb in COLOURS.items()}
    for image, refs in zip(images, captions):
        words = refs[0].split()
        first, second = words[2], words[-2]
        if first == second:
            continue
        centres = []
        for name in (first, second):
            close = np.abs(image / 255.0 - colours[name]).max(-1) < 0.1
            ys, xs = np.nonzero(close)
            centres.append((xs.mean(), ys.mean()))
        (x1, y1), (x2, y2) = centres
        expected = {"left of": x1 < x2, "right of": x1 > x2, "above": y1 < y2, "below": y1 > y2}
        relation = next(r for r in OPPOSITE if f" {r} " in refs[0])
        assert expected[relation], (refs[0], centres)


def test_scene_splits_differ():
    splits = scene_splits(sizes={"train": 5, "val": 2, "test": 3})
    assert [len(splits[s]) for s in ("train", "val", "test")] == [5, 2, 3]
    assert not np.array_equal(splits["train"].images[:2], splits["val"].images)


def test_vocabulary_and_encoding():
    assert normalize_caption("A dog's ball, on GRASS .") == "a dog's ball on grass"
    vocabulary = build_vocabulary(["a dog runs", "a dog sits", "a cat"], min_count=2)
    assert vocabulary == ["", "[UNK]", "<start>", "<end>", "a", "dog"]
    ids = encode_captions(["a dog flies", "a a a a a a"], vocabulary, 5)
    np.testing.assert_array_equal(ids, [[2, 4, 5, 1, 3], [2, 4, 4, 4, 3]])  # unknown word = 1; cut to fit, end kept


@pytest.mark.parametrize("layout", ["flickr", "csv", "coco", "coco_splits"])
def test_loaders_read_every_layout(tmp_path, layout):
    if layout == "flickr":
        splits = load_captions(flickr_folder(tmp_path / "f"))
        assert [len(splits[s]) for s in ("train", "val", "test")] == [6, 2, 2]
        assert splits["test"].names == ["img8.jpg", "img9.jpg"]
    elif layout == "csv":
        splits = load_captions(csv_folder(tmp_path / "c"))
        assert sum(len(s) for s in splits.values()) == 10 and len(splits["test"]) == 1
    else:
        splits = load_captions(coco_folder(tmp_path / "j", splits=layout == "coco_splits"))
        sizes = [len(splits[s]) for s in ("train", "val", "test")]
        assert sizes == ([6, 2, 2] if layout == "coco_splits" else [8, 1, 1])
    first = splits["train"]
    assert first.captions[0] == CAPTIONS[first.names[0]]
    pixels = read_images(first, 32)
    assert pixels.shape == (len(first), 32, 32, 3) and pixels.dtype == np.uint8 and pixels.std() > 0


def test_csv_follows_official_split_lists(tmp_path):
    lists = flickr_folder(tmp_path / "lists")
    splits = load_captions(csv_folder(tmp_path / "c") / "captions.txt", split_lists=lists)
    assert splits["test"].names == ["img8.jpg", "img9.jpg"] and len(splits["train"]) == 6


def test_missing_images_are_counted(tmp_path):
    with pytest.raises(UserInputError, match=r"1 of 10 images .* missing .*img3\.jpg"):
        load_captions(flickr_folder(tmp_path / "f", drop="img3.jpg"))


@pytest.mark.parametrize(
    "content, match",
    [
        ("name,text\na.jpg,hi\n", "'image' and 'caption'"),
        ("image,caption\n", "holds no captions"),
    ],
)
def test_bad_csv(tmp_path, content, match):
    (tmp_path / "images").mkdir()
    (tmp_path / "captions.txt").write_text(content)
    with pytest.raises(UserInputError, match=match):
        load_captions(tmp_path)


def test_bad_paths_and_json(tmp_path):
    with pytest.raises(UserInputError, match="no such file or folder"):
        load_captions(tmp_path / "nothing")
    with pytest.raises(UserInputError, match="holds no Flickr8k.token.txt"):
        load_captions(tmp_path)
    (tmp_path / "captions.json").write_text("{not json")
    with pytest.raises(UserInputError, match="not valid JSON"):
        load_captions(tmp_path / "captions.json")
    (tmp_path / "captions.json").write_text(json.dumps({"images": []}))
    with pytest.raises(UserInputError, match="not a COCO captions file"):
        load_captions(tmp_path / "captions.json")


def test_corrupt_image_is_one_clear_error(tmp_path):
    root = csv_folder(tmp_path / "c")
    (root / "images" / "img0.jpg").write_bytes(b"not a jpeg at all")
    splits = load_captions(root)
    split = next(s for s in splits.values() if "img0.jpg" in s.names)
    with pytest.raises(UserInputError, match="img0.jpg: corrupt or not an image"):
        read_images(split, 32)
