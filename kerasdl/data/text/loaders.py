"""Labelled review text from the layouts people have: aclImdb folders, CSV/TSV tables, Keras' IMDB.

Every loader returns :class:`LabeledTexts` with the labels mapped to
:data:`CLASS_NAMES` (0 = negative, 1 = positive). Files are read as bytes and decoded as
UTF-8; a byte that is not UTF-8 is read as Windows-1252 (the usual culprit in scraped
reviews) instead of failing. HTML line breaks become spaces, blank lines and empty texts are
skipped, and bad input raises :class:`~kerasdl.errors.UserInputError` naming the file and line.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import io
import json
import os
import pathlib
import re
import sys

import numpy as np

from kerasdl.errors import UserInputError

CLASS_NAMES = ["negative", "positive"]
# What a label column or a class folder may say, lower-cased; anything else is an error.
LABEL_VALUES = {
    "0": 0,
    "1": 1,
    "0.0": 0,
    "1.0": 1,
    "neg": 0,
    "pos": 1,
    "negative": 0,
    "positive": 1,
}
TEXT_COLUMNS = ("text", "sentence", "review", "content", "document")
LABEL_COLUMNS = ("label", "sentiment", "polarity", "class", "target")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
UNLABELLED_FOLDERS = ("unsup",)  # aclImdb's 50,000 unlabelled reviews
_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_NEWLINE = b"\n"


@dataclasses.dataclass
class LabeledTexts:
    """Texts with labels.

    Attributes:
        texts: the cleaned texts.
        y: int32 ``(n,)`` class indices into ``class_names``.
        class_names: :data:`CLASS_NAMES`.
        ids: per text, where it came from (``"file"`` or ``"file:line"``).
    """

    texts: list[str]
    y: np.ndarray
    class_names: list[str]
    ids: list[str]

    def subset(self, index) -> LabeledTexts:
        index = np.asarray(index, dtype=np.int64)
        return LabeledTexts(
            [self.texts[i] for i in index], self.y[index], self.class_names, [self.ids[i] for i in index]
        )

    def __len__(self) -> int:
        return len(self.y)


def _windows_1252_bytes(error: UnicodeDecodeError):
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("kerasdl_cp1252", _windows_1252_bytes)


def decode_text(data: bytes) -> str:
    """UTF-8 text from bytes; a leading BOM is dropped and bytes that are not UTF-8 are read as Windows-1252."""
    return data.decode("utf-8-sig", errors="kerasdl_cp1252")


def decode_utf8(data: bytes, where, *, line_numbers: bool = True) -> str:
    """UTF-8 text from bytes, a leading BOM dropped; anything else is an error naming ``where`` and the line.

    The rule of apps whose data must be UTF-8 (translation): its training files and the
    sentences it is asked to translate are read by this one function.

    Raises:
        UserInputError: ``<where>:<line>: not UTF-8 text`` (``<where>: ...`` without ``line_numbers``).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = f":{data[: err.start].count(_NEWLINE) + 1}" if line_numbers else ""
        raise UserInputError(f"{where}{line}: not UTF-8 text") from None


def read_texts(texts, file=None, *, what="texts", utf8_only=False) -> list[str]:
    """Texts from a string or a list of them, a file (one per line) and stdin (``-`` or nothing else given).

    Blank texts and lines are skipped; each text is stripped. The file and stdin are decoded
    as the app's data files are: with ``utf8_only`` by :func:`decode_utf8` (bytes that are not
    UTF-8 are an error), else by :func:`decode_text` (read as Windows-1252).

    Raises:
        UserInputError: a missing file, no input at all, only blank lines, or with
            ``utf8_only`` text that is not UTF-8.
    """

    def decode(data: bytes, where, line_numbers=True) -> str:
        return decode_utf8(data, where, line_numbers=line_numbers) if utf8_only else decode_text(data)

    texts = [texts] if isinstance(texts, str) else list(texts or [])
    # Command-line arguments that were not UTF-8 arrive with their bytes as surrogates.
    texts = [decode(t.encode("utf-8", "surrogateescape"), f"argument {i}", False) for i, t in enumerate(texts, start=1)]
    lines = []
    if file:
        path = pathlib.Path(file)
        if not path.is_file():
            raise UserInputError(f"no such file: {path}")
        lines += decode(path.read_bytes(), path).splitlines()
    if "-" in texts or (not texts and not file):
        if sys.stdin is None or sys.stdin.isatty():
            raise UserInputError(f"no {what}: pass them as arguments, with --file, or on stdin")
        stream = getattr(sys.stdin, "buffer", None)
        lines += (decode(stream.read(), "stdin") if stream is not None else sys.stdin.read()).splitlines()
    found = [t.strip() for t in texts if t != "-" and t.strip()] + [line.strip() for line in lines if line.strip()]
    if not found:
        raise UserInputError(f"no {what} (the input is empty)")
    return found


def clean_text(text: str) -> str:
    """HTML line breaks (``<br />``) and runs of whitespace to one space; stripped."""
    return _SPACES.sub(" ", _BREAKS.sub(" ", text)).strip()


def label_index(value, *, where: str) -> int:
    """The class index of a label (``0/1``, ``neg/pos``, ``negative/positive``, any case)."""
    key = str(value).strip().lower()
    if key not in LABEL_VALUES:
        raise UserInputError(
            f"{where}: unknown label {str(value)!r}; sentiment labels are 0/1, neg/pos or negative/positive"
        )
    return LABEL_VALUES[key]


def read_bytes(path: pathlib.Path) -> bytes:
    """A file's bytes, gunzipped when its name ends in ``.gz``; a missing or unreadable file is a one-line error."""
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix.lower() == ".gz" else data
    except FileNotFoundError:
        raise UserInputError(f"no such file: {path}") from None
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise UserInputError(f"cannot read {path}: {err}") from None


# ---------------------------------------------------------------- folders of text files


def _class_of_folder(folder: pathlib.Path) -> int:
    return label_index(folder.name, where=f"class folder {folder}")


def load_review_folder(path) -> LabeledTexts:
    """One text file per review in class subfolders: ``<path>/neg/*.txt`` and ``<path>/pos/*.txt``.

    The layout of aclImdb's ``train/`` and ``test/`` folders. Folder names may be any of
    the label spellings (``neg``/``pos``, ``negative``/``positive``, ``0``/``1``); an
    ``unsup/`` folder of unlabelled reviews is ignored, empty files are skipped.

    Raises:
        UserInputError: the folder is missing, a subfolder is not a label, a class has no
            non-empty text file.
    """
    path = pathlib.Path(path)
    if not path.is_dir():
        raise UserInputError(f"no such folder: {path}" if not path.exists() else f"not a folder: {path}")
    folders = sorted(
        p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in UNLABELLED_FOLDERS
    )
    if not folders:
        raise UserInputError(
            f"folder {path} has no class subfolders; put reviews in {path}/neg/*.txt and {path}/pos/*.txt"
        )
    texts, labels, ids = [], [], []
    for folder in folders:
        label = _class_of_folder(folder)
        count = 0
        for f in sorted(folder.glob("*.txt")):
            text = clean_text(decode_text(read_bytes(f)))
            if text:
                texts.append(text)
                labels.append(label)
                ids.append(str(f))
                count += 1
        if not count:
            raise UserInputError(f"class folder {folder} has no non-empty .txt files")
    found = sorted(set(labels))
    if found != [0, 1]:
        raise UserInputError(
            f"folder {path} has reviews of one class only ({CLASS_NAMES[found[0]]}); it needs neg/ and pos/"
        )
    return LabeledTexts(texts, np.asarray(labels, np.int32), list(CLASS_NAMES), ids)


def is_aclimdb(path) -> bool:
    """Whether ``path`` is an aclImdb root: ``train/`` and ``test/`` folders of class subfolders."""
    path = pathlib.Path(path)
    return (path / "train").is_dir() and (path / "test").is_dir()


def load_aclimdb(path) -> tuple[LabeledTexts, LabeledTexts]:
    """The aclImdb layout (Maas et al., 2011): ``(train, test)`` from ``<path>/train`` and ``<path>/test``."""
    path = pathlib.Path(path)
    return load_review_folder(path / "train"), load_review_folder(path / "test")


# ---------------------------------------------------------------- CSV and TSV tables


def _find_column(header, wanted, candidates, *, what, path):
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        if isinstance(wanted, int) or str(wanted).isdigit():
            index = int(wanted)
            if not 0 <= index < len(header):
                raise UserInputError(
                    f"{path}: {what} column {index} does not exist; the header has {len(header)} columns"
                )
            return index
        if wanted.strip().lower() not in lowered:
            raise UserInputError(f"{path}: no {what} column {wanted!r}; the header is {header}")
        return lowered.index(wanted.strip().lower())
    for name in candidates:
        if name in lowered:
            return lowered.index(name)
    raise UserInputError(
        f"{path}: cannot tell which column holds the {what} (header {header}); name it with --{what}-column"
    )


def _table_rows(path, delimiter=None):
    """``(line number, fields)`` of a CSV/TSV file's non-blank rows, header first; bad files are one-line errors."""
    path = pathlib.Path(path)
    base = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    suffix = pathlib.Path(base).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UserInputError(f"{path}: expected a .csv, .tsv or .txt file (optionally .gz)")
    if delimiter is None:
        delimiter = "," if suffix == ".csv" else "\t"
    rows = csv.reader(io.StringIO(decode_text(read_bytes(path)), newline=""), delimiter=delimiter)
    try:
        for row in rows:
            if row and any(field.strip() for field in row):
                yield rows.line_num, row
    except csv.Error as err:
        raise UserInputError(f"{path}, line {rows.line_num}: {err}") from None


def read_text_column(path, *, text_column=None, delimiter=None) -> list[str]:
    """The cleaned, non-empty texts of a CSV/TSV file's text column (found by name as :func:`load_table` does).

    For unlabelled text: no label column is needed.

    Raises:
        UserInputError: a missing or unreadable file, no header, no text column, no text.
    """
    rows = _table_rows(path, delimiter)
    header = next(rows, (0, None))[1]
    if header is None:
        raise UserInputError(f"{path} is empty")
    t = _find_column(header, text_column, TEXT_COLUMNS, what="text", path=path)
    texts = [clean_text(row[t]) for _, row in rows if len(row) > t]
    texts = [text for text in texts if text]
    if not texts:
        raise UserInputError(f"{path} has a header but no rows with text")
    return texts


def load_table(path, *, text_column=None, label_column=None, delimiter=None) -> LabeledTexts:
    """Texts and labels from a CSV or TSV file with a header line (``.gz`` compressed or not).

    Finds the columns by name (text: ``text``, ``sentence``, ``review``, ``content``; label:
    ``label``, ``sentiment``, ``polarity``, ...) in any order, so GLUE's SST-2
    (``sentence<TAB>label``), label-first SST-2 copies and the IMDB CSVs (``id,rating,label,text``)
    all load. Quoted fields may hold the delimiter and line breaks (RFC 4180). Blank lines
    and rows with an empty text are skipped.

    Args:
        path: ``.csv``, ``.tsv`` or ``.txt`` (tab-separated), optionally ``.gz``.
        text_column: the text column's name or 0-based index, when the header does not say.
        label_column: the label column's name or index.
        delimiter: the field separator; by default tab for ``.tsv``/``.txt``, comma for ``.csv``.

    Raises:
        UserInputError: a missing or unreadable file, no header or no rows, columns not
            found, a row with too few fields, or a label that is not a sentiment label
            (naming the value and the line).
    """
    header = None
    texts, labels, ids, unknown = [], [], [], {}
    for line, row in _table_rows(path, delimiter):
        if header is None:
            header = row
            t = _find_column(header, text_column, TEXT_COLUMNS, what="text", path=path)
            k = _find_column(header, label_column, LABEL_COLUMNS, what="label", path=path)
            if t == k:
                raise UserInputError(f"{path}: the text and label columns are the same column ({header[t]!r})")
            continue
        if len(row) <= max(t, k):
            raise UserInputError(f"{path}, line {line}: {len(row)} field(s), but the header has {len(header)}")
        value = row[k].strip().lower()
        if value not in LABEL_VALUES:
            unknown.setdefault(row[k].strip(), line)
            continue
        cleaned = clean_text(row[t])
        if cleaned:
            texts.append(cleaned)
            labels.append(LABEL_VALUES[value])
            ids.append(f"{path}:{line}")
    if unknown:
        shown = ", ".join(f"{value!r} (line {line})" for value, line in list(unknown.items())[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise UserInputError(
            f"{path}: label column {header[k]!r} has values that are not sentiment labels: {shown}{more}; "
            "use 0/1, neg/pos or negative/positive"
        )
    if header is None:
        raise UserInputError(f"{path} is empty")
    if not texts:
        raise UserInputError(f"{path} has a header but no rows with text")
    return LabeledTexts(texts, np.asarray(labels, np.int32), list(CLASS_NAMES), ids)


# ---------------------------------------------------------------- keras.datasets.imdb


def keras_home() -> pathlib.Path:
    """Keras' cache root: ``$KERAS_HOME`` or ``~/.keras``."""
    return pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras"))


def _load_npz(path: pathlib.Path) -> dict:
    """An ``.npz`` of ragged int sequences (object arrays), unpickling numpy arrays only."""
    import pickle
    import zipfile

    allowed = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }

    class NumpyOnly(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) not in allowed:
                raise pickle.UnpicklingError(f"{path} holds a {module}.{name} object, not only arrays")
            return super().find_class(module, name)

    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            with archive.open(member) as raw:
                fp = io.BytesIO(raw.read())
            version = np.lib.format.read_magic(fp)
            header = np.lib.format.read_array_header_1_0 if version[0] == 1 else np.lib.format.read_array_header_2_0
            _, _, dtype = header(fp)
            fp.seek(0)
            if dtype.hasobject:
                np.lib.format.read_magic(fp)
                header(fp)
                arrays[member.removesuffix(".npy")] = NumpyOnly(fp).load()
            else:
                arrays[member.removesuffix(".npy")] = np.lib.format.read_array(fp, allow_pickle=False)
    return arrays


def load_keras_imdb(path=None, *, word_index=None) -> tuple[LabeledTexts, LabeledTexts]:
    """``keras.datasets.imdb`` in its word-index form, turned back into text: ``(train, test)``.

    Reads ``imdb.npz`` (word ranks per review) and ``imdb_word_index.json`` (word -> rank)
    from Keras' cache (``$KERAS_HOME/datasets``, as ``keras.datasets.imdb.load_data()``
    leaves them) or from the paths given, without downloading. The texts are the reviews'
    words in order, lower-cased and without punctuation, as that form keeps them.

    Args:
        path: an ``imdb.npz``; default: Keras' cache.
        word_index: an ``imdb_word_index.json``; default: beside the ``.npz``.

    Raises:
        UserInputError: a file is missing (with where to put it) or not in that format.
    """
    path = pathlib.Path(path) if path else keras_home() / "datasets" / "imdb.npz"
    index_path = pathlib.Path(word_index) if word_index else path.parent / "imdb_word_index.json"
    for f, what in ((path, "imdb.npz"), (index_path, "imdb_word_index.json")):
        if not f.is_file():
            raise UserInputError(
                f"keras.datasets.imdb needs {what} at {f} (Keras downloads it on first use with "
                "keras.datasets.imdb.load_data() and keras.datasets.imdb.get_word_index())"
            )
    try:
        arrays = _load_npz(path)
        x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    except Exception as err:  # noqa: BLE001 - zipfile, numpy and pickle raise many types
        raise UserInputError(f"cannot read {path} as keras.datasets.imdb's npz: {err}") from None
    try:
        words = {int(rank): word for word, rank in json.loads(index_path.read_text(encoding="utf-8")).items()}
    except (ValueError, AttributeError, TypeError) as err:
        raise UserInputError(f"cannot read {index_path} as a word index (word -> rank JSON): {err}") from None

    def part(xs, ys, name):
        texts, labels, ids = [], [], []
        for i, (seq, label) in enumerate(zip(xs, ys)):
            text = " ".join(words[int(r)] for r in seq if int(r) in words)
            if text:
                texts.append(text)
                labels.append(label_index(label, where=f"{path} ({name} review {i})"))
                ids.append(f"{name}:{i}")
        return LabeledTexts(texts, np.asarray(labels, np.int32), list(CLASS_NAMES), ids)

    return part(x_train, y_train, "train"), part(x_test, y_test, "test")
