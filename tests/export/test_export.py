"""Tests for kerasdl.export with a tiny fully-convolutional model."""

import io
import json
import os
import pathlib
import resource
import stat
import struct
import subprocess
import sys
import time
import zlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasdl.errors import ExportParityError, UserInputError
from kerasdl.export import (
    Endpoint,
    TFLiteConversionError,
    export_model,
    load_serving_signature,
    next_version,
    run_tflite,
    version_dir,
)
from kerasdl.export.images import check_max_pixels, decode_image, image_size
from kerasdl.export.parity import fit_to_shape, png_diff
from kerasdl.export.versions import remove_stale_temp_dirs, stale_temp_dirs, temp_dir_prefix

REPO = pathlib.Path(__file__).resolve().parents[2]

FLOAT_SPEC = tf.TensorSpec([None, None, None, 1], tf.float32)


class DepthToSpace(keras.layers.Layer):
    """Pixel shuffle through tf.nn.depth_to_space."""

    def call(self, x):
        return tf.nn.depth_to_space(x, 2)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 1))
    x = keras.layers.ReLU()(keras.layers.Conv2D(4, 3, padding="same")(inputs))
    x = keras.layers.Add()([x, keras.layers.Conv2D(4, 1)(inputs)])
    return keras.Model(inputs, DepthToSpace()(x))


@pytest.fixture
def sample():
    return np.random.default_rng(0).random((2, 6, 5, 1), dtype=np.float32)


def png_endpoint(model, name="serving_png"):
    def fn(images):
        def one(data):
            x = tf.cast(tf.io.decode_png(data, channels=1), tf.float32) / 255.0
            y = model(x[None], training=False)[0]
            return tf.io.encode_png(tf.cast(tf.clip_by_value(tf.round(y * 255.0), 0, 255), tf.uint8))

        return {"image_png": tf.map_fn(one, images, fn_output_signature=tf.string)}

    rng = np.random.default_rng(1)
    pngs = np.array(
        [tf.io.encode_png(rng.integers(0, 256, (6, 5, 1), dtype=np.uint8)).numpy() for _ in range(2)],
        dtype=object,
    )
    return Endpoint(name, fn, [tf.TensorSpec([None], tf.string)], [pngs], compare="png")


def assert_nothing_left(app_dir):
    assert not app_dir.exists() or list(app_dir.iterdir()) == []


def assert_world_readable(folder):
    """Every folder under ``folder`` (itself included) is 0755 and every file 0644, as TF Serving needs."""
    modes = {folder: 0o755}
    for path in folder.rglob("*"):
        modes[path] = 0o755 if path.is_dir() else 0o644
    assert len(modes) > 3
    wrong = {
        str(p): oct(stat.S_IMODE(p.stat().st_mode))
        for p, mode in modes.items()
        if stat.S_IMODE(p.stat().st_mode) != mode
    }
    assert not wrong, wrong


def test_version_helpers(tmp_path):
    assert next_version(tmp_path / "missing") == 1
    for name in ("1", "3", ".tmp-7-abc", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "9").write_text("a file, not a version")
    assert next_version(tmp_path) == 4
    assert version_dir("saved_models", "sr", 3).as_posix() == "saved_models/sr/3"


def test_fit_to_shape_and_png_diff():
    x = np.ones((2, 6, 5, 1), np.float32)
    assert fit_to_shape(x, (1, 4, 8, 1)).shape == (1, 4, 8, 1)
    assert fit_to_shape(x, (None, 4, None, 1)).shape == (2, 4, 5, 1)
    a = np.zeros((4, 4, 1), np.uint8)
    pngs = [tf.io.encode_png(a).numpy(), tf.io.encode_png(a + 3).numpy()]
    assert png_diff(np.array(pngs[:1], object), np.array(pngs[1:], object)) == 3
    assert png_diff(np.array(pngs, object), np.array(pngs[:1], object)) == float("inf")


def test_unwritable_root_is_user_error(model, sample, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UserInputError, match="cannot write to .*file"):
        export_model(model, app="sr", root=blocker / "models", float_input_signature=FLOAT_SPEC, sample_inputs=sample)


@pytest.mark.slow
def test_export_layout_parity_and_metadata(model, sample, tmp_path):
    root = tmp_path / "saved_models"
    umask = os.umask(0o077)  # a private umask: the export is still readable by a TF Serving of another user
    try:
        result = export_model(
            model,
            app="sr",
            root=root,
            float_input_signature=FLOAT_SPEC,
            sample_inputs=sample,
            endpoints=[png_endpoint(model)],
            metadata={"command": "kerasdl sr export", "scale": 2},
        )
    finally:
        os.umask(umask)
    assert_world_readable(result.path)
    assert stat.S_IMODE(root.stat().st_mode) == stat.S_IMODE((root / "sr").stat().st_mode) == 0o755
    assert result.path == root / "sr" / "1" and result.version == 1
    names = {p.name for p in result.path.iterdir()}
    assert {"saved_model.pb", "variables", "model.tflite", "metadata.json"} <= names
    assert not {n for n in names if n.endswith(".tmp")}
    assert (result.path / "variables" / "variables.index").is_file()
    assert result.tflite_path == result.path / "model.tflite"
    assert [p.name for p in (root / "sr").iterdir()] == ["1"]  # no temp folder left

    meta = json.loads((result.path / "metadata.json").read_text())
    assert meta == result.metadata
    assert meta["app"] == "sr" and meta["version"] == 1 and meta["scale"] == 2
    assert meta["command"] == "kerasdl sr export" and meta["created"].endswith("+00:00")
    assert set(meta["signatures"]) == {"serving_default", "serving_float", "serving_png"}
    assert meta["signatures"]["serving_float"] == {
        "inputs": {"inputs": {"dtype": "float32", "shape": [None, None, None, 1]}},
        "outputs": {"output": {"dtype": "float32", "shape": [None, None, None, 1]}},
    }
    assert meta["signatures"]["serving_default"] == meta["signatures"]["serving_float"]
    assert meta["signatures"]["serving_png"]["outputs"] == {"image_png": {"dtype": "string", "shape": [None]}}
    diffs = meta["parity"]["max_abs_diff"]
    assert diffs["serving_float"] <= 1e-4 and diffs["tflite"] <= 1e-4 and diffs["serving_png"] <= 1
    assert meta["tflite"]["file"] == "model.tflite"
    assert meta["tflite"]["inputs"][0]["shape"] == [-1, -1, -1, 1]
    assert set(meta["versions"]) >= {"tensorflow", "keras", "kerasdl", "python"}

    # The reloaded signature and the dynamic-shape TFLite file work on other sizes.
    other = np.random.default_rng(2).random((1, 7, 9, 1), dtype=np.float32)
    expected = model(other).numpy()
    served = load_serving_signature(result.path)(other)["output"].numpy()
    np.testing.assert_allclose(served, expected, atol=1e-4)
    np.testing.assert_allclose(run_tflite(result.tflite_path, other), expected, atol=1e-4)


@pytest.mark.slow
def test_version_numbering(model, sample, tmp_path):
    kwargs = dict(app="sr", root=tmp_path, float_input_signature=FLOAT_SPEC, sample_inputs=sample, tflite=False)
    assert export_model(model, **kwargs).version == 1
    second = export_model(model, **kwargs)
    assert second.version == 2 and second.tflite_path is None and second.metadata["tflite"] is None
    with pytest.raises(UserInputError, match="sr/2 already exists; pass another --version"):
        export_model(model, version=2, **kwargs)
    assert sorted(p.name for p in (tmp_path / "sr").iterdir()) == ["1", "2"]


@pytest.mark.slow
def test_fixed_tflite_shape_fallback_converter_and_default_endpoint(model, sample, tmp_path, monkeypatch):
    def broken_export(self, *args, **kwargs):
        raise RuntimeError("simulated keras litert export failure")

    monkeypatch.setattr(type(model), "export", broken_export)
    default = Endpoint(
        "serving_default",
        lambda x: {"restored": model(x, training=False)},
        [tf.TensorSpec([None, None, None, 1], tf.float32, name="image")],
        [sample],
    )
    result = export_model(
        model,
        app="sr",
        root=tmp_path,
        version=5,
        float_input_signature=FLOAT_SPEC,
        sample_inputs=np.random.default_rng(3).random((2, 6, 10, 1), dtype=np.float32),
        endpoints=[default],
        tflite_input_shape=(1, 8, 8, 1),
    )
    meta = result.metadata
    assert result.version == 5 and next_version(tmp_path / "sr") == 6
    assert meta["tflite"]["converter"] == "concrete_function"
    assert meta["tflite"]["inputs"][0]["shape"] == [1, 8, 8, 1]
    assert meta["parity"]["max_abs_diff"]["tflite"] <= 1e-4
    assert list(meta["signatures"]["serving_default"]["outputs"]) == ["restored"]
    assert list(load_serving_signature(result.path)(image=sample)) == ["restored"]


@pytest.mark.slow
def test_parity_failure_leaves_nothing(model, sample, tmp_path):
    def drifting(x):
        bump = 0.0 if tf.executing_eagerly() else 0.5  # in-process eager vs saved graph
        return {"output": model(x, training=False) + bump}

    broken = Endpoint("serving_broken", drifting, [FLOAT_SPEC], [sample])
    with pytest.raises(ExportParityError, match=r"sr/1, signature 'serving_broken': max abs diff 0\.5"):
        export_model(
            model, app="sr", root=tmp_path, float_input_signature=FLOAT_SPEC, sample_inputs=sample, endpoints=[broken]
        )
    assert_nothing_left(tmp_path / "sr")


@pytest.mark.slow
def test_tflite_parity_failure_leaves_nothing(model, sample, tmp_path, monkeypatch):
    monkeypatch.setattr("kerasdl.export.parity.run_tflite", lambda path, x: np.zeros((2, 12, 10, 1)))
    with pytest.raises(ExportParityError, match="TFLite model .*model.tflite"):
        export_model(model, app="sr", root=tmp_path, float_input_signature=FLOAT_SPEC, sample_inputs=sample)
    assert_nothing_left(tmp_path / "sr")


@pytest.mark.slow
def test_non_builtin_ops_are_reported(tmp_path):
    class Determinant(keras.layers.Layer):
        def call(self, x):
            return tf.linalg.det(tf.reshape(x, [-1, 2, 2]))[:, None]

    inputs = keras.Input((4,))
    det_model = keras.Model(inputs, Determinant()(inputs))
    with pytest.raises(TFLiteConversionError, match="MatrixDeterminant .*SELECT_TF_OPS"):
        export_model(
            det_model,
            app="det",
            root=tmp_path,
            float_input_signature=tf.TensorSpec([None, 4], tf.float32),
            sample_inputs=np.eye(2, dtype=np.float32).reshape(1, 4),
        )
    assert_nothing_left(tmp_path / "det")


# ---------------------------------------------------------------- killed and concurrent exports


def _wait_for(path, *, timeout=180, process=None):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the exporter ended early: {process.communicate()}")
        assert time.monotonic() < deadline, f"timed out waiting for {path}"
        time.sleep(0.05)


def export_when_told(root, sync, role, partner, partner_process=None):
    """Exports a tiny model to ``<root>/tiny`` that holds its temporary folder in ``checks``.

    There it touches ``<sync>/<role>.ready``, then waits for ``<partner>.ready``: both exports have
    chosen their version and hold a temporary folder. It first waits for ``<sync>/go``. Run in a
    subprocess by the test below, and in it.
    """
    sync = pathlib.Path(sync)
    _wait_for(sync / "go")

    def hold(folder):
        (sync / f"{role}.ready").touch()
        _wait_for(sync / f"{partner}.ready", process=partner_process)
        return {}

    inputs = keras.Input((None, None, 1))
    tiny = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs))
    return export_model(
        tiny,
        app="tiny",
        root=root,
        float_input_signature=FLOAT_SPEC,
        sample_inputs=np.zeros((1, 4, 4, 1), np.float32),
        tflite=False,
        checks=hold,
    )


def test_stale_temp_folders_are_those_of_ended_writers(tmp_path):
    host = temp_dir_prefix().split("-")[2]
    ended = subprocess.Popen([sys.executable, "-c", ""])
    ended.wait()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    names = {
        "ended": f".tmp-{ended.pid}-{host}-a1",
        "this process": f"{temp_dir_prefix()}b2",
        "running": f".tmp-{sleeper.pid}-{host}-c3",
        "another host": f".tmp-{ended.pid}-elsewhere-d4",  # cannot be checked, and recent: kept
        "old, no pid": ".tmp-3-e5",  # an older kerasdl's name, two days old
        "recent, no pid": ".tmp-4-f6",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
        (tmp_path / name / "saved_model.pb").write_bytes(b"")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / names["old, no pid"], (two_days_ago, two_days_ago))
    (tmp_path / ".tmp-a-file").write_text("not a folder")
    (tmp_path / "1").mkdir()
    try:
        stale = [tmp_path / names["ended"], tmp_path / names["old, no pid"]]
        assert stale_temp_dirs(tmp_path) == sorted(stale)
        assert remove_stale_temp_dirs(tmp_path) == sorted(stale)
        kept = {names[k] for k in ("this process", "running", "another host", "recent, no pid")}
        assert {p.name for p in tmp_path.iterdir()} == kept | {".tmp-a-file", "1"}
    finally:
        sleeper.kill()
        sleeper.wait()
    assert stale_temp_dirs(tmp_path) == [tmp_path / names["running"]]  # its writer has ended now


@pytest.mark.slow
def test_concurrent_exports_both_succeed_and_clear_what_a_killed_one_left(tmp_path):
    root, sync = tmp_path / "models", tmp_path / "sync"
    sync.mkdir()
    ended = subprocess.Popen([sys.executable, "-c", ""])
    ended.wait()
    killed = root / "tiny" / f".tmp-{ended.pid}-{temp_dir_prefix().split('-')[2]}-k1"  # as a kill -9 leaves it
    running = root / "tiny" / f"{temp_dir_prefix()}r2"  # a running export's (this process's)
    for folder in (killed, running):
        folder.mkdir(parents=True)
        (folder / "saved_model.pb").write_bytes(b"")
    code = "import sys; from tests.export.test_export import export_when_told; print(export_when_told(*sys.argv[1:]).version)"
    racer = subprocess.Popen(
        [sys.executable, "-c", code, str(root), str(sync), "racer", "test"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        (sync / "go").touch()
        # Both exports choose version 1 and hold their temporary folder until the other does too.
        ours = export_when_told(root, sync, "test", "racer", racer)
        out, err = racer.communicate(timeout=300)
    finally:
        if racer.poll() is None:
            racer.kill()
            racer.wait()
    assert racer.returncode == 0, err
    assert sorted([ours.version, int(out.split()[-1])]) == [1, 2]
    assert sorted(p.name for p in (root / "tiny").iterdir()) == sorted(["1", "2", running.name])
    for version in (1, 2):
        folder = root / "tiny" / str(version)
        assert json.loads((folder / "metadata.json").read_text())["version"] == version
        assert_world_readable(folder)


@pytest.mark.slow
def test_explicit_version_taken_meanwhile_is_an_error(model, sample, tmp_path):
    def take_version(folder):
        (tmp_path / "sr" / "3").mkdir()
        (tmp_path / "sr" / "3" / "saved_model.pb").write_bytes(b"another export's")
        return {}

    kwargs = dict(app="sr", root=tmp_path, float_input_signature=FLOAT_SPEC, sample_inputs=sample, tflite=False)
    with pytest.raises(UserInputError, match="sr/3 already exists; pass another --version or omit it"):
        export_model(model, version=3, checks=take_version, **kwargs)
    assert [p.name for p in (tmp_path / "sr").iterdir()] == ["3"]
    assert (tmp_path / "sr" / "3" / "saved_model.pb").read_bytes() == b"another export's"


# ---------------------------------------------------------------- the pixel limit of image signatures


def constant_png(side: int) -> bytes:
    """A ``side`` x ``side`` gray PNG of zeros, compressed row by row (8000 x 8000: 62 KB, little memory)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor, row = zlib.compressobj(9), b"\0" * (side + 1)  # filter byte + pixels
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _encode(fmt, mode="RGB", **options) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (13, 21, 4), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGBA").convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _declare_8000x8000(name: str, data: bytes) -> bytes:
    """``data`` with the width and height fields of its header set to 8000 (the pixels stay small)."""
    data = bytearray(data)
    if name.startswith("png"):
        struct.pack_into(">II", data, 16, 8000, 8000)  # IHDR (its CRC is not read before the check)
    elif name.startswith("jpeg"):
        sof = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
        struct.pack_into(">HH", data, sof + 5, 8000, 8000)
    elif name == "gif":
        struct.pack_into("<HH", data, 6, 8000, 8000)
    elif name == "bmp":
        struct.pack_into("<ii", data, 18, 8000, 8000)
    elif data[12:16] == b"VP8 ":
        struct.pack_into("<HH", data, 26, 8000, 8000)
    elif data[12:16] == b"VP8L":
        (bits,) = struct.unpack_from("<I", data, 21)
        struct.pack_into("<I", data, 21, bits & ~(2**28 - 1) | 7999 | 7999 << 14)
    elif data[12:16] == b"VP8X":
        data[24:30] = (7999).to_bytes(3, "little") * 2
    else:
        raise ValueError(name)
    return bytes(data)


ENCODED = {
    "png": lambda: _encode("PNG"),
    "png-gray": lambda: _encode("PNG", "L"),
    "jpeg": lambda: _encode("JPEG"),
    "jpeg-progressive": lambda: _encode("JPEG", progressive=True),
    "gif": lambda: _encode("GIF"),
    "bmp": lambda: _encode("BMP"),
    "webp-lossy": lambda: _encode("WEBP"),
    "webp-lossless": lambda: _encode("WEBP", lossless=True),
    "webp-alpha": lambda: _encode("WEBP", "RGBA"),
}
TOO_LARGE = r"image is 8000x8000 \(64000000 pixels\); this model accepts at most {} pixels \(max_pixels at export\)"


@pytest.mark.parametrize("name", list(ENCODED))
def test_size_read_from_the_header_and_checked_before_decoding(name):
    data = ENCODED[name]()
    decoded = tf.io.decode_image(data, expand_animations=False)  # uint8: WebP's only dtype
    assert [int(v) for v in image_size(data)] == [13, 21] == decoded.shape[:2]
    image = decode_image(data, max_pixels=13 * 21)
    expected = tf.image.convert_image_dtype(decoded, tf.float32)
    expected = tf.image.grayscale_to_rgb(expected) if expected.shape[-1] == 1 else expected[..., :3]
    np.testing.assert_allclose(image.numpy(), expected.numpy(), atol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"image is 21x13 \(273 pixels\); .* at most 272 pixels"):
        decode_image(data, max_pixels=13 * 21 - 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=TOO_LARGE.format(40000000)):
        decode_image(_declare_8000x8000(name, data), max_pixels=40_000_000)


@pytest.mark.parametrize(
    "data",
    [b"definitely not an image", b"", b"\xff\x0a\xfa\x7f" + bytes(40), b"\0\0\0\x0cJXL \r\n\x87\n" + bytes(40)],
    ids=["text", "empty", "jpeg-xl", "jpeg-xl-container"],
)
def test_formats_whose_size_cannot_be_read_are_refused(data):
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="unsupported image format: send PNG, JPEG, GIF, BMP or WebP"
    ):
        decode_image(data, max_pixels=100)


@pytest.mark.parametrize("value", [0, -5, 2.5, True, "100"])
def test_max_pixels_must_be_a_positive_integer(value):
    with pytest.raises(UserInputError, match=f"max_pixels must be a positive integer; got {value!r}"):
        check_max_pixels(value)


@pytest.mark.slow
def test_classifier_and_captioner_signatures_check_the_size():
    import types

    from kerasdl.apps.captioning.serving import bytes_endpoint_fn
    from kerasdl.apps.classification.serving import image_bytes_endpoint_fn

    inputs = keras.Input((8, 8, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    classifier = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(pooled))
    captioner = types.SimpleNamespace(
        image_size=8, strings=lambda images: tf.strings.as_string(tf.reduce_mean(images, axis=[1, 2, 3]))
    )
    fits, too_large = (tf.io.encode_png(np.zeros((10, w, 3), np.uint8)) for w in (10, 11))
    for fn in (
        image_bytes_endpoint_fn(classifier, ["a", "b"], max_pixels=100),
        bytes_endpoint_fn(captioner, max_pixels=100),
    ):
        serve = tf.function(fn, input_signature=[tf.TensorSpec([None], tf.string)])
        serve(tf.stack([fits]))
        with pytest.raises(
            tf.errors.InvalidArgumentError, match=r"image is 11x10 \(110 pixels\); .* at most 100 pixels"
        ):
            serve(tf.stack([fits, too_large]))


def test_max_pixels_flag(cli, chdir_tmp):
    code, _, err = cli(["sr", "export", "--max-pixels", "0"])
    assert code == 2 and "--max-pixels: must be a positive integer, got '0'" in err


@pytest.mark.slow
def test_exported_image_app_refuses_a_huge_png_before_decoding(tmp_path):
    import kerasdl.apps.super_resolution.upscale  # noqa: F401  (its module constants must exist before tracing)
    from kerasdl.apps.super_resolution.task import SuperResolution

    task = SuperResolution("espcn", scale=2, run_dir=tmp_path / "run")
    task.model = task.build_model()
    assert task._serving().metadata["max_pixels"] == SuperResolution.serving_max_pixels == 4_000_000
    with pytest.raises(UserInputError, match="max_pixels must be a positive integer; got 0"):
        task.export(tmp_path / "models", max_pixels=0)
    result = task.export(tmp_path / "models", tflite=False, max_pixels=1_000_000)
    assert result.metadata["max_pixels"] == 1_000_000
    assert json.loads((result.path / "metadata.json").read_text())["max_pixels"] == 1_000_000

    serve = load_serving_signature(result.path)
    small = tf.io.encode_png(np.full((5, 7, 1), 128, np.uint8))
    (upscaled,) = serve(image_bytes=tf.stack([small]))["image_png"].numpy()
    assert tf.io.decode_png(upscaled).shape == (10, 14, 1)

    huge = constant_png(8000)
    assert len(huge) < 100_000
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(tf.errors.InvalidArgumentError, match=TOO_LARGE.format(1000000)):
        serve(image_bytes=tf.constant([huge]))
    assert time.perf_counter() - start < 5
    # Decoding it would take 64 M pixels x 3 channels x (2 + 4) bytes, and the model far more.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_kb < 200_000
