"""The ``metadata.json`` written beside each exported model version."""

from __future__ import annotations

import datetime
import importlib.metadata
import platform
import sys

# Keys that export_model computes; callers may only add others (and "command").
RESERVED_KEYS = ("app", "version", "created", "signatures", "files", "tflite", "litert", "parity", "versions")


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
