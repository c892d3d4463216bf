"""Image bytes in a serving graph: the size read from the header and checked before anything is decoded.

A served model takes encoded bytes from anyone; a 62 KB PNG can hold 8000x8000 pixels, and
``tf.io.decode_image`` allocates the whole image (as float32, 768 MB for that one) before the
model even runs. :func:`decode_image` reads the width and height from the first 32 bytes of
the file (PNG, GIF, BMP, WebP: fixed offsets; JPEG: ``tf.image.extract_jpeg_shape``, which
parses the markers up to the frame header and decodes nothing), rejects an image over the
export's ``max_pixels`` with an ``InvalidArgumentError`` that names both, and only then decodes.
"""

from __future__ import annotations

import numbers

import tensorflow as tf

from kerasdl.errors import UserInputError

FORMATS = "PNG, JPEG, GIF, BMP or WebP"

_HEAD = 32  # bytes read for the header: the furthest field is a WebP height, ending at byte 30
_JPEG, _PNG, _GIF, _BMP, _WEBP, _UNSUPPORTED = range(6)
_SIGNATURES = (  # in the order TensorFlow's DecodeImage tells formats apart
    (_JPEG, ((0, b"\xff\xd8\xff"),)),
    (_PNG, ((0, b"\x89PNG\r\n\x1a\n"),)),
    (_GIF, ((0, b"GIF8"),)),
    (_BMP, ((0, b"BM"),)),
    (_WEBP, ((0, b"RIFF"), (8, b"WEBP"))),
)


def check_max_pixels(max_pixels) -> int:
    """``max_pixels`` if it is a positive integer, else ``UserInputError``."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, numbers.Integral) or max_pixels < 1:
        raise UserInputError(f"max_pixels must be a positive integer; got {max_pixels!r}")
    return int(max_pixels)


def _matches(head, offset: int, expected: bytes):
    return tf.reduce_all(tf.equal(head[offset : offset + len(expected)], tf.constant(list(expected), tf.int64)))


def _little_endian(head, offset: int, size: int):
    value = tf.constant(0, tf.int64)
    for i in reversed(range(size)):
        value = value * 256 + head[offset + i]
    return value


def _big_endian(head, offset: int, size: int):
    value = tf.constant(0, tf.int64)
    for i in range(size):
        value = value * 256 + head[offset + i]
    return value


def _signed32(value):
    return tf.where(value >= 2**31, value - 2**32, value)


def _webp_size(head):
    """``(height, width)`` of a WebP file from its first chunk (extended, lossless or lossy), -1 if none."""
    lossless = _little_endian(head, 21, 4)  # after the 0x2f signature: 14 bits width - 1, 14 bits height - 1
    sizes = [
        (_matches(head, 12, b"VP8X"), _little_endian(head, 27, 3) + 1, _little_endian(head, 24, 3) + 1),
        (_matches(head, 12, b"VP8L"), (lossless // 2**14) % 2**14 + 1, lossless % 2**14 + 1),
        (_matches(head, 12, b"VP8 "), _little_endian(head, 28, 2) % 2**14, _little_endian(head, 26, 2) % 2**14),
    ]
    height = width = tf.constant(-1, tf.int64)
    for found, h, w in reversed(sizes):
        height, width = tf.where(found, h, height), tf.where(found, w, width)
    return height, width


def _header(data):
    """``(format, height, width)`` read from the first bytes of ``data`` (see :func:`image_size`)."""
    data = tf.convert_to_tensor(data, tf.string)
    head = tf.strings.substr(tf.strings.join([tf.strings.substr(data, 0, _HEAD), b"\0" * _HEAD]), 0, _HEAD)
    head = tf.cast(tf.io.decode_raw(head, tf.uint8), tf.int64)
    kind = tf.constant(_UNSUPPORTED)
    for code, fields in reversed(_SIGNATURES):
        found = tf.reduce_all(tf.stack([_matches(head, offset, magic) for offset, magic in fields]))
        kind = tf.where(found, code, kind)

    def jpeg():
        shape = tf.cast(tf.image.extract_jpeg_shape(data), tf.int64)
        return shape[0], shape[1]

    branches = {
        _JPEG: jpeg,
        _PNG: lambda: (_big_endian(head, 20, 4), _big_endian(head, 16, 4)),
        _GIF: lambda: (_little_endian(head, 8, 2), _little_endian(head, 6, 2)),
        _BMP: lambda: (tf.abs(_signed32(_little_endian(head, 22, 4))), _signed32(_little_endian(head, 18, 4))),
        _WEBP: lambda: _webp_size(head),
        _UNSUPPORTED: lambda: (tf.constant(-1, tf.int64), tf.constant(-1, tf.int64)),
    }
    height, width = tf.switch_case(kind, [branches[i] for i in range(len(branches))])
    return kind, height, width


def image_size(data):
    """The ``(height, width)`` an encoded image declares, read from its header without decoding it.

    Args:
        data: a scalar string tensor of PNG, JPEG, GIF, BMP or WebP bytes.

    Returns:
        Two int64 scalars: the height and width that ``tf.io.decode_image`` would return (a
        GIF's canvas, a BMP's absolute height); ``-1, -1`` for any other format (JPEG XL
        included: its size is bit-packed and cannot be checked this cheaply).

    Raises:
        tf.errors.InvalidArgumentError: bytes that start as a JPEG but have no readable header.
    """
    _, height, width = _header(data)
    return height, width


def _checked(data, max_pixels: int):
    """``(format, data)``: ``data`` passed on only after the size check ran (see :func:`check_image_size`)."""
    max_pixels = check_max_pixels(max_pixels)
    kind, height, width = _header(data)
    pixels = height * width
    supported = (height >= 0) & (width >= 0)
    too_large = tf.strings.format(
        "image is {}x{} ({} pixels); this model accepts at most {} pixels (max_pixels at export)",
        (width, height, pixels, max_pixels),
    )
    message = tf.where(supported, too_large, f"unsupported image format: send {FORMATS} bytes")
    check = tf.debugging.Assert(supported & (pixels <= max_pixels), [message])  # None when eager: it has run
    with tf.control_dependencies([check] if check is not None else []):
        return kind, tf.identity(data)


def check_image_size(data, *, max_pixels: int):
    """``data``, passed on only if it is a PNG, JPEG, GIF, BMP or WebP image of at most ``max_pixels`` pixels.

    Only the header is read (:func:`image_size`); ops that take the returned tensor run after the check.

    Raises:
        tf.errors.InvalidArgumentError: over the limit ("image is 8000x8000 (64000000 pixels); this
            model accepts at most 40000000 pixels (max_pixels at export)"), or another format.
        UserInputError: ``max_pixels`` is not a positive integer (when the graph is built).
    """
    return _checked(data, max_pixels)[1]


def decode_image(data, *, max_pixels: int, dtype=tf.float32):
    """``tf.io.decode_image`` to RGB (the first frame) of encoded bytes, after :func:`check_image_size`.

    Example:
        >>> png = tf.io.encode_png(tf.zeros((4, 6, 1), tf.uint8))
        >>> decode_image(png, max_pixels=100).shape
        TensorShape([4, 6, 3])

    Args:
        data: a scalar string tensor of PNG, JPEG, GIF, BMP or WebP bytes.
        max_pixels: the largest ``height * width`` accepted.
        dtype: the dtype of the image (float32: in [0, 1]).

    Returns:
        The image, ``(height, width, 3)``.

    Raises:
        tf.errors.InvalidArgumentError: over the limit, another format, or undecodable bytes.
        UserInputError: ``max_pixels`` is not a positive integer (when the graph is built).
    """
    kind, data = _checked(data, max_pixels)

    def decode():
        return tf.io.decode_image(data, channels=3, dtype=dtype, expand_animations=False)

    def decode_webp():  # TensorFlow decodes WebP to its own RGB or RGBA, in uint8 only
        image = tf.io.decode_image(data, dtype=tf.uint8, expand_animations=False)[..., :3]
        return tf.image.convert_image_dtype(image, dtype)

    image = tf.cond(tf.equal(kind, _WEBP), decode_webp, decode)
    image.set_shape([None, None, 3])
    return image
