"""Writing files so a crash never leaves one half-written: temp file, then rename."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pathlib
import tempfile

import numpy as np

from kerasdl.errors import UserInputError


def _jsonable(value):
    """JSON for what ``json`` cannot write itself: numpy values, paths, dataclasses, dtypes."""
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


def dumps(data) -> str:
    """Indented JSON text ending with a newline; numpy values, paths and dtypes converted."""
    return json.dumps(data, indent=2, default=_jsonable) + "\n"


_UMASK = os.umask(0o022)  # read once, at import (os.umask can only read it by setting it)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_path(path, *, suffix: str = ".tmp"):
    """Yields a temporary path beside ``path``; renames it to ``path`` if the block succeeds.

    ``suffix`` ends the temporary name, for writers that insist on one (``.weights.h5``).
    """
    path = pathlib.Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as err:
        raise UserInputError(f"cannot write to folder {path.parent}: {err.strerror or err}") from None
    os.close(fd)
    try:
        os.chmod(tmp, FILE_MODE)  # mkstemp makes 0600; the file gets the mode open() would give it
        yield pathlib.Path(tmp)
        os.replace(tmp, path)
    finally:
        pathlib.Path(tmp).unlink(missing_ok=True)


def save_figure(fig, path, *, dpi=100) -> pathlib.Path:
    """Writes a matplotlib figure as a PNG, atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return pathlib.Path(path)


def write_json(data, path) -> pathlib.Path:
    """Writes ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(dumps(data), encoding="utf-8")
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
