"""Argument checks every builder family shares: each error names the argument and echoes the value."""

from __future__ import annotations


def is_int(value, minimum: int = 1) -> bool:
    """An ``int`` (not a ``bool``) of at least ``minimum``."""
    return not isinstance(value, bool) and isinstance(value, int) and value >= minimum


def check_positive_int(name: str, value, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not is_int(value):
        raise ValueError(f"{name} must be a positive int; Received: {name}={value!r}")


def check_int_at_least(name: str, value, minimum: int) -> None:
    if not is_int(value, minimum):
        raise ValueError(f"{name} must be an int >= {minimum}; Received: {name}={value!r}")


def check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False; Received: {name}={value!r}")


def check_rate(name: str, value, *, noun: str = "float") -> None:
    """A dropout-like rate in ``[0, 1)``; ``noun`` is what the error calls it (``"float"`` or ``"rate"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a {noun} in [0, 1); Received: {name}={value!r}")


def check_number(name: str, value, *, positive: bool = False) -> float:
    """A real number >= 0 (> 0 with ``positive``; not NaN), returned as a ``float`` (loss weights, exponents)."""
    bound = "> 0" if positive else ">= 0"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value > 0 if positive else value >= 0):
        raise ValueError(f"{name} must be a number {bound}; Received: {name}={value!r}")
    return float(value)


def check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; Received: {name}={value!r}")


def load_weights_file(model, path, *, argument: str = "weights", by_name: bool = False):
    """``model.load_weights(path)``, with a damaged or foreign file reported as a ``ValueError`` naming ``argument``.

    Keras raises ``OSError`` (h5py: "file signature not found", "truncated file") or
    ``zipfile.BadZipFile`` for a file that is not a weights file; builders raise
    ``ValueError`` for bad arguments, which is what callers catch.
    """
    import zipfile

    from kerasdl.errors import first_line

    try:
        if by_name:
            model.load_weights(path, by_name=True)
        else:
            model.load_weights(path)
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as err:
        reason = first_line(err)
        raise ValueError(
            f"{argument} file is damaged or not a Keras weights file ({reason}); Received: {argument}={str(path)!r}"
        ) from None
    return model
