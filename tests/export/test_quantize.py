"""Quantized LiteRT variants through the one export path: files, parity, metrics, refusal, float ops."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasdl.errors import UserInputError
from kerasdl.export import QuantizationLossError, export_model
from kerasdl.export.quantize import (
    FILES,
    LiteRTQuality,
    LiteRTRunner,
    accuracy_quality,
    float_ops,
    parse_quantize,
    variants_table,
)

SPEC = tf.TensorSpec([None, 8, 8, 1], tf.float32)


class Sine(keras.layers.Layer):
    """``sin``: LiteRT has a float kernel for it and no int8 one."""

    def call(self, x):
        return keras.ops.sin(x)


def conv_model(*, sine=False):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    if sine:
        x = Sine()(x)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))  # 16k weights: the file is mostly weights
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.random((96, 8, 8, 1), dtype=np.float32)
    return x[:64], x[64:]


def agreement_quality(model, evaluation, calibration):
    """Accuracy against the Keras model's own labels: 100% for the float file, lower when a variant flips some."""
    labels = np.argmax(model.predict(evaluation, verbose=0), axis=-1)
    return accuracy_quality(evaluation, labels, calibration, data="random images", batch_size=16)


def export(model, root, quality, **options):
    sample = np.random.default_rng(1).random((2, 8, 8, 1), dtype=np.float32)
    return export_model(
        model, app="tiny", root=root, float_input_signature=SPEC, sample_inputs=sample, quality=quality, **options
    )


def test_parse_quantize_orders_names_and_always_keeps_the_float_file():
    assert parse_quantize(None) == ("none",)
    assert parse_quantize("int8,dynamic") == ("none", "dynamic", "int8")
    assert parse_quantize(["float16", "INT8"]) == ("none", "float16", "int8")
    assert parse_quantize("none") == ("none",)
    with pytest.raises(UserInputError, match="int4"):
        parse_quantize("int8,int4")


def test_every_variant_is_written_checked_and_measured(tmp_path, data):
    model = conv_model()
    calibration, evaluation = data
    quality = agreement_quality(model, evaluation, calibration)  # an untrained model's near-ties flip some labels
    result = export(model, tmp_path, quality, quantize="dynamic,float16,int8", max_loss=100.0)
    litert = result.metadata["litert"]
    assert json.loads((result.path / "metadata.json").read_text())["litert"] == litert
    assert set(litert["variants"]) == {"none", "dynamic", "float16", "int8"}
    assert litert["keras"]["accuracy"] == 1.0 and litert["metric"] == "accuracy" and litert["unit"] == "points"
    for variant, entry in litert["variants"].items():
        path = result.path / FILES[variant]
        assert path.is_file() and entry["bytes"] == path.stat().st_size
        assert entry["parity_max_abs_diff"] <= entry["parity_tolerance"]
        assert entry["latency_ms"] > 0 and 0 <= entry["accuracy"] <= 1
        assert result.files[f"LiteRT {variant}" if variant != "none" else "LiteRT"] == path
    assert litert["variants"]["none"]["accuracy"] == 1.0 and litert["variants"]["none"]["loss"] == 0.0
    # the quantized files hold int8 or float16 weights: smaller than the float32 one
    reference = litert["float32_bytes_same_converter"]
    assert litert["variants"]["int8"]["bytes"] < 0.5 * reference
    assert litert["variants"]["float16"]["bytes"] < 0.75 * reference
    assert litert["variants"]["int8"]["float_ops"] == []  # every op has an int8 kernel
    # each variant's outputs are its own: the int8 file gives the Keras probabilities within its tolerance
    x = evaluation[:4]
    int8 = LiteRTRunner(result.path / FILES["int8"])(x)
    assert np.max(np.abs(int8 - model.predict(x, verbose=0))) <= litert["variants"]["int8"]["parity_tolerance"]
    table = variants_table(litert)
    assert "int8" in table and "model_int8.tflite" in table and "accuracy" in table


def test_a_variant_that_loses_too_much_refuses_the_export_and_leaves_nothing(tmp_path, data):
    model = conv_model()
    calibration, evaluation = data

    def score(predict):  # minus the largest deviation from the Keras outputs: 0 for Keras, below for int8
        return -float(np.max(np.abs(predict(evaluation) - model.predict(evaluation, verbose=0))))

    quality = LiteRTQuality(
        metric="fidelity",
        data="random images",
        score=score,
        representative=lambda: (calibration[i : i + 1] for i in range(len(calibration))),
        latency_input=evaluation[:1],
        max_loss=0.0,
    )
    with pytest.raises(QuantizationLossError, match=r"the int8 LiteRT variant loses fidelity by .* --max-loss 0"):
        export(model, tmp_path, quality, quantize="int8")
    assert list((tmp_path / "tiny").iterdir()) == []  # no version, no temporary folder
    # the user's threshold replaces the app's default
    result = export(model, tmp_path, quality, quantize="int8", max_loss=1.0)
    assert result.metadata["litert"]["max_loss"] == 1.0 and result.version == 1


def test_an_op_without_an_int8_kernel_stays_float_and_is_named(tmp_path, data):
    model = conv_model(sine=True)
    calibration, evaluation = data
    result = export(model, tmp_path, agreement_quality(model, evaluation, calibration), quantize="int8", max_loss=100.0)
    entry = result.metadata["litert"]["variants"]["int8"]
    assert entry["float_ops"] == ["SIN"]
    assert float_ops(result.path / "model_int8.tflite") == ["SIN"]
    assert entry["parity_max_abs_diff"] <= entry["parity_tolerance"]


def test_integer_io_gives_the_int8_file_int8_input_and_output(tmp_path, data):
    from ai_edge_litert.interpreter import Interpreter

    model = conv_model()
    calibration, evaluation = data
    result = export(
        model,
        tmp_path,
        agreement_quality(model, evaluation, calibration),
        quantize="int8",
        integer_io=True,
        max_loss=100.0,
    )
    interpreter = Interpreter(model_path=str(result.path / "model_int8.tflite"))
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    entry = result.metadata["litert"]["variants"]["int8"]
    assert entry["integer_io"] is True and entry["parity_max_abs_diff"] <= entry["parity_tolerance"]


def test_without_an_app_metric_variants_get_size_latency_and_parity(tmp_path):
    result = export(conv_model(), tmp_path, None, quantize="dynamic,int8")
    litert = result.metadata["litert"]
    assert "metric" not in litert and "parity samples" in litert["calibration"]
    assert set(litert["variants"]) == {"none", "dynamic", "int8"}
    assert "accuracy" not in variants_table(litert)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"quantize": "int8", "tflite": False}, "cannot go with --no-tflite"),
        ({"integer_io": True}, "add --quantize int8"),
        ({"quantize": "int8", "max_loss": -1}, "--max-loss must be a number >= 0"),
        ({"quantize": "int2"}, "int2"),
    ],
)
def test_bad_quantization_options_are_refused_before_anything_is_written(tmp_path, options, message):
    with pytest.raises(UserInputError, match=message):
        export(conv_model(), tmp_path, None, **options)
    assert not (tmp_path / "tiny").exists()


def test_a_bad_quantize_flag_answers_before_tensorflow_loads(tmp_path):
    probe = (
        "import sys; from kerasdl.cli import main\n"
        "try:\n    main(['sr', 'export', '--quantize', 'int4'])\n"
        "except SystemExit as e:\n    print('exit', e.code, 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert "exit 2 False" in done.stdout, done.stdout + done.stderr
    assert "int4" in done.stderr and "Traceback" not in done.stderr
