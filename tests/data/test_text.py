"""Text loaders on files the tests write: aclImdb folders, CSV/TSV (gzipped too), Keras' IMDB npz, broken input."""

import gzip
import json

import numpy as np
import pytest

from kerasdl.data.text import (
    CLASS_NAMES,
    clean_text,
    decode_text,
    embedded_reviews,
    generate_reviews,
    load_aclimdb,
    load_keras_imdb,
    load_review_folder,
    load_split,
    load_table,
)
from kerasdl.errors import UserInputError


def write_reviews(folder, reviews):
    """``{"neg/0_2.txt": b"...", ...}`` as files under ``folder``."""
    for name, data in reviews.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return folder


# ---------------------------------------------------------------- decoding and cleaning


def test_decode_keeps_utf8_and_reads_stray_bytes_as_windows_1252():
    assert decode_text("Café – déjà vu".encode()) == "Café – déjà vu"
    assert decode_text(b"\xef\xbb\xbfwith a BOM") == "with a BOM"
    # A Latin-1 e-acute and a Windows-1252 curly quote inside otherwise UTF-8 text.
    assert decode_text(b"caf\xe9 \x93quoted\x94 na\xc3\xafve") == "café “quoted” naïve"


def test_clean_text_turns_html_breaks_and_whitespace_into_single_spaces():
    assert clean_text("  Great.<br /><br />Loved it.<BR>Really<br/>.\n\n ") == "Great. Loved it. Really ."


# ---------------------------------------------------------------- aclImdb folders


def test_aclimdb_layout(tmp_path):
    root = write_reviews(
        tmp_path / "aclImdb",
        {
            "train/neg/0_3.txt": "Dull.<br /><br />Very dull.",
            "train/pos/1_9.txt": b"Loved it, caf\xe9 scene included",
            "train/pos/2_8.txt": "",  # empty: skipped
            "train/unsup/5_0.txt": "unlabelled, ignored",
            "train/pos/notes.md": "not a review",
            "train/neg/7_2.txt": "Weak",
            "train/pos/8_7.txt": "Fine",
            "test/neg/3_1.txt": "Awful",
            "test/pos/4_10.txt": "Superb",
        },
    )
    train, test = load_aclimdb(root)
    assert train.texts == ["Dull. Very dull.", "Weak", "Loved it, café scene included", "Fine"]
    assert train.y.tolist() == [0, 0, 1, 1] and train.class_names == CLASS_NAMES
    assert train.ids[0].endswith("train/neg/0_3.txt")
    assert (test.texts, test.y.tolist()) == (["Awful", "Superb"], [0, 1])
    split = load_split(data=root)
    assert split.test.texts == ["Awful", "Superb"]  # the folder's own test set, untouched


@pytest.mark.parametrize(
    "reviews, fragment",
    [
        ({"neg/a.txt": "x", "meh/b.txt": "y"}, "unknown label 'meh'"),
        ({"neg/a.txt": "x", "pos/b.txt": "  "}, "has no non-empty .txt files"),
        ({"neg/a.txt": "x"}, "reviews of one class only (negative)"),
        ({"unsup/a.txt": "x"}, "has no class subfolders"),
    ],
)
def test_review_folder_errors(tmp_path, reviews, fragment):
    folder = write_reviews(tmp_path / "reviews", reviews)
    with pytest.raises(UserInputError) as info:
        load_review_folder(folder)
    assert fragment in str(info.value)


def test_missing_folder(tmp_path):
    with pytest.raises(UserInputError, match="no such folder"):
        load_review_folder(tmp_path / "nowhere")


# ---------------------------------------------------------------- tables


def test_glue_sst2_layout_with_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_bytes(b"sentence\tlabel\r\nit 's a charming journey . \t1\r\n\r\nlifeless and dull\t0\r\n")
    table = load_table(path)
    assert table.texts == ["it 's a charming journey .", "lifeless and dull"]
    assert table.y.tolist() == [1, 0]
    assert table.ids == [f"{path}:2", f"{path}:4"]


def test_label_first_tsv_and_gzipped_csv_with_quoted_fields(tmp_path):
    tsv = tmp_path / "train.tsv"
    tsv.write_text("label\tcontent\n0\tone long string of cliches\npositive\tA gem\n", encoding="utf-8")
    assert load_table(tsv).y.tolist() == [0, 1]
    csv_gz = tmp_path / "imdb.csv.gz"
    rows = 'id,rating,label,text\n0,3,0,"Bad, bad, bad.<br /><br />Really ""bad""."\n1,9,1,"Line one\nline two"\n2,8,1,""\n'
    csv_gz.write_bytes(gzip.compress(rows.encode("cp1252")))
    table = load_table(csv_gz)
    assert table.texts == ['Bad, bad, bad. Really "bad".', "Line one line two"]  # the empty text skipped
    assert table.y.tolist() == [0, 1]


def test_columns_by_name_or_index(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("body,stars\ngreat,pos\nawful,neg\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="cannot tell which column holds the text"):
        load_table(path)
    table = load_table(path, text_column="body", label_column=1)
    assert (table.texts, table.y.tolist()) == (["great", "awful"], [1, 0])


@pytest.mark.parametrize(
    "content, fragment",
    [
        (
            "text,label\ngood,1\nmeh,maybe\nfine,2\n",
            "label column 'label' has values that are not sentiment labels: 'maybe' (line 3), '2' (line 4)",
        ),
        ("text,label\ngood\n", "line 2: 1 field(s), but the header has 2"),
        ("", "is empty"),
        ("\n\n", "is empty"),
        ("text,label\n", "has a header but no rows with text"),
        ("text,label\n ,1\n", "has a header but no rows with text"),
    ],
)
def test_table_errors(tmp_path, content, fragment):
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserInputError) as info:
        load_table(path)
    assert fragment in str(info.value) and str(path) in str(info.value)


def test_table_file_problems(tmp_path):
    with pytest.raises(UserInputError, match="expected a .csv, .tsv or .txt"):
        load_table(tmp_path / "data.json")
    with pytest.raises(UserInputError, match="no such file"):
        load_table(tmp_path / "missing.csv")
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(UserInputError, match="cannot read"):
        load_table(broken)


# ---------------------------------------------------------------- keras.datasets.imdb


def write_keras_imdb(folder, *, with_index=True):
    """A tiny imdb.npz (word ranks per review, object arrays as Keras stores them) and its word index."""
    folder.mkdir(parents=True, exist_ok=True)
    ragged = lambda rows: np.array([list(r) for r in rows] + [[]], dtype=object)[:-1]  # noqa: E731
    np.savez(
        folder / "imdb.npz",
        x_train=ragged([[1, 2], [3, 4, 9], [2, 1], [4]]),
        y_train=np.array([1, 0, 1, 0]),
        x_test=ragged([[1, 4]]),
        y_test=np.array([0]),
    )
    if with_index:
        (folder / "imdb_word_index.json").write_text(json.dumps({"great": 1, "film": 2, "dull": 3, "plot": 4}))
    return folder / "imdb.npz"


def test_keras_imdb_from_the_keras_cache(tmp_path, monkeypatch):
    write_keras_imdb(tmp_path / "keras_home" / "datasets")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    train, test = load_keras_imdb()
    assert train.texts == ["great film", "dull plot", "film great", "plot"]  # rank 9 is not in the index: dropped
    assert train.y.tolist() == [1, 0, 1, 0] and test.texts == ["great plot"]
    split = load_split(dataset="imdb")
    assert split.test.texts == ["great plot"]


def test_keras_imdb_from_a_path_and_its_errors(tmp_path):
    path = write_keras_imdb(tmp_path / "somewhere", with_index=False)
    with pytest.raises(UserInputError, match="needs imdb_word_index.json at"):
        load_keras_imdb(path)
    (tmp_path / "index.json").write_text(json.dumps({"great": 1}))
    train, _ = load_keras_imdb(path, word_index=tmp_path / "index.json")
    assert train.texts == ["great", "great"]
    with pytest.raises(UserInputError, match="needs imdb.npz at"):
        load_keras_imdb(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    (tmp_path / "imdb_word_index.json").write_text("{}")
    with pytest.raises(UserInputError, match="cannot read .* as keras.datasets.imdb's npz"):
        load_keras_imdb(tmp_path / "bad.npz")


def test_keras_imdb_refuses_pickled_objects_other_than_arrays(tmp_path, capsys):
    import io
    import zipfile

    class Gadget:
        def __reduce__(self):
            return (print, ("pickled code ran",))

    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "imdb_word_index.json").write_text("{}")
    member = io.BytesIO()
    np.lib.format.write_array(member, np.array([Gadget()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(folder / "imdb.npz", "w") as archive:
        for name in ("x_train", "y_train", "x_test", "y_test"):
            archive.writestr(f"{name}.npy", member.getvalue())
    with pytest.raises(UserInputError, match="holds a builtins.print object, not only arrays"):
        load_keras_imdb(folder / "imdb.npz")
    assert "pickled code ran" not in capsys.readouterr().out


# ---------------------------------------------------------------- splits and the embedded set


def test_split_holds_out_validation_and_test_per_class(tmp_path):
    path = tmp_path / "all.csv"
    rows = [f"review number {i},{i % 2}" for i in range(40)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    split = load_split(data=path, seed=3)
    assert split.counts() == {"train": 32, "val": 4, "test": 4}
    for part in (split.val, split.test):
        assert sorted(part.y.tolist()) == [0, 0, 1, 1]
    everything = split.train.texts + split.val.texts + split.test.texts
    assert sorted(everything) == sorted(f"review number {i}" for i in range(40))
    assert load_split(data=path, seed=3).test.texts == split.test.texts  # seeded
    assert load_split(data=path, seed=4).test.texts != split.test.texts
    with pytest.raises(UserInputError, match="too few to hold out"):
        small = tmp_path / "small.csv"
        small.write_text("text,label\na,0\nb,1\nc,1\n", encoding="utf-8")
        load_split(data=small)


def test_embedded_reviews_are_balanced_seeded_and_cached():
    first = generate_reviews(20, seed=0)
    assert first == generate_reviews(20, seed=0) and first != generate_reviews(20, seed=1)
    assert sum(label for _, label in first) == 10
    paths = embedded_reviews()
    table = load_table(paths["train"])
    assert len(table) == 2000 and table.y.mean() == 0.5
    mtime = paths["train"].stat().st_mtime_ns
    assert embedded_reviews()["train"].stat().st_mtime_ns == mtime  # written once
    split = load_split()
    assert split.counts() == {"train": 1800, "val": 200, "test": 500}
    assert split.train.ids[0].endswith("train.csv:2") or "train.csv" in split.train.ids[0]
    assert all("test.csv" in i for i in split.test.ids)
