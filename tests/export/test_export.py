"""Tests for kerasdl.export with a tiny fully-convolutional model."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

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
from kerasdl.export.parity import fit_to_shape, png_diff

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
    result = export_model(
        model,
        app="sr",
        root=root,
        float_input_signature=FLOAT_SPEC,
        sample_inputs=sample,
        endpoints=[png_endpoint(model)],
        metadata={"command": "kerasdl sr export", "scale": 2},
    )
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
