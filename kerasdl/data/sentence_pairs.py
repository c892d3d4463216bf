"""Parallel sentences for translation: loaders for the common layouts and a seeded split.

Layouts:
    * tab-separated pairs, one per line — the Anki/Tatoeba format (``spa.txt``: English, Spanish,
      attribution); columns after the second are ignored;
    * two aligned text files, line *i* of one translating line *i* of the other.

The split is a seeded permutation, written out as ``train.tsv``, ``validation.tsv`` and
``test.tsv`` so numbers can be reproduced and checked by others.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

from kerasdl.data.text.loaders import decode_utf8
from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path

SPLITS = ("train", "validation", "test")


def _read_lines(path: str | os.PathLike) -> list[str]:
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserInputError(f"{path}: no such file")
    return decode_utf8(path.read_bytes(), path).splitlines()


def read_tsv_pairs(path: str | os.PathLike) -> list[tuple[str, str]]:
    """(source, target) pairs from a tab-separated file; blank lines skipped, extra columns ignored.

    Raises:
        UserInputError: missing file, not UTF-8, a line without a tab or with an empty side,
            or no pairs at all.
    """
    pairs = []
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) < 2:
            raise UserInputError(f"{path}:{number}: no tab between source and target: {line[:60]!r}")
        source, target = columns[0].strip(), columns[1].strip()
        if not source or not target:
            raise UserInputError(f"{path}:{number}: empty {'source' if not source else 'target'} sentence")
        pairs.append((source, target))
    if not pairs:
        raise UserInputError(f"{path}: no sentence pairs (empty file?)")
    return pairs


def read_aligned_files(source_path: str | os.PathLike, target_path: str | os.PathLike) -> list[tuple[str, str]]:
    """(source, target) pairs from two files aligned line by line (lines blank in both are skipped).

    Raises:
        UserInputError: a missing or non-UTF-8 file, different line counts, a line blank on
            one side only, or no pairs.
    """
    sources, targets = _read_lines(source_path), _read_lines(target_path)
    while sources and not sources[-1].strip():
        sources.pop()
    while targets and not targets[-1].strip():
        targets.pop()
    if len(sources) != len(targets):
        raise UserInputError(
            f"{source_path} has {len(sources)} lines but {target_path} has {len(targets)}: the files must be aligned line by line"
        )
    pairs = []
    for number, (source, target) in enumerate(zip(sources, targets), start=1):
        source, target = source.strip(), target.strip()
        if bool(source) != bool(target):
            empty = source_path if not source else target_path
            raise UserInputError(f"{empty}:{number}: blank line where the other file has a sentence")
        if source:
            pairs.append((source, target))
    if not pairs:
        raise UserInputError(f"{source_path}: no sentence pairs (empty files?)")
    return pairs


def split_pairs(
    pairs, *, seed: int = 0, validation: float = 0.1, test: float = 0.1
) -> dict[str, list[tuple[str, str]]]:
    """A seeded train/validation/test split (each non-empty when there are at least three pairs).

    Pairs with the same source sentence go to the same split, so a test sentence is never
    seen in training with another translation.
    """
    if not 0 < validation < 1 or not 0 < test < 1 or validation + test >= 1:
        raise ValueError(
            f"validation and test must be fractions summing below 1; Received: validation={validation}, test={test}"
        )
    sources = sorted({source for source, _ in pairs})
    if len(sources) < 3:
        raise UserInputError(f"need at least 3 distinct source sentences to split; got {len(sources)}")
    order = np.random.default_rng(seed).permutation(len(sources))
    n_test = max(1, round(test * len(sources)))
    n_validation = max(1, round(validation * len(sources)))
    which = {}
    for rank, index in enumerate(order):
        which[sources[index]] = "test" if rank < n_test else "validation" if rank < n_test + n_validation else "train"
    split = {name: [] for name in SPLITS}
    for pair in pairs:
        split[which[pair[0]]].append(pair)
    return split


def write_split(split: dict, folder: str | os.PathLike) -> dict[str, pathlib.Path]:
    """Writes ``<split>.tsv`` files (source TAB target) into ``folder``; returns their paths."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in SPLITS:
        paths[name] = folder / f"{name}.tsv"
        with atomic_path(paths[name]) as tmp:
            pathlib.Path(tmp).write_text("".join(f"{s}\t{t}\n" for s, t in split[name]), encoding="utf-8")
    return paths


def read_split(folder: str | os.PathLike) -> dict[str, list[tuple[str, str]]]:
    """The split written by :func:`write_split`."""
    return {name: read_tsv_pairs(pathlib.Path(folder) / f"{name}.tsv") for name in SPLITS}
