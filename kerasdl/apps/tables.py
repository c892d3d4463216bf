"""Writing predictions as a CSV or JSON table, the way every app's ``predict --output`` does."""

from __future__ import annotations

import csv
import pathlib

from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path, write_json

SUFFIXES = (".csv", ".json")


def check_table_path(path) -> None:
    """Raises ``UserInputError`` unless ``path`` (if given) ends in ``.csv`` or ``.json``: checked before any work."""
    if path is not None and pathlib.Path(path).suffix.lower() not in SUFFIXES:
        raise UserInputError(f"--output must end in .csv or .json; got {path}")


def write_rows(rows: list[dict], path, *, extra: dict | None = None) -> pathlib.Path:
    """Writes ``rows`` (dicts with the same keys) as CSV, or as JSON ``{**extra, "predictions": rows}``, atomically."""
    path = pathlib.Path(path)
    check_table_path(path)
    if path.suffix.lower() == ".json":
        return write_json({**(extra or {}), "predictions": rows}, path)
    with atomic_path(path) as tmp:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
            writer.writeheader()
            writer.writerows(rows)
    return path
