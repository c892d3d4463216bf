"""Writing a LiteRT (.tflite) file with builtin ops only, and running it."""

from __future__ import annotations

import os
import pathlib
import re

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

_UNSUPPORTED_OPS = re.compile(r"^\s*(Custom|Flex|TF Select|Select TF) ops: (.+)$", re.MULTILINE)


class TFLiteConversionError(RuntimeError):
    """The model cannot be converted to LiteRT with builtin ops only."""


def _builtin_only_error(error: Exception) -> TFLiteConversionError | None:
    found = {"select": set(), "custom": set()}
    for kind, ops in _UNSUPPORTED_OPS.findall(str(error)):
        found["custom" if kind == "Custom" else "select"].update(op.strip() for op in ops.split(","))
    if not (found["select"] or found["custom"]):
        return None
    parts = []
    if found["select"]:
        parts.append(f"{', '.join(sorted(found['select']))} (would need SELECT_TF_OPS / Flex)")
    if found["custom"]:
        parts.append(f"{', '.join(sorted(found['custom']))} (no LiteRT kernel, not even Flex)")
    return TFLiteConversionError(
        f"LiteRT conversion needs ops outside the builtin set: {'; '.join(parts)}. "
        "Replace them in the model, or export without TFLite"
    )


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]


def concrete_converter(model: keras.Model, spec: tf.TensorSpec) -> tf.lite.TFLiteConverter:
    """A LiteRT converter of the model's inference call, builtin ops only (the quantized variants add options).

    Args:
        model: The Keras model.
        spec: The input ``tf.TensorSpec``.

    Returns:
        The ``tf.lite.TFLiteConverter``, not yet run.
    """
    fn = tf.function(lambda inputs: model(inputs, training=False), autograph=False)
    concrete = fn.get_concrete_function(spec)
    # The converter must see the backing tf.Variables: passing the Keras model as
    # trackable_obj (TF 2.21) gives a file that runs with garbage weights.
    holder = tf.Module()
    holder.variables_ = [getattr(v, "value", v) for v in model.variables]
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], holder)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def write_tflite(model: keras.Model, path: str | os.PathLike, input_spec: tf.TensorSpec) -> str:
    """Write the model as a .tflite file restricted to LiteRT builtin ops.

    Converts the model's inference call (``tf.lite.TFLiteConverter.from_concrete_functions``,
    the converter the quantized variants use too), and falls back to
    ``model.export(format="litert")``. The concrete function holds the weights the call reads
    and nothing else: Keras' exporter tracks every object the model holds (a sentiment model's
    whole text pipeline), which made one float file three times its weights.

    Args:
        model: The Keras model (one float input, one output).
        path: The destination, ending in ``.tflite``.
        input_spec: The input ``tf.TensorSpec``; None dims stay dynamic.

    Returns:
        The converter used: ``"concrete_function"`` or ``"keras_export"``.

    Raises:
        TFLiteConversionError: Conversion needs non-builtin ops, or both paths failed.
    """
    path = pathlib.Path(path)
    spec = tf.TensorSpec(input_spec.shape, input_spec.dtype)
    try:
        path.write_bytes(concrete_converter(model, spec).convert())
        return "concrete_function"
    except Exception as error:  # noqa: BLE001 - any converter failure falls back
        builtin_error = _builtin_only_error(error)
        if builtin_error is not None:
            raise builtin_error from None
        first_error = error
    try:
        model.export(
            str(path),
            format="litert",
            input_signature=[spec],
            verbose=False,
            target_spec={"supported_ops": {tf.lite.OpsSet.TFLITE_BUILTINS}},
        )
        return "keras_export"
    except Exception as error:  # noqa: BLE001
        builtin_error = _builtin_only_error(error)
        if builtin_error is not None:
            raise builtin_error from None
        raise TFLiteConversionError(
            f"LiteRT conversion failed: concrete function: {_first_line(first_error)}; "
            f"keras export: {_first_line(error)}"
        ) from None


def _details(details: list[dict]) -> list[dict]:
    return [
        {
            "name": d["name"],
            "shape": [int(n) for n in d.get("shape_signature", d["shape"])],
            "dtype": np.dtype(d["dtype"]).name,
        }
        for d in details
    ]


def describe_tflite(path: str | os.PathLike) -> dict:
    """Describe a .tflite file's inputs and outputs.

    Args:
        path: The .tflite file.

    Returns:
        ``{"file": name, "inputs": [...], "outputs": [...]}``, each tensor with
        ``name``, ``shape`` (-1 for a dynamic dim) and ``dtype``.
    """
    interpreter = Interpreter(model_path=str(path))
    return {
        "file": pathlib.Path(path).name,
        "inputs": _details(interpreter.get_input_details()),
        "outputs": _details(interpreter.get_output_details()),
    }


def run_tflite(path: str | os.PathLike, inputs) -> np.ndarray:
    """Run a one-input, one-output .tflite file with the LiteRT interpreter.

    Args:
        path: The .tflite file.
        inputs: One array; cast to the input dtype. The input tensor is resized
            when its shape differs (works for dynamic-shape models).

    Returns:
        The output array.
    """
    interpreter = Interpreter(model_path=str(path))
    detail = interpreter.get_input_details()[0]
    x = np.asarray(inputs, dtype=detail["dtype"])
    if tuple(detail["shape"]) != x.shape:
        interpreter.resize_tensor_input(detail["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(detail["index"], x)
    interpreter.invoke()
    return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
