"""A word vocabulary for short English captions: lower-cased words, punctuation dropped.

Id 0 pads, 1 is an unknown word, 2 starts and 3 ends every caption; the words follow by
falling frequency (ties alphabetical), so the same captions always give the same ids.
"""

from __future__ import annotations

import collections
import re

import numpy as np

PAD, UNKNOWN, START, END = "", "[UNK]", "<start>", "<end>"
RESERVED = (PAD, UNKNOWN, START, END)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalize_caption(caption: str) -> str:
    """Lower-cased words separated by single spaces (``"A dog's ball ."`` -> ``"a dog's ball"``)."""
    return " ".join(_WORD.findall(str(caption).lower()))


def build_vocabulary(captions, *, max_tokens: int | None = None, min_count: int = 1) -> list[str]:
    """The vocabulary of ``captions`` (an iterable of strings): reserved tokens, then words.

    Args:
        captions: training captions.
        max_tokens: the vocabulary's size, reserved tokens included; ``None`` keeps every word.
        min_count: drop words seen fewer times.
    """
    counts = collections.Counter(w for c in captions for w in normalize_caption(c).split())
    words = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    if max_tokens is not None:
        words = words[: max(0, max_tokens - len(RESERVED))]
    return [*RESERVED, *words]


def encode_captions(captions, vocabulary, length: int) -> np.ndarray:
    """Int32 ``(n, length)``: start, word ids (unknown words as 1), end, zeros; truncated to fit."""
    index = {w: i for i, w in enumerate(vocabulary)}
    out = np.zeros((len(captions), length), np.int32)
    for row, caption in enumerate(captions):
        ids = [index[START], *(index.get(w, index[UNKNOWN]) for w in normalize_caption(caption).split())][: length - 1]
        ids.append(index[END])
        out[row, : len(ids)] = ids
    return out
