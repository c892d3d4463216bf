"""Fixtures shared by every test: generated image folders, an in-process CLI, isolation.

Everything a test writes goes under pytest's temporary folders: the embedded default
data (``KERASDL_CACHE``) included.
"""

from __future__ import annotations

import collections
import gc

import pytest

import kerasdl  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL and KERAS_BACKEND before TF loads)
from tests.helpers import run_cli, write_image

# Tracing a tf.function allocates millions of small objects, and each full collection walks
# every graph a worker still holds: at Python's default thresholds (700, 10, 10) collecting
# was 7-10% of a test file's CPU time. Collecting 14 times less often halves that; garbage
# cycles still go, a little later.
gc.set_threshold(10_000, 10, 10)


@pytest.fixture
def images_dir(tmp_path):
    """Factory: ``images_dir({"a.png": (h, w), "sub/b.jpg": (h, w, "L")}, name="train")`` -> folder.

    Each value is ``(height, width)`` or ``(height, width, mode)``; images are seeded by
    their position, so the same call always writes the same pixels.
    """

    def make(spec, *, name="images", seed=0):
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        for i, (filename, shape) in enumerate(spec.items()):
            h, w, *mode = shape
            write_image(folder / filename, (h, w), mode[0] if mode else "RGB", seed=seed + i)
        return folder

    return make


@pytest.fixture(scope="session")
def kerasdl_cache(tmp_path_factory):
    """One cache folder for the whole session: the embedded sample photos are written once."""
    return tmp_path_factory.mktemp("kerasdl_cache")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, kerasdl_cache):
    """No test reads or writes ``~/.cache/kerasdl``, and none runs as part of a cluster."""
    monkeypatch.setenv("KERASDL_CACHE", str(kerasdl_cache))
    monkeypatch.delenv("TF_CONFIG", raising=False)


@pytest.fixture
def cli(capsys):
    """``cli(["sr", "predict", ...]) -> (exit code, stdout, stderr)`` through ``kerasdl.cli.main``."""

    def call(argv):
        capsys.readouterr()  # drop anything printed before
        code = run_cli(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def chdir_tmp(tmp_path, monkeypatch):
    """Runs the test with ``tmp_path/work`` as the current folder; returns it."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="session", autouse=True)
def _one_latency_run():
    """Exports time each LiteRT variant and the Keras model once, not a median of many runs.

    The latency numbers only have to exist in the tests (their statistics are the user's
    concern); twenty ``model.predict`` calls per export were a few seconds each.
    """
    from kerasdl.export import quantize

    measure = quantize.batch1_latency_ms

    def once(fn, *, repeats=1, warmup=1):
        return measure(fn, repeats=1, warmup=1)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quantize, "batch1_latency_ms", once)
        yield


# Test files that take several minutes, started first. With ``--dist loadfile`` a file runs whole
# on one worker, so a long file scheduled late runs alone at the end while the other worker
# idles: the README's Python examples (one test training every app, about 9 minutes) were
# collected near the end. The Makefile turns off xdist's own reordering (by test count), which
# :func:`pytest_collection_modifyitems` keeps for the other files.
LONGEST_FILES = ("tests/test_readme.py",)


def pytest_collection_modifyitems(config, items):
    """Longest files first, then the files with most tests (xdist's order), each file's tests in order."""
    per_file = collections.Counter(item.nodeid.split("::")[0] for item in items)
    first = {name: rank for rank, name in enumerate(LONGEST_FILES)}

    def rank(item):
        name = item.nodeid.split("::")[0]
        return (first.get(name, len(first)), -per_file[name])

    items.sort(key=rank)
