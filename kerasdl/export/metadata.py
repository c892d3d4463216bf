"""The ``metadata.json`` written beside each exported model version."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import sys

import numpy as np

# Keys that export_model computes; callers may only add others (and "command").
RESERVED_KEYS = ("app", "version", "created", "signatures", "tflite", "parity", "versions")


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries that made the export.

    Returns:
        Versions of tensorflow, keras, ai_edge_litert, kerasdl and python.
    """
    import keras
    import tensorflow as tf

    def dist_version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    return {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "ai_edge_litert": dist_version("ai-edge-litert"),
        "kerasdl": dist_version("kerasdl"),
        "python": platform.python_version(),
    }


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with seconds.

    Returns:
        E.g. ``"2026-05-09T07:35:25+00:00"``.
    """
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def default_command() -> str:
    """Return the command line of this process.

    Returns:
        ``" ".join(sys.argv)``.
    """
    return " ".join(sys.argv)


def _to_json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    name = getattr(value, "name", None)  # tf.DType, enums
    return name if isinstance(name, str) else str(value)


def dumps(data: dict) -> str:
    """Serialise metadata as indented JSON, converting numpy and path values.

    Args:
        data: The metadata.

    Returns:
        The JSON text, ending with a newline.
    """
    return json.dumps(data, indent=2, default=_to_json) + "\n"


def write_json_atomic(path: str | os.PathLike, data: dict) -> pathlib.Path:
    """Write JSON to ``path`` atomically (``<path>.tmp`` then ``os.replace``).

    Args:
        path: The destination file.
        data: The metadata.

    Returns:
        The destination path.
    """
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
