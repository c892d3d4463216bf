"""Helpers shared by the tests: synthetic images, an in-process CLI, folder listings."""

from __future__ import annotations

import contextlib
import io
import pathlib
import sys

import numpy as np
import pytest
from PIL import Image

_PIL_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}


def synthetic_pixels(height, width, channels, rng):
    """A smooth gradient plus texture plus noise in [0, 1]: like a photo, not pure noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for _ in range(channels):
        fy, fx, phase = rng.uniform(0.05, 0.4), rng.uniform(0.05, 0.4), rng.uniform(0, 2 * np.pi)
        wave = 0.5 + 0.3 * np.sin(fy * y + fx * x + phase) + 0.1 * (x / max(width - 1, 1) - 0.5)
        planes.append(wave + rng.normal(0, 0.05, (height, width)))
    return np.clip(np.stack(planes, axis=-1), 0.0, 1.0)


def write_image(path, size, mode="RGB", *, seed=0) -> pathlib.Path:
    """Writes a synthetic ``size = (height, width)`` image with PIL, in ``mode``, format from the suffix.

    Modes: ``"L"``, ``"RGB"``, ``"RGBA"``, ``"P"`` (palette), ``"I;16"`` (16-bit grayscale PNG).
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    h, w = size
    if mode == "I;16":
        data = np.rint(synthetic_pixels(h, w, 1, rng)[..., 0] * 65535).astype(np.uint16)
        image = Image.fromarray(data)
        assert image.mode == "I;16"
    elif mode == "L":
        image = Image.fromarray(np.rint(synthetic_pixels(h, w, 1, rng)[..., 0] * 255).astype(np.uint8))
    elif mode in ("RGB", "P"):
        image = Image.fromarray(np.rint(synthetic_pixels(h, w, 3, rng) * 255).astype(np.uint8))
        if mode == "P":
            image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    elif mode == "RGBA":
        image = Image.fromarray(np.rint(synthetic_pixels(h, w, 4, rng) * 255).astype(np.uint8))
        assert image.mode == "RGBA"
    else:
        raise ValueError(f"unsupported test image mode {mode!r}")
    image.save(path, format=_PIL_FORMATS[path.suffix.lower()])
    return path


def run_cli(argv):
    """Runs ``kerasdl.cli.main(argv)`` in-process; returns its exit code (``SystemExit`` included)."""
    from kerasdl.cli import main

    try:
        return main(list(map(str, argv)))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)


@contextlib.contextmanager
def quiet_cli():
    """For module-scoped fixtures that cannot use capsys: swallow what the CLI prints."""
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
        yield out, err


def run_app(work, argv, *, cache=None) -> dict:
    """Runs one ``kerasdl`` command line as a user would, for a module's trained-run fixture.

    In ``work`` (made if missing) as the working folder, with ``sys.argv`` as the console
    script sees it, no ``TF_CONFIG``, and ``KERASDL_CACHE`` at ``cache`` when given. Asserts
    exit code 0; returns ``work``, ``argv``, and what the command printed.
    """
    work = pathlib.Path(work)
    work.mkdir(parents=True, exist_ok=True)
    argv = [str(arg) for arg in argv]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        mp.setattr(sys, "argv", ["kerasdl", *argv])
        mp.delenv("TF_CONFIG", raising=False)
        if cache is not None:
            mp.setenv("KERASDL_CACHE", str(cache))
        with quiet_cli() as (out, err):
            code = run_cli(argv)
    assert code == 0, err.getvalue()
    return {"work": work, "argv": argv, "stdout": out.getvalue(), "stderr": err.getvalue()}


def files_under(folder) -> set[str]:
    """Every file below ``folder`` (relative POSIX paths); empty when it does not exist."""
    folder = pathlib.Path(folder)
    if not folder.exists():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
