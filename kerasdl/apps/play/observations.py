"""What ``kerasdl play predict`` reads: observations from ``.npy`` files, inline numbers, or arrays."""

from __future__ import annotations

import pathlib

import numpy as np

from kerasdl.errors import UserInputError


def _parse(item, index: int) -> tuple[str, np.ndarray]:
    if isinstance(item, np.ndarray):
        return f"observation{index}", item
    text = str(item)
    if text.lower().endswith(".npy") or pathlib.Path(text).exists():
        path = pathlib.Path(text)
        if not path.is_file():
            raise UserInputError(f"no such file: {path}")
        try:
            return str(path), np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as err:
            raise UserInputError(f"{path} is not a readable .npy array: {err}") from None
    try:
        return text, np.array([float(v) for v in text.split(",")], np.float32)
    except ValueError:
        raise UserInputError(
            f"cannot read an observation from {text!r}: give a .npy file or comma-separated numbers"
        ) from None


def read_observations(inputs, shape: tuple[int, ...] | None) -> tuple[list[str], np.ndarray]:
    """Names and a float32 ``[n, *shape]`` batch of the observations in ``inputs``.

    Args:
        inputs: one input or a list: ``.npy`` files holding one observation or a batch of
            them, comma-separated numbers (a state vector), or arrays.
        shape: one observation's shape (the model's input); None: read from the first input,
            knowing that an observation is a state vector (rank 1) or a stack of frames
            (rank 3), so an array of rank 2 or 4 is a batch of them.

    Raises:
        UserInputError: a missing or unreadable file, or an observation of another shape.
    """
    items = [inputs] if isinstance(inputs, (str, pathlib.Path, np.ndarray)) else list(inputs)
    if not items:
        raise UserInputError("no observations given")
    names, batch = [], []
    for index, item in enumerate(items):
        name, array = _parse(item, index)
        array = np.asarray(array)
        if shape is None:
            shape = array.shape[1:] if array.ndim in (2, 4) else array.shape
        if array.shape == tuple(shape):
            names.append(name)
            batch.append(array)
        elif array.shape[1:] == tuple(shape):
            names.extend(f"{name}[{i}]" for i in range(len(array)))
            batch.extend(array)
        else:
            raise UserInputError(f"{name}: observation shape {array.shape}, the model takes {tuple(shape)}")
        if not np.issubdtype(array.dtype, np.number):
            raise UserInputError(f"{name}: observations must be numbers, got {array.dtype}")
    return names, np.stack(batch).astype(np.float32)
