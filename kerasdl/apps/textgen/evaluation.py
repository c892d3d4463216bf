"""Scoring a language model: perplexity on held-out text, beside an interpolated Kneser-Ney n-gram model.

Perplexity is ``exp`` of the mean negative log-likelihood per predicted token: every token of
every held-out document, and each document's end (``[EOS]``), predicted once. The GPT reads
the held-out stream in non-overlapping windows of its context; the n-gram model reads each
document with its own ``n - 1`` tokens of context. Both are scored on the same tokens (the
run's WordPiece tokens) and the same predictions.

The baseline is NLTK's ``nltk.lm.KneserNeyInterpolated`` (interpolated Kneser-Ney, Chen and
Goodman 1998). NLTK computes its continuation counts by scanning its stored n-grams at each
query (on 2 CPU cores, IMDB's WordPiece tokens: 0.03 s a query fitted on 100,000 tokens, 0.07 s on
300,000; 0.2 s on 450,000 word tokens), so it is fitted on
at most ``baseline_train_tokens`` training tokens and scored on at most
``baseline_test_tokens`` held-out tokens (whole documents, a seeded sample); the GPT's
perplexity on exactly those documents is reported beside it.
"""

from __future__ import annotations

import math
import time

import numpy as np

from kerasdl.apps.textgen import data as text_data

BASELINE_ORDER = 5
BASELINE_TRAIN_TOKENS = 200_000
BASELINE_TEST_TOKENS = 1_500


def perplexity_of_stream(model, ids: np.ndarray, *, sequence_length: int, batch_size: int = 32) -> dict:
    """``{"perplexity", "tokens", "nll"}``: the model's perplexity on a token stream (``[EOS] doc [EOS] ...``).

    Args:
        model: a causal LM, token ids to logits.
        ids: the stream; every token after the first is predicted once, in non-overlapping
            windows of ``sequence_length`` tokens.
        sequence_length: the model's context.
        batch_size: windows per forward pass.
    """
    import tensorflow as tf

    inputs, targets, weights = text_data.scoring_windows(ids, sequence_length)

    @tf.function(reduce_retracing=True)
    def batch_nll(x, y, w):
        logits = tf.cast(model(x, training=False), tf.float32)
        nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        return tf.reduce_sum(tf.cast(nll, tf.float64) * tf.cast(w, tf.float64))

    total = 0.0
    for start in range(0, len(inputs), batch_size):
        s = slice(start, start + batch_size)
        total += float(batch_nll(inputs[s], targets[s], weights[s]))
    count = int(weights.sum())
    return {"perplexity": math.exp(total / count), "tokens": count, "nll": total}


def perplexity_of_documents(model, token_lists, *, sequence_length: int, batch_size: int = 32) -> dict:
    """:func:`perplexity_of_stream` of documents' token ids joined as the app's stream."""
    return perplexity_of_stream(
        model, text_data.stream(token_lists), sequence_length=sequence_length, batch_size=batch_size
    )


def sample_documents(token_lists, max_tokens: int, *, seed: int = 0) -> list[int]:
    """Indices of a seeded sample of documents whose predictions (tokens + 1 each) total at most ``max_tokens``.

    At least one document is taken.
    """
    chosen, total = [], 0
    for i in np.random.default_rng(seed).permutation(len(token_lists)):
        cost = len(token_lists[i]) + 1
        if chosen and total + cost > max_tokens:
            continue
        chosen.append(int(i))
        total += cost
        if total >= max_tokens:
            break
    return sorted(chosen)


def training_sample(tokenizer, documents, max_tokens: int, *, seed: int = 1) -> list[np.ndarray]:
    """The token ids of a seeded sample of training documents, about ``max_tokens`` predictions in all.

    Documents are encoded a batch at a time in a seeded order until the budget is reached,
    so a large corpus is not encoded whole for a baseline that reads a part of it.
    """
    order = np.random.default_rng(seed).permutation(len(documents))
    chosen, total = [], 0
    for start in range(0, len(order), 256):
        for ids in text_data.encode(tokenizer, [documents[i] for i in order[start : start + 256]]):
            if total >= max_tokens:
                return chosen
            chosen.append(ids)
            total += len(ids) + 1
    return chosen


def _strings(ids) -> list[str]:
    return [str(int(i)) for i in ids]


def kneser_ney(train_token_lists, test_token_lists, *, order: int = BASELINE_ORDER) -> dict:
    """An interpolated Kneser-Ney model (NLTK) fitted on training documents, its perplexity on test documents.

    Args:
        train_token_lists: token ids per training document.
        test_token_lists: token ids per scored document.
        order: the n-gram order.

    Returns:
        ``{"perplexity", "tokens", "order", "train_tokens", "zero_probability_tokens", "fit_seconds",
        "score_seconds", "library"}``; a token given probability 0 counts as 1e-12 (and is counted).
    """
    import nltk
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    sentences = [_strings(ids) for ids in train_token_lists]
    start = time.monotonic()
    grams, vocabulary = padded_everygram_pipeline(order, sentences)
    lm = KneserNeyInterpolated(order)
    lm.fit(grams, vocabulary)
    fit_seconds = time.monotonic() - start
    start = time.monotonic()
    nll, count, zeros = 0.0, 0, 0
    for ids in test_token_lists:
        padded = ["<s>"] * (order - 1) + _strings(ids) + ["</s>"]
        for i in range(order - 1, len(padded)):
            p = lm.score(padded[i], padded[i - order + 1 : i])
            if not p > 0:
                zeros += 1
                p = 1e-12
            nll -= math.log(p)
            count += 1
    return {
        "perplexity": math.exp(nll / count),
        "tokens": count,
        "nll": nll,
        "order": order,
        "train_tokens": int(sum(len(s) + 1 for s in sentences)),
        "zero_probability_tokens": zeros,
        "fit_seconds": round(fit_seconds, 1),
        "score_seconds": round(time.monotonic() - start, 1),
        "library": f"nltk {nltk.__version__} nltk.lm.KneserNeyInterpolated",
    }


def format_table(metrics: dict) -> str:
    """The perplexities as a small table."""
    rows = [("model", "held-out text", "tokens", "perplexity")]
    model = metrics["model"]
    rows.append((metrics["model_name"], "all scored documents", f"{model['tokens']:,}", f"{model['perplexity']:.2f}"))
    baseline = metrics.get("baseline")
    if baseline:
        same = metrics["model_on_baseline_documents"]
        rows.append((metrics["model_name"], "baseline's documents", f"{same['tokens']:,}", f"{same['perplexity']:.2f}"))
        rows.append(
            (
                f"Kneser-Ney {baseline['order']}-gram",
                "baseline's documents",
                f"{baseline['tokens']:,}",
                f"{baseline['perplexity']:.2f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
