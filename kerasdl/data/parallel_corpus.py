"""The translation app's embedded default: an English–Spanish corpus the project writes itself.

Each pair is a short sentence about a counted thing, with the count written out in words::

    we bought two hundred twenty-one bottles  ->  compramos doscientas veintiuna botellas
    there is one tree here                    ->  aquí hay un árbol

Word-for-word copying fails on it: Spanish number words are not a one-to-one map of English
ones (*twenty-one* → *veintiuno/veintiún/veintiuna*, *one hundred* → *cien* or *ciento*), the
number agrees with the noun's gender, and verbs, nouns and *is/are* change with the count.
The generator is seeded, so the corpus is the same on every machine.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from kerasdl.data.number_words import MAX_NUMBER, english, spanish


@dataclasses.dataclass(frozen=True)
class Noun:
    en: str
    en_plural: str
    es: str
    es_plural: str
    gender: str  # "m" or "f"


NOUNS = (
    Noun("book", "books", "libro", "libros", "m"),
    Noun("house", "houses", "casa", "casas", "f"),
    Noun("cat", "cats", "gato", "gatos", "m"),
    Noun("table", "tables", "mesa", "mesas", "f"),
    Noun("tree", "trees", "árbol", "árboles", "m"),
    Noun("city", "cities", "ciudad", "ciudades", "f"),
    Noun("car", "cars", "coche", "coches", "m"),
    Noun("bottle", "bottles", "botella", "botellas", "f"),
    Noun("dog", "dogs", "perro", "perros", "m"),
    Noun("flower", "flowers", "flor", "flores", "f"),
    Noun("glass", "glasses", "vaso", "vasos", "m"),
    Noun("letter", "letters", "carta", "cartas", "f"),
)

# (English, Spanish) with {count} for the number + noun; {be} is English's is/are.
TEMPLATES = (
    ("i have {count}", "tengo {count}"),
    ("we bought {count}", "compramos {count}"),
    ("there {be} {count} here", "aquí hay {count}"),
    ("she sold {count}", "ella vendió {count}"),
    ("they need {count}", "necesitan {count}"),
    ("he saw {count} yesterday", "él vio {count} ayer"),
)


def counted(n: int, noun: Noun) -> tuple[str, str]:
    """``n`` things in both languages: ``counted(21, Noun(house...))`` → ("twenty-one houses", "veintiuna casas")."""
    en_noun = noun.en if n == 1 else noun.en_plural
    es_noun = noun.es if n == 1 else noun.es_plural
    return f"{english(n)} {en_noun}", f"{spanish(n, gender=noun.gender)} {es_noun}"


def sentence_pair(n: int, noun: Noun, template: tuple[str, str]) -> tuple[str, str]:
    """One English–Spanish pair from a count, a noun and a template."""
    en_count, es_count = counted(n, noun)
    en, es = template
    return en.format(count=en_count, be="is" if n == 1 else "are"), es.format(count=es_count)


def sample_count(rng: np.random.Generator) -> int:
    """A count from 1 to 999,999 whose number of digits is uniform, so small and large numbers both appear."""
    digits = int(rng.integers(1, len(str(MAX_NUMBER)) + 1))
    return int(rng.integers(10 ** (digits - 1), 10**digits))


def generate_pairs(count: int = 30_000, *, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` distinct (English, Spanish) pairs, the same for the same ``seed``.

    Args:
        count: number of pairs (at most a few million distinct ones exist).
        seed: the generator's seed.

    Returns:
        A list of ``(source, target)`` strings in generation order.

    Example:
        >>> generate_pairs(2, seed=0)[0][1].split()[-1] in {n.es_plural for n in NOUNS} | {n.es for n in NOUNS} | {"ayer", "aquí"}
        True
    """
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive int; Received: count={count!r}")
    rng = np.random.default_rng(seed)
    pairs, seen = [], set()
    while len(pairs) < count:
        n = sample_count(rng)
        noun = NOUNS[int(rng.integers(len(NOUNS)))]
        template = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
        pair = sentence_pair(n, noun, template)
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    return pairs
