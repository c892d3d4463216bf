"""Train/validation/test splits of labelled text, from whatever the user points at."""

from __future__ import annotations

import dataclasses
import pathlib

import numpy as np

from kerasdl.data.classification import Split
from kerasdl.data.text.loaders import (
    LabeledTexts,
    is_aclimdb,
    load_aclimdb,
    load_keras_imdb,
    load_review_folder,
    load_table,
)
from kerasdl.errors import UserInputError

DATASETS = ("reviews", "imdb")  # the embedded review set; keras.datasets.imdb
SPLIT_SEED = 0
VAL_FRACTION = 0.1  # of the training data, when the source has its own test set
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train, validation, test of a source without one


@dataclasses.dataclass
class TextSplit(Split):
    """Train, validation and test :class:`LabeledTexts`, and where they came from; ids are files or file:line."""

    def counts(self) -> dict:
        return {part: len(getattr(self, part)) for part in ("train", "val", "test")}


def load_texts(path, *, text_column=None, label_column=None) -> LabeledTexts:
    """A labelled folder (``neg/``, ``pos/`` of ``.txt`` files) or a CSV/TSV table."""
    path = pathlib.Path(path)
    if path.is_dir():
        return load_review_folder(path)
    if not path.exists():
        raise UserInputError(f"no such file or folder: {path}")
    return load_table(path, text_column=text_column, label_column=label_column)


def _held_out(labels, fractions, seed, source):
    from kerasdl.data.classification import stratified_split

    try:
        return stratified_split(labels, fractions=fractions, seed=seed)
    except UserInputError:
        counts = np.bincount(np.asarray(labels), minlength=2)
        raise UserInputError(
            f"{source} has {counts[0]} negative and {counts[1]} positive texts: too few to hold out validation"
            " and test texts of both classes"
        ) from None


def load_split(
    *,
    data=None,
    test_data=None,
    dataset=None,
    dataset_file=None,
    text_column=None,
    label_column=None,
    seed: int = SPLIT_SEED,
) -> TextSplit:
    """The seeded split of a source; its own test set when it has one, never touched by training.

    Sources, first match wins: ``data`` (an aclImdb root with ``train/`` and ``test/``, a
    folder with ``neg/`` and ``pos/``, or a CSV/TSV file), else ``dataset`` (``"imdb"``:
    ``keras.datasets.imdb``; ``"reviews"``: the embedded set, also the default). The test
    part is ``test_data`` if given, else the source's test set, else 10% of the data
    (stratified); validation is 10% of what remains for training.

    Args:
        data: training data, see above.
        test_data: a folder or table with the test texts.
        dataset: one of :data:`DATASETS`.
        dataset_file: for ``"imdb"``, an ``imdb.npz`` to read instead of Keras' cache.
        text_column: for tables, the text column's name or index.
        label_column: for tables, the label column's name or index.
        seed: the split's seed.
    """
    from kerasdl.data.text.reviews import embedded_reviews

    columns = dict(text_column=text_column, label_column=label_column)
    test = None
    if data is not None:
        source = str(data)
        if is_aclimdb(data):
            train, test = load_aclimdb(data)
        else:
            train = load_texts(data, **columns)
    else:
        dataset = dataset or "reviews"
        if dataset not in DATASETS:
            raise UserInputError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
        if dataset == "imdb":
            source = f"keras.datasets.imdb ({dataset_file})" if dataset_file else "keras.datasets.imdb"
            train, test = load_keras_imdb(dataset_file)
        else:
            files = embedded_reviews()
            source = "embedded reviews"
            train, test = load_table(files["train"]), load_table(files["test"])
    if test_data is not None:
        test = load_texts(test_data, **columns)
        source += f" (test: {test_data})"
    if test is None:
        train_index, val_index, test_index = _held_out(train.y, SPLIT_FRACTIONS, seed, source)
        return TextSplit(train.subset(train_index), train.subset(val_index), train.subset(test_index), source, seed)
    train_index, val_index = _held_out(train.y, (1 - VAL_FRACTION, VAL_FRACTION), seed, source)
    return TextSplit(train.subset(train_index), train.subset(val_index), test, source, seed)
