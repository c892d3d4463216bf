"""Image files: finding, decoding every common mode, one-line errors, atomic writes."""

import os
import stat

import numpy as np
import pytest
from PIL import Image

from kerasdl.data.images import (
    IMAGE_SUFFIXES,
    check_writable_dir,
    convert_channels,
    find_images,
    load_image,
    save_png,
    to_uint8,
)
from kerasdl.errors import UserInputError
from tests.helpers import files_under, write_image


def assert_one_line(error):
    message = str(error.value)
    assert message and "\n" not in message, repr(message)
    assert "Traceback" not in message
    return message


# ---------------------------------------------------------------- find_images


def test_find_images_recursive_sorted_and_filtered(images_dir):
    folder = images_dir({"b.png": (4, 4), "a.JPG": (4, 4), "sub/c.bmp": (4, 4), "sub/deeper/d.jpeg": (4, 4)})
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub" / "model.keras").write_bytes(b"zip")
    (folder / ".hidden.png").write_bytes(b"editor backup")
    (folder / "folder.png").mkdir()  # a folder with an image suffix is not an image
    found = find_images(folder)
    assert [p.relative_to(folder).as_posix() for p in found] == ["a.JPG", "b.png", "sub/c.bmp", "sub/deeper/d.jpeg"]
    assert find_images(folder / "b.png") == [folder / "b.png"]  # a file is returned as is
    assert find_images(str(folder)) == found


def test_find_images_suffixes():
    assert {".png", ".jpg", ".jpeg", ".bmp"} <= set(IMAGE_SUFFIXES)


def test_find_images_missing_path(tmp_path):
    with pytest.raises(UserInputError, match="no such file or folder: .*missing") as info:
        find_images(tmp_path / "missing")
    assert_one_line(info)


def test_find_images_folder_without_images(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "readme.txt").write_text("hello")
    with pytest.raises(UserInputError, match="no image files .* in folder: .*empty") as info:
        find_images(tmp_path / "empty")
    assert_one_line(info)


# ---------------------------------------------------------------- load_image


def pil_pixels(path):
    with Image.open(path) as im:
        return np.asarray(im)


def test_load_grayscale(tmp_path):
    path = write_image(tmp_path / "g.png", (5, 7), "L")
    image = load_image(path)
    assert image.shape == (5, 7, 1) and image.dtype == np.float32
    np.testing.assert_array_equal(image[..., 0], pil_pixels(path) / np.float32(255))
    rgb = load_image(path, channels=3)
    assert rgb.shape == (5, 7, 3)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_load_rgb(tmp_path):
    path = write_image(tmp_path / "c.png", (6, 4), "RGB")
    image = load_image(path)
    assert image.shape == (6, 4, 3) and image.dtype == np.float32
    np.testing.assert_array_equal(image, pil_pixels(path) / np.float32(255))
    assert 0.0 <= image.min() and image.max() <= 1.0
    gray = load_image(path, channels=1)
    expected = (pil_pixels(path) / 255.0) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(gray[..., 0], expected, atol=1e-6)


def test_load_rgba_drops_alpha(tmp_path):
    path = write_image(tmp_path / "a.png", (4, 5), "RGBA")
    image = load_image(path)
    assert image.shape == (4, 5, 3)
    np.testing.assert_array_equal(image, pil_pixels(path)[..., :3] / np.float32(255))


def test_load_palette(tmp_path):
    path = write_image(tmp_path / "p.png", (6, 6), "P")
    with Image.open(path) as im:
        assert im.mode == "P"
        expected = np.asarray(im.convert("RGB")) / np.float32(255)
    image = load_image(path)
    assert image.shape == (6, 6, 3)
    np.testing.assert_array_equal(image, expected)


def test_load_16_bit_grayscale_keeps_precision(tmp_path):
    path = write_image(tmp_path / "deep.png", (5, 6), "I;16")
    raw = pil_pixels(path).astype(np.float64)
    assert raw.max() > 255  # really uses 16 bits
    image = load_image(path)
    assert image.shape == (5, 6, 1) and image.dtype == np.float32
    np.testing.assert_allclose(image[..., 0], raw / 65535.0, atol=1e-7)


def test_load_dark_16_bit_image_is_not_read_as_8_bit(tmp_path):
    # Every value <= 255: still 16-bit data, so 200 means 200/65535, not 200/255.
    path = tmp_path / "dark.png"
    Image.fromarray(np.full((3, 4), 200, np.uint16)).save(path)
    np.testing.assert_allclose(load_image(path), 200 / 65535.0, rtol=1e-6)


def test_load_bmp_and_jpeg(tmp_path):
    bmp = write_image(tmp_path / "b.bmp", (5, 6), "RGB")
    np.testing.assert_array_equal(load_image(bmp), pil_pixels(bmp) / np.float32(255))
    jpg = write_image(tmp_path / "j.jpg", (16, 16), "RGB")
    image = load_image(jpg)
    assert image.shape == (16, 16, 3)
    np.testing.assert_array_equal(image, pil_pixels(jpg) / np.float32(255))
    gray_jpg = write_image(tmp_path / "gj.jpeg", (8, 8), "L")
    assert load_image(gray_jpg).shape == (8, 8, 1)


def test_convert_channels():
    rgb = np.random.default_rng(0).random((2, 3, 3), dtype=np.float32)
    assert convert_channels(rgb, None) is rgb
    assert convert_channels(rgb, 3) is rgb
    assert convert_channels(rgb, 1).shape == (2, 3, 1)
    with pytest.raises(ValueError, match="channels=2"):
        convert_channels(rgb, 2)


def test_to_uint8_rounds_and_clips():
    values = np.array([-0.5, 0.0, 0.5 / 255, 1.49 / 255, 0.5, 1.0, 2.0], np.float32)
    np.testing.assert_array_equal(to_uint8(values), [0, 0, 0, 1, 128, 255, 255])


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda p: p.write_text("this is plain text, not a PNG"), "not an image file"),
        (lambda p: p.write_bytes(b""), "not an image file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64))), "not an image file|corrupt or truncated"),
    ],
    ids=["text", "empty", "garbage-after-signature"],
)
def test_unreadable_png(tmp_path, make, pattern):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(UserInputError, match=pattern) as info:
        load_image(path)
    assert "bad.png" in assert_one_line(info)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp"])
def test_truncated_image(tmp_path, suffix):
    full = write_image(tmp_path / f"full{suffix}", (64, 64), "RGB")
    data = full.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserInputError, match=rf"cut{suffix}") as info:
        load_image(cut)
    assert_one_line(info)


def test_corrupt_png_checksum(tmp_path):
    full = write_image(tmp_path / "full.png", (32, 32), "RGB")
    data = bytearray(full.read_bytes())
    idat = data.index(b"IDAT")
    data[idat + 10 : idat + 30] = bytes(20)  # zeroed compressed data
    bad = tmp_path / "flipped.png"
    bad.write_bytes(bytes(data))
    with pytest.raises(UserInputError, match="flipped.png") as info:
        load_image(bad)
    assert_one_line(info)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UserInputError, match="no such image file"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(UserInputError, match="no such image file"):
        load_image(tmp_path)


# ---------------------------------------------------------------- writing


def test_save_png_round_trip_and_atomic(tmp_path):
    rgb = np.random.default_rng(0).random((5, 4, 3), dtype=np.float32)
    out = save_png(rgb, tmp_path / "out" / "x.png")
    assert out == tmp_path / "out" / "x.png"
    np.testing.assert_array_equal(load_image(out), to_uint8(rgb) / np.float32(255))
    gray = save_png(rgb[..., :1], tmp_path / "out" / "g.png")
    with Image.open(gray) as im:
        assert im.mode == "L" and im.size == (4, 5)
    assert files_under(tmp_path / "out") == {"x.png", "g.png"}  # no temp files left
    save_png(rgb * 0, out)  # overwrite in place
    assert load_image(out).max() == 0.0
    assert files_under(tmp_path / "out") == {"x.png", "g.png"}


def test_save_png_failure_leaves_no_temp_file(tmp_path, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(RuntimeError, match="disk full"):
        save_png(np.zeros((2, 2, 3)), tmp_path / "x.png")
    assert files_under(tmp_path) == set()


def test_save_png_unwritable_folder(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("a regular file, not a folder")
    with pytest.raises(UserInputError, match="cannot write to folder .*a_file") as info:
        save_png(np.zeros((2, 2, 3)), blocker / "sub" / "x.png")
    assert_one_line(info)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_save_png_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(UserInputError, match="cannot write to folder"):
            save_png(np.zeros((2, 2, 3)), locked / "x.png")
        with pytest.raises(UserInputError, match="cannot write to folder"):
            check_writable_dir(locked)
    finally:
        locked.chmod(stat.S_IRWXU)


def test_save_png_permission_denied(tmp_path, monkeypatch):
    # As root (CI containers) chmod does not lock a folder: simulate the refusal instead.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(UserInputError, match="cannot write to folder .*: Permission denied$") as info:
        save_png(np.zeros((2, 2, 3)), tmp_path / "x.png")
    assert_one_line(info)
    assert files_under(tmp_path) == set()


def test_check_writable_dir(tmp_path):
    assert check_writable_dir(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert (tmp_path / "new" / "deep").is_dir() and files_under(tmp_path / "new") == set()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserInputError, match="cannot write to folder .*file") as info:
        check_writable_dir(tmp_path / "file" / "below")
    assert_one_line(info)


def test_load_image_accepts_pathlike_and_str(tmp_path):
    path = write_image(tmp_path / "s.png", (3, 3), "L")
    np.testing.assert_array_equal(load_image(str(path)), load_image(path))
