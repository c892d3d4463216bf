"""Reload the exported artifacts and compare them with the in-process Keras model."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import keras
import numpy as np
import tensorflow as tf

from kerasdl.errors import ExportParityError
from kerasdl.export.endpoint import Endpoint
from kerasdl.export.litert import run_tflite
from kerasdl.export.saved_model import FLOAT_ENDPOINT, FLOAT_OUTPUT_NAME


def _numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value))


def float_diff(expected, actual) -> float:
    """Return the max abs difference of two arrays, inf when shapes differ.

    Args:
        expected: The reference array.
        actual: The array to check.

    Returns:
        The max abs difference (0.0 for empty arrays; exact match for non-numbers).
    """
    expected, actual = _numpy(expected), _numpy(actual)
    if expected.shape != actual.shape:
        return float("inf")
    if expected.size == 0:
        return 0.0
    if not (np.issubdtype(expected.dtype, np.number) and np.issubdtype(actual.dtype, np.number)):
        return 0.0 if np.array_equal(expected, actual) else float("inf")
    return float(np.max(np.abs(expected.astype(np.float64) - actual.astype(np.float64))))


def _decode_png(data: bytes) -> np.ndarray:
    # Byte 24 is the IHDR bit depth; decode 16-bit PNGs without rescaling 8-bit ones.
    dtype = tf.uint16 if len(data) > 24 and data[24] == 16 else tf.uint8
    return tf.io.decode_png(data, channels=0, dtype=dtype).numpy().astype(np.int64)


def png_diff(expected, actual) -> float:
    """Decode two batches of encoded PNGs and return the max pixel difference in levels.

    Args:
        expected: The reference batch of PNG bytes.
        actual: The batch to check.

    Returns:
        The max abs integer pixel difference, inf when counts or shapes differ.
    """
    expected, actual = _numpy(expected).reshape(-1), _numpy(actual).reshape(-1)
    if expected.shape != actual.shape:
        return float("inf")
    worst = 0.0
    for a, b in zip(expected, actual):
        a, b = _decode_png(a), _decode_png(b)
        if a.shape != b.shape:
            return float("inf")
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


def keras_reference(model: keras.Model, inputs, dtype=tf.float32) -> np.ndarray:
    """Run the in-process Keras model in inference mode.

    Args:
        model: The Keras model.
        inputs: One input batch.
        dtype: The input dtype.

    Returns:
        The output as a numpy array.
    """
    return _numpy(model(tf.convert_to_tensor(inputs, dtype=dtype), training=False))


def _call_signature(signature, arg_names: Sequence[str], inputs: Sequence) -> dict:
    specs = signature.structured_input_signature[1]
    kwargs = {name: tf.convert_to_tensor(value, dtype=specs[name].dtype) for name, value in zip(arg_names, inputs)}
    return {k: _numpy(v) for k, v in signature(**kwargs).items()}


def _fail(artifact: str, endpoint: str, detail: str) -> ExportParityError:
    return ExportParityError(f"{artifact}, signature {endpoint!r}: {detail}")


def _compare_outputs(artifact, endpoint, expected: dict, actual: dict, compare, tolerance) -> float:
    if sorted(expected) != sorted(actual):
        raise _fail(artifact, endpoint, f"output keys {sorted(actual)} != in-process {sorted(expected)}")
    diff_fn = png_diff if compare == "png" else float_diff
    worst = max((diff_fn(expected[k], actual[k]) for k in expected), default=0.0)
    if not worst <= tolerance:  # also catches nan
        unit = "PNG levels" if compare == "png" else "max abs diff"
        raise _fail(artifact, endpoint, f"{unit} {worst:.3g} > tolerance {tolerance:g}")
    return worst


def check_saved_model_parity(
    model: keras.Model,
    loaded,
    arg_names: dict[str, list[str]],
    sample_inputs,
    input_dtype,
    endpoints: Iterable[Endpoint] = (),
    *,
    atol: float = 1e-4,
    png_levels: int = 1,
    artifact: str = "SavedModel",
) -> dict[str, float]:
    """Compare the reloaded SavedModel's signatures with in-process calls.

    Args:
        model: The in-process Keras model.
        loaded: The object returned by ``tf.saved_model.load``.
        arg_names: Per signature, the ordered input keyword names.
        sample_inputs: One float input batch for ``serving_float``.
        input_dtype: The dtype of the float input.
        endpoints: The extra ``Endpoint`` signatures, compared per their ``compare``.
        atol: Max abs difference allowed for float outputs.
        png_levels: Max pixel difference allowed for decoded PNG outputs.
        artifact: How to name the SavedModel in error messages.

    Returns:
        The max difference per signature name.

    Raises:
        ExportParityError: A signature's outputs differ beyond the tolerance.
    """
    expected = {FLOAT_OUTPUT_NAME: keras_reference(model, sample_inputs, input_dtype)}
    actual = _call_signature(loaded.signatures[FLOAT_ENDPOINT], arg_names[FLOAT_ENDPOINT], [sample_inputs])
    diffs = {FLOAT_ENDPOINT: _compare_outputs(artifact, FLOAT_ENDPOINT, expected, actual, "float", atol)}
    for endpoint in endpoints:
        inputs = [
            tf.convert_to_tensor(value, dtype=spec.dtype)
            for value, spec in zip(endpoint.sample_inputs, endpoint.input_signature)
        ]
        expected = {k: _numpy(v) for k, v in endpoint.fn(*inputs).items()}
        actual = _call_signature(loaded.signatures[endpoint.name], arg_names[endpoint.name], inputs)
        tolerance = png_levels if endpoint.compare == "png" else atol
        diffs[endpoint.name] = _compare_outputs(artifact, endpoint.name, expected, actual, endpoint.compare, tolerance)
    return diffs


def fit_to_shape(x, shape: Sequence[int | None] | None) -> np.ndarray:
    """Crop (keep the start) or zero-pad (at the end) an array to a shape.

    Args:
        x: The array.
        shape: The target shape; None entries (or a None shape) keep that dim.

    Returns:
        An array of the target shape.
    """
    x = np.asarray(x)
    if shape is None:
        return x
    if len(shape) != x.ndim:
        raise ValueError(f"cannot fit an array of shape {x.shape} to {tuple(shape)}")
    x = x[tuple(slice(0, n) for n in shape)]
    pad = [(0, 0 if n is None else max(0, n - size)) for n, size in zip(shape, x.shape)]
    return np.pad(x, pad) if any(after for _, after in pad) else x


def check_tflite_parity(
    model: keras.Model,
    tflite_path: str | os.PathLike,
    sample_inputs,
    input_shape: Sequence[int | None] | None = None,
    *,
    atol: float = 1e-4,
    artifact: str = "TFLite model",
) -> float:
    """Run the .tflite file with the LiteRT interpreter and compare with Keras.

    Args:
        model: The in-process Keras model.
        tflite_path: The .tflite file.
        sample_inputs: One input batch; cast to float32.
        input_shape: The fixed TFLite input shape, if any; the sample is cropped
            or padded to it.
        atol: Max abs difference allowed.
        artifact: How to name the file in error messages.

    Returns:
        The max abs difference.

    Raises:
        ExportParityError: The outputs differ beyond ``atol``.
    """
    x = fit_to_shape(np.asarray(sample_inputs, dtype=np.float32), input_shape)
    expected = keras_reference(model, x, tf.float32)
    try:
        actual = run_tflite(tflite_path, x)
    except (RuntimeError, ValueError) as error:
        raise _fail(artifact, "serving_default", f"LiteRT could not run it on shape {x.shape}: {error}") from None
    diff = float_diff(expected, actual)
    if not diff <= atol:
        raise _fail(artifact, "serving_default", f"max abs diff {diff:.3g} > atol {atol:g}")
    return diff
