"""Sentence-pair loaders (Tatoeba TSV, aligned files) and the seeded, written-out split."""

import pytest

from kerasdl.data.sentence_pairs import read_aligned_files, read_split, read_tsv_pairs, split_pairs, write_split
from kerasdl.errors import UserInputError


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_tatoeba_layout_ignores_extra_columns_and_blank_lines(tmp_path):
    path = write(
        tmp_path / "spa.txt",
        "Go.\tVe.\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\n\n"
        "Where is he?\t¿Dónde está él?\tCC-BY\r\nNo way!\t¡Ni hablar!\n",
    )
    assert read_tsv_pairs(path) == [("Go.", "Ve."), ("Where is he?", "¿Dónde está él?"), ("No way!", "¡Ni hablar!")]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "no sentence pairs"),
        ("\n\n", "no sentence pairs"),
        ("Hello.\tHola.\nGoodbye without a tab\n", r"spa.txt:2: no tab between source and target"),
        ("Hello.\t \n", r"spa.txt:1: empty target sentence"),
        (b"Hello.\tHola.\nCaf\xe9\tCaf\xe9\n", r"spa.txt:2: not UTF-8 text"),
    ],
)
def test_bad_tsv_is_one_clear_error(tmp_path, content, message):
    with pytest.raises(UserInputError, match=message):
        read_tsv_pairs(write(tmp_path / "spa.txt", content))


def test_missing_file(tmp_path):
    with pytest.raises(UserInputError, match="no such file"):
        read_tsv_pairs(tmp_path / "nothing.tsv")


def test_aligned_files(tmp_path):
    en = write(tmp_path / "en.txt", "one\ntwo\n\nthree\n\n")
    es = write(tmp_path / "es.txt", "uno\ndos\n\ntres\n")
    assert read_aligned_files(en, es) == [("one", "uno"), ("two", "dos"), ("three", "tres")]


def test_unequal_aligned_files(tmp_path):
    en = write(tmp_path / "en.txt", "one\ntwo\nthree\n")
    es = write(tmp_path / "es.txt", "uno\ndos\n")
    with pytest.raises(UserInputError, match="en.txt has 3 lines but .*es.txt has 2"):
        read_aligned_files(en, es)
    es = write(tmp_path / "es.txt", "uno\n\ntres\n")
    with pytest.raises(UserInputError, match=r"es.txt:2: blank line"):
        read_aligned_files(en, es)


def test_split_is_seeded_grouped_by_source_and_round_trips(tmp_path):
    pairs = [(f"s{i}", f"t{i}") for i in range(200)] + [("s7", "another translation of s7")]
    split = split_pairs(pairs, seed=3)
    assert split == split_pairs(pairs, seed=3) and split != split_pairs(pairs, seed=4)
    assert sorted(p for name in split for p in split[name]) == sorted(pairs)
    assert [len({s for s, _ in split[n]}) for n in ("train", "validation", "test")] == [160, 20, 20]
    assert len({name for name in split for s, _ in split[name] if s == "s7"}) == 1  # both translations together
    assert not {s for s, _ in split["train"]} & {s for s, _ in split["test"]}
    write_split(split, tmp_path / "split")
    assert read_split(tmp_path / "split") == split


def test_split_needs_three_sources():
    with pytest.raises(UserInputError, match="at least 3 distinct source sentences"):
        split_pairs([("a", "b"), ("a", "c")])
