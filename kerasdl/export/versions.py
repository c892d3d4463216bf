"""TF Serving layout helpers: ``<root>/<app>/<integer version>/``, and the temporary folders exports write first."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import socket
import time

TEMP_PREFIX = ".tmp-"
# A temporary folder whose writer cannot be checked (another host, an older kerasdl, Windows)
# is stale after this long: an export takes minutes.
STALE_AFTER_S = 24 * 3600
_TEMP_NAME = re.compile(r"\.tmp-(\d+)-([^-]+)-[^-]+")  # .tmp-<pid>-<host>-<random>


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


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def temp_dir_prefix() -> str:
    """The name prefix of this process's temporary export folders, ``.tmp-<pid>-<host>-``.

    The writer's process id and host in the name let a later export tell a folder left by a
    killed one (stale) from a concurrent export's folder (in use).
    """
    return f"{TEMP_PREFIX}{os.getpid()}-{_host()}-"


def _running(pid: int) -> bool | None:
    """Whether process ``pid`` of this host is running; None where that cannot be told."""
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return None
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return None
    try:  # a killed process that its parent has not waited for yet is a zombie: not running
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def stale_temp_dirs(app_dir: str | os.PathLike, *, max_age_s: float = STALE_AFTER_S) -> list[pathlib.Path]:
    """The temporary export folders in an app folder that no running export is writing.

    A folder named by :func:`temp_dir_prefix` on this host is stale once its writer's process
    is no longer running (a ``kill -9`` during an export); any other ``.tmp-*`` folder once
    it has not changed for ``max_age_s`` seconds.

    Args:
        app_dir: the folder of the version folders, e.g. ``saved_models/sr``.
        max_age_s: the age after which a folder whose writer cannot be checked is stale.

    Returns:
        The stale folders, sorted by name.
    """
    app_dir = pathlib.Path(app_dir)
    if not app_dir.is_dir():
        return []
    stale, host, now = [], _host(), time.time()
    for entry in app_dir.iterdir():
        if not entry.name.startswith(TEMP_PREFIX) or entry.is_symlink() or not entry.is_dir():
            continue
        match = _TEMP_NAME.fullmatch(entry.name)
        running = _running(int(match.group(1))) if match and match.group(2) == host else None
        try:
            old = now - entry.stat().st_mtime > max_age_s
        except OSError:  # removed meanwhile
            continue
        if running is False or (running is None and old):
            stale.append(entry)
    return sorted(stale)


def remove_stale_temp_dirs(app_dir: str | os.PathLike, *, max_age_s: float = STALE_AFTER_S) -> list[pathlib.Path]:
    """Removes the :func:`stale_temp_dirs` of an app folder (what cannot be removed stays); returns them."""
    stale = stale_temp_dirs(app_dir, max_age_s=max_age_s)
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale
