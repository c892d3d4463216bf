"""Word-vector scores: WordSim353 and SimLex-999 (Spearman), Google analogies (accuracy), with gensim's evaluators.

The three benchmark files ship in gensim's test data (``gensim.test.utils.datapath``); the
vectors are wrapped in gensim's ``KeyedVectors`` and scored by its ``evaluate_word_pairs`` and
``evaluate_word_analogies``, so ours and any baseline are measured by the same code. Pairs and
questions with a word outside the vocabulary are skipped (and their share reported).
"""

from __future__ import annotations

import contextlib
import logging

import numpy as np

SIMILARITY_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_SET = "questions-words.txt"
RESTRICT_VOCAB = 30000  # analogies are answered among the most frequent words, as word2vec's compute-accuracy does


def keyed_vectors(words, vectors):
    """gensim ``KeyedVectors`` of ``words`` (most frequent first) and their ``vectors``."""
    from gensim.models import KeyedVectors

    vectors = np.asarray(vectors, dtype=np.float32)
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    return kv


@contextlib.contextmanager
def _quiet_gensim():
    logger = logging.getLogger("gensim")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def word_vector_scores(kv, *, analogies: bool = True, restrict_vocab: int = RESTRICT_VOCAB) -> dict:
    """Spearman correlations on WordSim353 and SimLex-999, and accuracy on Google's analogies.

    Args:
        kv: gensim ``KeyedVectors`` (lower-case words).
        analogies: also answer the 19,544 analogy questions (the slow part).
        restrict_vocab: analogies are answered among this many most frequent words.

    Returns:
        ``{"wordsim353": {"spearman", "pearson", "oov"}, "simlex999": {...}, "analogy":
        {"accuracy", "questions", "sections"}}``; a score is None when no pair was in the vocabulary.
    """
    from gensim.test.utils import datapath

    scores = {}
    with _quiet_gensim(), np.errstate(all="ignore"):
        for name, file_name in SIMILARITY_SETS.items():
            try:
                pearson, spearman, oov = kv.evaluate_word_pairs(datapath(file_name), case_insensitive=True)
            except ValueError:  # fewer than two pairs in the vocabulary: nothing to correlate
                scores[name] = {"spearman": None, "pearson": None, "oov": 1.0}
                continue
            scores[name] = {
                "spearman": _number(spearman[0]),
                "pearson": _number(pearson[0]),
                "oov": round(float(oov) / 100, 4),
            }
        if analogies:
            accuracy, sections = kv.evaluate_word_analogies(
                datapath(ANALOGY_SET), restrict_vocab=restrict_vocab, case_insensitive=True
            )
            total = next(s for s in sections if s["section"] == "Total accuracy")
            answered = len(total["correct"]) + len(total["incorrect"])
            scores["analogy"] = {
                "accuracy": _number(accuracy) if answered else None,
                "questions": answered,
                "sections": {
                    s["section"]: round(len(s["correct"]) / max(1, len(s["correct"]) + len(s["incorrect"])), 4)
                    for s in sections
                    if s["section"] != "Total accuracy"
                },
            }
    return scores


def _number(value):
    value = float(value)
    return None if value != value else round(value, 4)


def scores_table(rows: dict) -> str:
    """``{name: word_vector_scores(...)}`` as a table: one line per set of vectors."""
    width = max(len(name) for name in rows)
    header = f"{'vectors':<{width}}  WordSim353  SimLex-999  analogies"
    lines = [header, "-" * len(header)]
    for name, scores in rows.items():
        analogy = scores.get("analogy", {}).get("accuracy") if "analogy" in scores else None
        cells = [
            _cell(scores["wordsim353"]["spearman"], 10),
            _cell(scores["simlex999"]["spearman"], 10),
            ("n/a" if analogy is None else f"{analogy:.1%}").rjust(9),
        ]
        lines.append(f"{name:<{width}}  " + "  ".join(cells))
    lines.append("(Spearman correlations with people's similarity judgements; analogy accuracy)")
    return "\n".join(lines)


def _cell(value, width):
    return ("n/a" if value is None else f"{value:.3f}").rjust(width)
