"""Unlabelled text for language models and word vectors: any text files, the IMDB reviews, the embedded reviews.

A corpus is a list of documents (strings), cleaned as the sentiment loaders clean text (HTML
line breaks and runs of whitespace to one space). :func:`words` splits a document into the
lower-case word tokens that word vectors and n-gram baselines count.
"""

from __future__ import annotations

import pathlib
import re

from kerasdl.data.text.loaders import (
    UNLABELLED_FOLDERS,
    clean_text,
    decode_text,
    read_bytes,
    read_text_column,
)
from kerasdl.errors import UserInputError

CORPORA = ("reviews", "imdb")  # the embedded film reviews; IMDB's reviews (a folder the user points at)
IMDB_SPLITS = ("train", "test", "unsup")
TABLE_SUFFIXES = (".csv", ".tsv")
TEXT_SUFFIXES = ("", ".txt", ".text", *TABLE_SUFFIXES)  # what a corpus file may be called (and ``.gz``)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case word tokens: runs of letters and digits, with an apostrophe's ending kept (``don't``)."""
    return _WORD.findall(text.lower())


def _table_suffix(path: pathlib.Path) -> str:
    name = path.name.lower()
    return pathlib.Path(name[:-3] if name.endswith(".gz") else name).suffix


def _text_file_lines(path: pathlib.Path) -> list[str]:
    return [text for text in (clean_text(line) for line in decode_text(read_bytes(path)).splitlines()) if text]


def _folder_documents(path: pathlib.Path) -> list[str]:
    documents = (clean_text(decode_text(read_bytes(f))) for f in sorted(path.rglob("*.txt")))
    return [text for text in documents if text]


def load_corpus(source, *, text_column=None) -> list[str]:
    """Documents from a list of strings, a text file, a CSV/TSV table or a folder of text files.

    Args:
        source: a list of strings; a ``.txt`` file (each non-blank line one document); a
            ``.csv``/``.tsv`` file, optionally ``.gz`` (its text column, found by name:
            ``text``, ``sentence``, ``review``, ...); or a folder (every ``*.txt`` below it,
            one document per file, in sorted order). Any other file is refused (an image, say).
        text_column: a table's text column, by name or 0-based index, when the header does not say.

    Returns:
        The cleaned, non-empty documents.

    Raises:
        UserInputError: a missing or unreadable file or folder, or a corpus with no text.

    Example:
        >>> load_corpus(["A film.<br />Two lines.", "  "])
        ['A film. Two lines.']
    """
    if isinstance(source, (list, tuple)):
        documents = [text for text in (clean_text(str(item)) for item in source) if text]
        where = "the corpus"
    else:
        path = pathlib.Path(source)
        where = str(path)
        if path.is_dir():
            documents = _folder_documents(path)
        elif not path.exists():
            raise UserInputError(f"no such file or folder: {path}")
        elif _table_suffix(path) not in TEXT_SUFFIXES:
            raise UserInputError(f"{path}: expected a .txt, .csv or .tsv file of texts (optionally .gz), or a folder")
        elif _table_suffix(path) in TABLE_SUFFIXES:
            documents = read_text_column(path, text_column=text_column)
        else:
            documents = _text_file_lines(path)
    if not documents:
        raise UserInputError(f"{where} has no text (the corpus is empty)")
    return documents


def imdb_corpus(path, *, splits=("unsup", "train")) -> list[str]:
    """IMDB's review texts (Maas et al., 2011), labels ignored, from either of its two layouts.

    ``path`` holds ``train.csv.gz``, ``test.csv.gz`` and ``unsup.csv.gz`` (a text column each),
    or is aclImdb's folder: ``train/{neg,pos,unsup}/*.txt`` and ``test/{neg,pos}/*.txt``. The
    default splits are the 50,000 unlabelled and 25,000 training reviews, the text a language
    model may learn from; ``("test",)`` is for scoring only.

    Raises:
        UserInputError: an unknown split, or a split missing under ``path``.
    """
    path = pathlib.Path(path)
    documents = []
    for split in splits:
        if split not in IMDB_SPLITS:
            raise UserInputError(f"unknown IMDB split {split!r}; choose from {', '.join(IMDB_SPLITS)}")
        table = path / f"{split}.csv.gz"
        if table.is_file():
            documents += load_corpus(table)
        elif split == "unsup" and (path / "train" / UNLABELLED_FOLDERS[0]).is_dir():
            documents += load_corpus(path / "train" / UNLABELLED_FOLDERS[0])
        elif split != "unsup" and (path / split).is_dir():
            folders = [p for p in sorted((path / split).iterdir()) if p.is_dir() and p.name not in UNLABELLED_FOLDERS]
            documents += [text for folder in folders for text in _folder_documents(folder)]
        else:
            raise UserInputError(
                f"{path}: no IMDB {split!r} texts ({table.name}, or aclImdb's {split}/ folder of reviews)"
            )
    return documents


def corpus_for(data=None, *, dataset=None, text_column=None, with_test=False):
    """The documents an app was pointed at: ``(documents, test documents or None, source)``.

    Args:
        data: what :func:`load_corpus` reads (files, a folder, a list of texts), or with
            ``dataset="imdb"`` the IMDB folder (see :func:`imdb_corpus`).
        dataset: ``"reviews"`` (the embedded reviews, the default without ``data``) or
            ``"imdb"`` (its unlabelled and training reviews).
        text_column: a table's text column.
        with_test: also read the dataset's own test documents (IMDB's test reviews, the
            embedded test reviews); user files have none (None).

    Returns:
        The documents, the test documents (or None), and the source as the run records it
        (``{"dataset": ...}``, ``{"data": ..., "text_column": ...}``, or ``{"texts": n}`` for
        texts given in memory).

    Raises:
        UserInputError: an unknown dataset, IMDB without its folder, both files and
            ``"reviews"``, or what :func:`load_corpus` refuses.
    """
    if dataset is not None and dataset not in CORPORA:
        raise UserInputError(f"unknown dataset {dataset!r}; choose from {', '.join(CORPORA)}")
    if dataset == "imdb":
        if data is None:
            raise UserInputError("--dataset imdb needs --data: the IMDB folder (train/test/unsup .csv.gz, or aclImdb)")
        test = imdb_corpus(data, splits=("test",)) if with_test else None
        return imdb_corpus(data), test, {"dataset": "imdb", "data": str(data)}
    if data is None:
        return embedded_corpus("train"), embedded_corpus("test") if with_test else None, {"dataset": "reviews"}
    if dataset is not None:
        raise UserInputError("give data (text files) or dataset reviews, not both")
    documents = load_corpus(data, text_column=text_column)
    if isinstance(data, (list, tuple)):  # texts in memory: not kept in the run's record
        return documents, None, {"texts": len(documents)}
    return documents, None, {"data": str(data), "text_column": text_column}


def embedded_corpus(split: str = "train") -> list[str]:
    """The embedded film reviews' texts (2,000 for ``train``, 500 for ``test``): the apps' default corpus."""
    from kerasdl.data.text.reviews import embedded_reviews

    return read_text_column(embedded_reviews()[split])
