"""Number words in English and Spanish, and the generated parallel corpus built from them."""

import pytest

from kerasdl.data.number_words import MAX_NUMBER, english, spanish
from kerasdl.data.parallel_corpus import NOUNS, counted, generate_pairs

HOUSE = next(n for n in NOUNS if n.en == "house")
BOOK = next(n for n in NOUNS if n.en == "book")


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (40, "forty"),
        (42, "forty-two"),
        (100, "one hundred"),
        (305, "three hundred five"),
        (1000, "one thousand"),
        (21_305, "twenty-one thousand three hundred five"),
        (999_999, "nine hundred ninety-nine thousand nine hundred ninety-nine"),
    ],
)
def test_english(n, words):
    assert english(n) == words


@pytest.mark.parametrize(
    "n, plain, masculine, feminine",
    [
        (1, "uno", "un", "una"),
        (16, "dieciséis", "dieciséis", "dieciséis"),
        (21, "veintiuno", "veintiún", "veintiuna"),
        (22, "veintidós", "veintidós", "veintidós"),
        (31, "treinta y uno", "treinta y un", "treinta y una"),
        (100, "cien", "cien", "cien"),
        (101, "ciento uno", "ciento un", "ciento una"),
        (500, "quinientos", "quinientos", "quinientas"),
        (1000, "mil", "mil", "mil"),
        (21_000, "veintiún mil", "veintiún mil", "veintiún mil"),
        (200_200, "doscientos mil doscientos", "doscientos mil doscientos", "doscientas mil doscientas"),
        (701_001, "setecientos un mil uno", "setecientos un mil un", "setecientas un mil una"),
    ],
)
def test_spanish_agreement(n, plain, masculine, feminine):
    assert spanish(n) == plain
    assert spanish(n, gender="m") == masculine
    assert spanish(n, gender="f") == feminine


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1, 2.0, True, "3"])
def test_out_of_range_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="n must be an int"):
        english(bad)
    with pytest.raises(ValueError, match="n must be an int"):
        spanish(bad)


def test_counted_nouns_agree_in_number_and_gender():
    assert counted(1, HOUSE) == ("one house", "una casa")
    assert counted(1, BOOK) == ("one book", "un libro")
    assert counted(221, HOUSE) == ("two hundred twenty-one houses", "doscientas veintiuna casas")


def test_generated_corpus_is_seeded_distinct_and_varied():
    pairs = generate_pairs(3000, seed=5)
    assert pairs == generate_pairs(3000, seed=5)
    assert pairs != generate_pairs(3000, seed=6)
    assert len(set(pairs)) == 3000
    lengths = [len(en.split()) for en, _ in pairs]
    assert min(lengths) <= 4 and max(lengths) >= 10  # small and large counts both appear
    assert any(es.startswith("aquí hay un ") for _, es in pairs) or any(" una " in f" {es} " for _, es in pairs)


def test_generate_pairs_checks_count():
    with pytest.raises(ValueError, match="count must be a positive int; Received: count=0"):
        generate_pairs(0)
