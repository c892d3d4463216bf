"""Writing files so a crash never leaves one half-written: temp file, then rename."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import tempfile

import numpy as np

from kerasdl.errors import UserInputError


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside ``path``; renames it to ``path`` if the block succeeds."""
    path = pathlib.Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise UserInputError(f"cannot write to folder {path.parent}: {err.strerror or err}") from None
    os.close(fd)
    try:
        yield pathlib.Path(tmp)
        os.replace(tmp, path)
    finally:
        pathlib.Path(tmp).unlink(missing_ok=True)


def write_json(data, path) -> pathlib.Path:
    """Writes ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    return pathlib.Path(path)


def read_json(path) -> dict:
    """Reads a JSON file, with a one-line error when it is missing or broken."""
    path = pathlib.Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UserInputError(f"no such file: {path}") from None
    except (OSError, ValueError) as err:
        raise UserInputError(f"cannot read JSON file {path}: {err}") from None
