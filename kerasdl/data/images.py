"""Reading and writing image files, with one-line errors for anything unreadable.

Images are returned as float32 arrays in [0, 1] with shape ``(height, width, channels)``.
Grayscale, RGB, RGBA (alpha dropped), palette and 16-bit files are all handled.
"""

from __future__ import annotations

import os
import pathlib
import struct
import tempfile
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, UnidentifiedImageError

from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def find_images(path: str | os.PathLike) -> list[pathlib.Path]:
    """Image files at ``path``: the file itself, or every image in a folder, recursively, sorted.

    Raises:
        UserInputError: the path does not exist, or the folder holds no image files.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise UserInputError(f"no such file or folder: {path}")
    if path.is_file():
        return [path]
    files = sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    )
    if not files:
        raise UserInputError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in folder: {path}")
    return files


def training_and_validation_files(data, val_data=None) -> tuple[list[pathlib.Path], list[pathlib.Path]]:
    """The images of ``data`` for training and validation: ``val_data``'s if given, else every tenth held out.

    With fewer than five images none is held out: validation reads the training images.
    """
    files = find_images(data)
    if val_data:
        return files, find_images(val_data)
    if len(files) >= 5:  # hold out every tenth image
        return [f for i, f in enumerate(files) if i % 10], files[::10]
    return files, files  # too few to hold any out: validation patches come from the training images


def _to_float(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if mode.startswith("I;16") or arr.max() > 255 else 255.0
        return (arr / peak).astype(np.float32)[..., None]
    if mode == "F":
        return np.clip(np.asarray(img, dtype=np.float32), 0, 1)[..., None]
    gray = mode in ("1", "L", "LA") or (
        mode == "P" and "transparency" not in img.info and img.palette and img.palette.mode == "L"
    )
    arr = np.asarray(img.convert("L" if gray else "RGB"), dtype=np.float32)
    arr /= 255.0  # in place: a large image's float copy is made once
    return arr[..., None] if gray else arr


def _png_16bit_colour(path: pathlib.Path) -> bool:
    """Whether ``path`` is a 16-bit RGB/RGBA PNG, which PIL would reduce to 8 bits."""
    with path.open("rb") as f:
        head = f.read(26)
    return head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and head[24] == 16 and head[25] in (2, 6)


def _load_png_16bit(path: pathlib.Path) -> np.ndarray:
    import tensorflow as tf

    try:
        pixels = tf.io.decode_png(path.read_bytes(), channels=3, dtype=tf.uint16)
    except tf.errors.InvalidArgumentError as err:
        raise UserInputError(
            f"cannot read image {path}: corrupt or truncated ({err.message.splitlines()[0]})"
        ) from None
    return (pixels.numpy() / 65535.0).astype(np.float32)


def load_image(path: str | os.PathLike, *, channels: int | None = None) -> np.ndarray:
    """Decodes an image file to float32 ``(h, w, c)`` in [0, 1].

    Args:
        path: an image file (PNG, JPEG, BMP, TIFF, WebP; 8 or 16 bits).
        channels: ``None`` keeps the file's own (1 or 3), ``1`` converts to grayscale
            (ITU-R BT.601 luma), ``3`` to RGB.

    Raises:
        UserInputError: missing, not an image, corrupt or truncated.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserInputError(f"no such image file: {path}")
    if _png_16bit_colour(path):
        return convert_channels(_load_png_16bit(path), channels)
    return _decode(path, name=path, channels=channels)


def decode_image_bytes(data: bytes, *, name="image", channels: int | None = None) -> np.ndarray:
    """Decodes encoded image bytes (PNG, JPEG, BMP, GIF, TIFF, WebP) to float32 ``(h, w, c)`` in [0, 1].

    Raises:
        UserInputError: not an image, corrupt or truncated (``name`` says which input).
    """
    import io

    return _decode(io.BytesIO(data), name=name, channels=channels)


def _decode(source, *, name, channels) -> np.ndarray:
    """Decodes a file or file-like ``source`` with PIL, in full (a truncated file fails here, not in training)."""
    try:
        with Image.open(source) as img:
            img.load()
            arr = _to_float(img)
    except UnidentifiedImageError:
        raise UserInputError(f"not an image file (or an unsupported format): {name}") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise UserInputError(f"cannot read image {name}: corrupt or truncated ({err})") from None
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise UserInputError(f"empty image: {name}")
    return convert_channels(arr, channels)


def image_array(array, *, name="image") -> np.ndarray:
    """An image given as an array, as float32 ``(h, w, c)`` in [0, 1]: uint8 is divided by 255.

    Raises:
        UserInputError: not ``(h, w)`` or ``(h, w, 1|3|4)``, or empty.
    """
    arr = np.asarray(array)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4) or 0 in arr.shape:
        raise UserInputError(
            f"{name} must be an image array of shape (height, width) or (height, width, 1, 3 or 4 "
            f"channels); got shape {tuple(np.shape(array))}"
        )
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535.0
    arr = np.asarray(arr, dtype=np.float32)[..., :3]
    return arr


def read_image_inputs(inputs) -> list[tuple[str, np.ndarray]]:
    """``(name, image)`` for every image in ``inputs``, all decoded before any is used.

    Args:
        inputs: one input or a list of them: an image file or a folder of images (its
            images, recursively, sorted), encoded image bytes, or an array ``(h, w[, c])``
            (uint8 0-255, or float in [0, 1]); a 4-D array is a batch of images.

    Returns:
        A list of ``(name, float32 (h, w, c) image in [0, 1])``: a file's path, or
        ``image<i>`` for bytes and arrays.

    Raises:
        UserInputError: a missing path, a folder without images, undecodable bytes, a
            wrong array shape, or no input at all.
    """
    if isinstance(inputs, (str, os.PathLike, bytes, bytearray)) or (isinstance(inputs, np.ndarray) and inputs.ndim < 4):
        inputs = [inputs]
    found = []
    for item in inputs:
        if isinstance(item, (str, os.PathLike)):
            found += [(str(f), load_image(f)) for f in find_images(item)]
        elif isinstance(item, (bytes, bytearray)):
            name = f"image{len(found)}"
            found.append((name, decode_image_bytes(bytes(item), name=name)))
        elif isinstance(item, np.ndarray) and item.ndim == 4:
            found += [
                (f"image{len(found) + i}", image_array(a, name=f"image{len(found) + i}")) for i, a in enumerate(item)
            ]
        else:
            name = f"image{len(found)}"
            found.append((name, image_array(item, name=name)))
    if not found:
        raise UserInputError("no images given")
    return found


def encoded_image_inputs(inputs) -> list[bytes]:
    """Every input as encoded image bytes (files read, arrays encoded as PNG): what a served model takes."""
    import io

    if isinstance(inputs, (str, os.PathLike, bytes, bytearray)) or (isinstance(inputs, np.ndarray) and inputs.ndim < 4):
        inputs = [inputs]
    encoded = []
    for item in inputs:
        if isinstance(item, (str, os.PathLike)):
            encoded += [f.read_bytes() for f in find_images(item)]
        elif isinstance(item, (bytes, bytearray)):
            encoded.append(bytes(item))
        else:
            for image in item if isinstance(item, np.ndarray) and item.ndim == 4 else [item]:
                pixels = to_uint8(image_array(image))
                buffer = io.BytesIO()
                Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(buffer, format="PNG")
                encoded.append(buffer.getvalue())
    if not encoded:
        raise UserInputError("no images given")
    return encoded


def convert_channels(arr: np.ndarray, channels: int | None) -> np.ndarray:
    """Converts a float image to 1 (BT.601 luma) or 3 (RGB) channels; ``None`` keeps it."""
    if channels is None or arr.shape[-1] == channels:
        return arr
    if channels == 3:
        return np.repeat(arr, 3, axis=-1)
    if channels == 1:
        luma = arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return luma[..., None].astype(np.float32)
    raise ValueError(f"channels must be None, 1 or 3; Received: channels={channels!r}")


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Rounds a float image in [0, 1] to 8 bits."""
    return np.clip(np.rint(np.asarray(arr, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)


def save_png(image, path: str | os.PathLike) -> pathlib.Path:
    """Writes a float image in [0, 1] as an 8-bit PNG, atomically (temp file, then rename).

    Args:
        image: an array ``(h, w[, 1 or 3])``, or an iterator over its row bands ``(rows, w, c)``
            from top to bottom (a :class:`~kerasdl.inference.tiling.TiledOutput`'s
            ``bands()``): they are encoded as they come, so only one band is ever in memory.
        path: the file to write.

    Raises:
        UserInputError: the folder cannot be created or written.
    """
    path = pathlib.Path(path)
    with atomic_path(path) as tmp:
        if isinstance(image, Iterator):
            with tmp.open("wb") as f:
                _write_png_bands(f, image)
        else:
            data = to_uint8(image)
            Image.fromarray(data[..., 0] if data.ndim == 3 and data.shape[-1] == 1 else data).save(tmp, format="PNG")
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_PNG_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # gray, gray + alpha, RGB, RGBA


def _png_header(width: int, height: int, channels: int) -> bytes:
    colour = _PNG_COLOUR_TYPES[channels]
    return _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))


def _png_scanlines(rows: np.ndarray, above: np.ndarray, channels: int) -> bytes:
    """PNG scanlines of ``rows`` (uint8 ``(n, width*channels)``) under the row ``above``, each filtered.

    Every row gets whichever of the five PNG filters leaves the smallest sum of absolute
    (signed byte) values, the heuristic libpng and Pillow use, so files stay about as small.
    """
    x = rows.astype(np.int16)
    up = np.concatenate([above[None].astype(np.int16), x[:-1]])
    left = np.pad(x, ((0, 0), (channels, 0)))[:, :-channels]
    up_left = np.pad(up, ((0, 0), (channels, 0)))[:, :-channels]
    p = left + up - up_left
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    lines = np.empty((len(rows), rows.shape[1] + 1), np.uint8)
    best = np.full(len(rows), np.inf)
    for kind, predicted in enumerate((0, left, up, (left + up) // 2, paeth)):
        filtered = (x - predicted).astype(np.uint8)  # modulo 256
        cost = np.abs(filtered.view(np.int8).astype(np.int16)).sum(axis=-1, dtype=np.int64)
        better = cost < best
        lines[better, 0], lines[better, 1:], best[better] = kind, filtered[better], cost[better]
    return lines.tobytes()


def _write_png_bands(f, bands, *, rows_at_once: int = 16) -> None:
    """Writes an 8-bit PNG to the binary file ``f`` from float row bands, one band in memory at a time.

    The height is only known at the end: the header is written with 0 and rewritten then.
    """
    compressor = zlib.compressobj(6)
    f.write(b"\x89PNG\r\n\x1a\n")
    width = channels = None
    height = 0
    for band in bands:
        pixels = to_uint8(band)
        pixels = pixels[..., None] if pixels.ndim == 2 else pixels
        if width is None:
            height_at = f.tell()
            _, width, channels = pixels.shape
            if channels not in _PNG_COLOUR_TYPES:
                raise ValueError(f"a PNG has 1 to 4 channels; got row bands of shape {pixels.shape}")
            f.write(_png_header(width, 0, channels))
            above = np.zeros(width * channels, np.uint8)
        elif pixels.shape[1:] != (width, channels):
            raise ValueError(f"row bands must all be {width} pixels wide with {channels} channels; got {pixels.shape}")
        pixels = pixels.reshape(len(pixels), -1)
        for start in range(0, len(pixels), rows_at_once):
            rows = pixels[start : start + rows_at_once]
            compressed = compressor.compress(_png_scanlines(rows, above, channels))
            if compressed:
                f.write(_png_chunk(b"IDAT", compressed))
            above = rows[-1]
        height += len(pixels)
    if width is None:
        raise ValueError("no row bands to write")
    f.write(_png_chunk(b"IDAT", compressor.flush()))
    f.write(_png_chunk(b"IEND", b""))
    f.seek(height_at)
    f.write(_png_header(width, height, channels))


def check_writable_dir(path: str | os.PathLike) -> pathlib.Path:
    """Creates ``path`` if needed and checks a file can be written there, before long work starts.

    Raises:
        UserInputError: it cannot be created or is not writable.
    """
    path = pathlib.Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise UserInputError(f"cannot write to folder {path}: {err.strerror or err}") from None
    return path
