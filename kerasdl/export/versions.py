"""TF Serving layout helpers: ``<root>/<app>/<integer version>/``."""

from __future__ import annotations

import os
import pathlib


def next_version(app_dir: str | os.PathLike) -> int:
    """Return the next free TF Serving version number in an app folder.

    Args:
        app_dir: The folder that holds the integer-named version folders, e.g.
            ``saved_models/sr``. It does not need to exist.

    Returns:
        The largest existing integer-named subfolder plus one, or 1 when there
        is none (temporary and other non-numeric folders are ignored).
    """
    app_dir = pathlib.Path(app_dir)
    if not app_dir.is_dir():
        return 1
    versions = [int(entry.name) for entry in app_dir.iterdir() if entry.name.isdigit() and entry.is_dir()]
    return max(versions, default=0) + 1


def version_dir(root: str | os.PathLike, app: str, version: int) -> pathlib.Path:
    """Return the folder of one model version, ``<root>/<app>/<version>``.

    Args:
        root: The model base folder, e.g. ``saved_models``.
        app: The app (TF Serving model) name, e.g. ``sr``.
        version: The positive integer version.

    Returns:
        The version folder path (not created).
    """
    return pathlib.Path(root) / app / str(int(version))
