"""Numbers written out in English and Spanish words: the grammar of the generated parallel corpus.

English follows US usage without "and" ("three hundred five"); Spanish follows the RAE's
rules, including the ones a translator has to learn rather than copy word by word:
``16–29`` are single words (*dieciséis*, *veintitrés*), ``100`` is *cien* but ``101`` is
*ciento uno*, hundreds agree with the noun's gender (*doscientas casas*), and *uno* shortens
to *un* before *mil* and before a masculine noun (*veintiún mil*, *un libro*) and becomes
*una* before a feminine one (*veintiuna casas*).
"""

from __future__ import annotations

MAX_NUMBER = 999_999

_EN_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

_ES_SMALL = (
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro "
    "veinticinco veintiséis veintisiete veintiocho veintinueve"
).split()
_ES_TENS = "_ _ _ treinta cuarenta cincuenta sesenta setenta ochenta noventa".split()
_ES_HUNDREDS = (
    "_ ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos".split()
)


def _check(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"n must be an int in [0, {MAX_NUMBER}]; Received: n={n!r}")


def _english_below_thousand(n: int) -> list[str]:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_EN_SMALL[hundreds], "hundred"]
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_SMALL[units]}" if units else ""))
    elif rest:
        words.append(_EN_SMALL[rest])
    return words


def english(n: int) -> str:
    """``n`` in English words: ``english(21305) == "twenty-one thousand three hundred five"``."""
    _check(n)
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    words = (_english_below_thousand(thousands) + ["thousand"]) if thousands else []
    return " ".join(words + _english_below_thousand(rest))


def _spanish_units(n: int, form: str) -> str:
    """``n`` < 30 where ``form`` decides how a final *uno* reads: uno / un / una."""
    word = _ES_SMALL[n]
    if word.endswith("uno") and form != "uno":
        word = word[:-3] + ("un" if form == "un" else "una")
        word = word.replace("veintiun", "veintiún") if form == "un" else word
    return word


def _spanish_below_thousand(n: int, form: str, feminine: bool) -> list[str]:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        word = "cien" if (hundreds == 1 and rest == 0) else _ES_HUNDREDS[hundreds]
        if feminine and hundreds > 1:
            word = word[:-2] + "as"  # doscientos -> doscientas
        words.append(word)
    if rest >= 30:
        tens, units = divmod(rest, 10)
        words.append(_ES_TENS[tens])
        if units:
            words += ["y", _spanish_units(units, form)]
    elif rest:
        words.append(_spanish_units(rest, form))
    return words


def spanish(n: int, *, gender: str | None = None) -> str:
    """``n`` in Spanish words, agreeing with a following noun of ``gender`` ("m", "f" or None).

    ``spanish(21) == "veintiuno"``, ``spanish(21, gender="m") == "veintiún"``,
    ``spanish(21, gender="f") == "veintiuna"``, ``spanish(201000, gender="f") == "doscientas un mil"``
    — the thousands group agrees in its hundreds and shortens *uno* to *un* before *mil*.
    """
    _check(n)
    if gender not in (None, "m", "f"):
        raise ValueError(f"gender must be None, 'm' or 'f'; Received: gender={gender!r}")
    if n == 0:
        return "cero"
    feminine = gender == "f"
    form = {None: "uno", "m": "un", "f": "una"}[gender]
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands == 1:
        words.append("mil")
    elif thousands:
        words += _spanish_below_thousand(thousands, "un", feminine) + ["mil"]
    return " ".join(words + _spanish_below_thousand(rest, form, feminine))
