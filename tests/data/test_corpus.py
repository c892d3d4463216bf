"""Unlabelled corpora: text files, tables, folders, IMDB's two layouts, and word tokens."""

import gzip

import pytest

from kerasdl.data.text.corpus import corpus_for, embedded_corpus, imdb_corpus, load_corpus, words
from kerasdl.errors import UserInputError


def test_words_are_lower_case_tokens_with_apostrophes():
    assert words("Don't stop: 2 GREAT films!") == ["don't", "stop", "2", "great", "films"]


def test_a_list_of_strings_is_cleaned_and_blank_ones_dropped():
    assert load_corpus(["A film.<br />Two  lines.", "  "]) == ["A film. Two lines."]


def test_a_text_file_gives_one_document_per_line(tmp_path):
    (tmp_path / "book.txt").write_text("first line\n\n second line \n", encoding="utf-8")
    assert load_corpus(tmp_path / "book.txt") == ["first line", "second line"]


def test_a_table_gives_its_text_column_without_labels(tmp_path):
    path = tmp_path / "unsup.csv.gz"
    path.write_bytes(gzip.compress(b'id,text\n1,"one, quoted"\n2,two\n'))
    assert load_corpus(path) == ["one, quoted", "two"]


def test_a_folder_gives_one_document_per_text_file(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("second\nfile", encoding="utf-8")
    (tmp_path / "1.txt").write_text("first", encoding="utf-8")
    (tmp_path / "empty.txt").write_text(" ", encoding="utf-8")
    assert load_corpus(tmp_path) == ["first", "second file"]


@pytest.mark.parametrize("make", ["missing", "empty_file", "empty_list", "no_text_column"])
def test_bad_corpora_are_one_line_errors(tmp_path, make):
    source = {"missing": tmp_path / "nothing.txt", "empty_list": [" "]}.get(make)
    if make == "empty_file":
        source = tmp_path / "empty.txt"
        source.write_text("\n\n", encoding="utf-8")
    if make == "no_text_column":
        source = tmp_path / "t.csv"
        source.write_text("id,rating\n1,2\n", encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        load_corpus(source)
    assert "\n" not in str(err.value)


def _write_aclimdb(root):
    for split, folders in {"train": ("neg", "pos", "unsup"), "test": ("neg", "pos")}.items():
        for folder in folders:
            (root / split / folder).mkdir(parents=True)
            (root / split / folder / "0_1.txt").write_text(f"{split} {folder}", encoding="utf-8")


def test_imdb_reads_the_csv_layout_and_keeps_test_texts_apart(tmp_path):
    for split in ("train", "test", "unsup"):
        (tmp_path / f"{split}.csv.gz").write_bytes(gzip.compress(f"id,label,text\n0,1,{split} text\n".encode()))
    assert imdb_corpus(tmp_path) == ["unsup text", "train text"]
    assert imdb_corpus(tmp_path, splits=("test",)) == ["test text"]


def test_imdb_reads_the_aclimdb_folders(tmp_path):
    _write_aclimdb(tmp_path)
    assert imdb_corpus(tmp_path) == ["train unsup", "train neg", "train pos"]
    assert imdb_corpus(tmp_path, splits=("test",)) == ["test neg", "test pos"]


def test_imdb_names_a_missing_or_unknown_split(tmp_path):
    with pytest.raises(UserInputError, match="no IMDB 'unsup' texts"):
        imdb_corpus(tmp_path)
    with pytest.raises(UserInputError, match="unknown IMDB split"):
        imdb_corpus(tmp_path, splits=("dev",))


def test_the_embedded_corpus_has_both_splits():
    train, test = embedded_corpus("train"), embedded_corpus("test")
    assert (len(train), len(test)) == (2000, 500)
    assert train[:500] != test  # two seeds; short generated reviews may coincide now and then


def test_a_file_that_is_not_text_is_refused(tmp_path):
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    with pytest.raises(UserInputError, match="expected a .txt, .csv or .tsv file"):
        load_corpus(tmp_path / "photo.png")


def test_corpus_for_names_its_source_and_the_datasets_own_test_texts(tmp_path):
    documents, test, source = corpus_for(with_test=True)
    assert (len(documents), len(test), source) == (2000, 500, {"dataset": "reviews"})
    assert corpus_for(["a text", " "]) == (["a text"], None, {"texts": 1})
    (tmp_path / "book.txt").write_text("one\ntwo\n", encoding="utf-8")
    assert corpus_for(tmp_path / "book.txt") == (
        ["one", "two"],
        None,
        {"data": str(tmp_path / "book.txt"), "text_column": None},
    )
    for split in ("train", "test", "unsup"):
        (tmp_path / f"{split}.csv.gz").write_bytes(gzip.compress(f"id,text\n0,{split} text\n".encode()))
    assert corpus_for(tmp_path, dataset="imdb", with_test=True)[:2] == (["unsup text", "train text"], ["test text"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dataset": "wiki"}, "unknown dataset 'wiki'"),
        ({"dataset": "imdb"}, "needs --data"),
        ({"data": ["text"], "dataset": "reviews"}, "not both"),
    ],
)
def test_corpus_for_refuses_what_it_cannot_read(kwargs, message):
    with pytest.raises(UserInputError, match=message):
        corpus_for(**kwargs)
