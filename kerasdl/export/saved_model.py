"""Writing, inspecting and reloading the SavedModel with ``keras.export.ExportArchive``."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable

import keras
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from kerasdl.errors import ExportParityError
from kerasdl.export.endpoint import Endpoint

FLOAT_ENDPOINT = "serving_float"
DEFAULT_SIGNATURE = "serving_default"
FLOAT_INPUT_NAME = "inputs"
FLOAT_OUTPUT_NAME = "output"


def float_spec(spec: tf.TensorSpec) -> tf.TensorSpec:
    """Return the float input spec with a signature input name.

    Args:
        spec: A ``tf.TensorSpec`` (or anything with ``shape`` and ``dtype``);
            spatial dims may be None.

    Returns:
        A ``tf.TensorSpec`` named after ``spec.name`` or ``"inputs"``.
    """
    name = getattr(spec, "name", None) or FLOAT_INPUT_NAME
    return tf.TensorSpec(spec.shape, spec.dtype, name=name)


def write_saved_model(
    model: keras.Model,
    path: str | os.PathLike,
    float_input_signature: tf.TensorSpec,
    endpoints: Iterable[Endpoint] = (),
) -> dict[str, list[str]]:
    """Write the model as a SavedModel with a float endpoint and extra endpoints.

    ``serving_float`` calls the model on a float tensor and returns
    ``{"output": ...}``. Unless an endpoint is named ``serving_default``,
    ``serving_float`` is also the default signature.

    Args:
        model: The Keras model (one tensor input, one tensor output).
        path: The folder to write into (may exist and be empty).
        float_input_signature: The ``tf.TensorSpec`` of the float input.
        endpoints: Extra ``Endpoint`` signatures.

    Returns:
        For each signature name, the ordered keyword names of its inputs.
    """
    archive = keras.export.ExportArchive()
    archive.track(model)

    def serving_float(inputs):
        return {FLOAT_OUTPUT_NAME: model(inputs, training=False)}

    # The first endpoint also becomes "serving_default" unless one is named so.
    functions = {
        FLOAT_ENDPOINT: archive.add_endpoint(FLOAT_ENDPOINT, serving_float, [float_spec(float_input_signature)])
    }
    for endpoint in endpoints:
        functions[endpoint.name] = archive.add_endpoint(endpoint.name, endpoint.fn, list(endpoint.input_signature))
    # A served model is only ever run forward: without TensorFlow's custom-gradient functions
    # (every SiLU and GELU has one) saving skips tracing them: the tiny YOLO's write took 15 s, not 19.
    archive.write_out(str(path), options=tf.saved_model.SaveOptions(experimental_custom_gradients=False), verbose=False)

    arg_names = {
        name: [spec.name for spec in fn.get_concrete_function().structured_input_signature[0]]
        for name, fn in functions.items()
    }
    arg_names.setdefault(DEFAULT_SIGNATURE, arg_names[FLOAT_ENDPOINT])
    return arg_names


def signature_keys_on_disk(path: str | os.PathLike) -> list[str]:
    """List the signatures of the ``serve`` graph, as ``saved_model_cli show`` does.

    Args:
        path: The SavedModel folder.

    Returns:
        The signature names in ``saved_model.pb`` (without the init op).
    """
    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((pathlib.Path(path) / "saved_model.pb").read_bytes())
    keys = []
    for meta_graph in proto.meta_graphs:
        if "serve" in meta_graph.meta_info_def.tags:
            keys += [k for k in meta_graph.signature_def if not k.startswith("__")]
    return keys


def check_signatures(path: str | os.PathLike, loaded, expected: Iterable[str], artifact: str) -> None:
    """Raise unless every expected signature is real in the reloaded SavedModel and on disk.

    Args:
        path: The SavedModel folder.
        loaded: The object returned by ``tf.saved_model.load(path)``.
        expected: Signature names that must exist.
        artifact: How to name the SavedModel in the error message.

    Returns:
        None.

    Raises:
        ExportParityError: A signature is missing.
    """
    on_disk = set(signature_keys_on_disk(path))
    missing = [n for n in expected if n not in loaded.signatures or n not in on_disk]
    if missing:
        raise ExportParityError(f"{artifact}: signatures {missing} are missing (found {sorted(on_disk)})")


def _spec_dict(spec) -> dict:
    shape = None if spec.shape.rank is None else spec.shape.as_list()
    return {"dtype": spec.dtype.name, "shape": shape}


def describe_signatures(loaded) -> dict:
    """Describe every signature's inputs and outputs (dtype and shape).

    Args:
        loaded: The object returned by ``tf.saved_model.load``.

    Returns:
        ``{name: {"inputs": {key: {dtype, shape}}, "outputs": {key: {dtype, shape}}}}``
        with None for unknown dims.
    """
    described = {}
    for name, fn in sorted(loaded.signatures.items()):
        _, kwargs = fn.structured_input_signature
        outputs = fn.structured_outputs
        described[name] = {
            "inputs": {k: _spec_dict(s) for k, s in sorted(kwargs.items())},
            "outputs": {k: _spec_dict(s) for k, s in sorted(outputs.items())},
        }
    return described


class ServingSignature:
    """A reloaded serving signature that keeps its SavedModel alive.

    Call it with keyword tensors, or with one positional tensor when the
    signature has a single input. It returns the signature's dict of tensors.
    """

    def __init__(self, loaded, name: str):
        self.loaded = loaded  # signatures lose their variables if this is freed
        self.name = name
        self.signature = loaded.signatures[name]
        self.input_names = sorted(self.signature.structured_input_signature[1])

    def __call__(self, *args, **kwargs):
        """Run the signature.

        Args:
            *args: One tensor, only for single-input signatures.
            **kwargs: Tensors by input name.

        Returns:
            The dict of output tensors.
        """
        if args:
            if len(args) != 1 or kwargs or len(self.input_names) != 1:
                raise TypeError(f"signature {self.name!r} takes keyword inputs {self.input_names}")
            kwargs = {self.input_names[0]: args[0]}
        specs = self.signature.structured_input_signature[1]
        kwargs = {k: tf.convert_to_tensor(v, dtype=specs[k].dtype) for k, v in kwargs.items()}
        return self.signature(**kwargs)


def load_serving_signature(path: str | os.PathLike, name: str = DEFAULT_SIGNATURE) -> ServingSignature:
    """Reload a SavedModel and return one of its serving signatures as a callable.

    Args:
        path: The SavedModel (version) folder.
        name: The signature name.

    Returns:
        A ``ServingSignature``; ``sig(x)["output"]`` for the float signature.

    Raises:
        KeyError: The SavedModel has no such signature.
    """
    loaded = tf.saved_model.load(str(path))
    if name not in loaded.signatures:
        raise KeyError(f"{path} has no signature {name!r}; it has {sorted(loaded.signatures)}")
    return ServingSignature(loaded, name)
