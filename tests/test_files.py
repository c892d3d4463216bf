"""Atomic writes: the file appears whole or not at all, with the mode a plain open() gives it."""

import os
import stat

import pytest

from kerasdl.files import FILE_MODE, atomic_path, write_json


def test_atomic_file_has_the_umask_mode_not_mkstemps_0600(tmp_path):
    path = write_json({"a": 1}, tmp_path / "report.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == FILE_MODE
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert stat.S_IMODE(os.stat(plain).st_mode) == FILE_MODE


def test_nothing_is_left_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "out.npz", suffix=".npz") as tmp:
        assert tmp.name.endswith(".npz")
        raise RuntimeError("writer failed")
    assert list(tmp_path.iterdir()) == []
