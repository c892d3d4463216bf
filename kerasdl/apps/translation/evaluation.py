"""Scoring translations: corpus BLEU and chrF (sacreBLEU), exact match, a sample table."""

from __future__ import annotations

import time

import numpy as np


def sample(items, count: int, *, seed: int = 0) -> list:
    """A seeded sample of ``count`` items in their order (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    keep = np.random.default_rng(seed).choice(len(items), count, replace=False)
    return [items[i] for i in sorted(keep)]


def translate_all(translate, texts, *, batch_size: int = 128) -> list[str]:
    """Translations of ``texts`` in their order, translated in batches of similar length."""
    import tensorflow as tf

    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    out = [None] * len(texts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        result = translate(tf.constant([texts[i] for i in chunk], tf.string))["translation"].numpy()
        for i, t in zip(chunk, result):
            out[i] = t.decode("utf-8", errors="replace")
    return out


def references_by_source(pairs) -> tuple[list[str], list[list[str]]]:
    """Distinct sources (in first-seen order) and all their reference translations."""
    refs: dict[str, list[str]] = {}
    for source, target in pairs:
        refs.setdefault(source, []).append(target)
    return list(refs), list(refs.values())


def corpus_scores(hypotheses: list[str], references: list[list[str]]) -> dict:
    """sacreBLEU corpus BLEU (13a tokenization) and chrF with every reference of each source.

    Returns:
        ``{"bleu", "chrf", "bleu_signature", "chrf_signature", "exact_match", "references_per_source"}``.
    """
    import sacrebleu

    width = max(len(r) for r in references)
    streams = [[r[k] if k < len(r) else None for r in references] for k in range(width)]
    bleu = sacrebleu.metrics.BLEU()
    chrf = sacrebleu.metrics.CHRF()
    bleu_score = bleu.corpus_score(hypotheses, streams)
    chrf_score = chrf.corpus_score(hypotheses, streams)
    exact = np.mean([h.strip() in {r.strip() for r in refs} for h, refs in zip(hypotheses, references)])
    return {
        "bleu": round(float(bleu_score.score), 2),
        "chrf": round(float(chrf_score.score), 2),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
        "bleu_details": str(bleu_score),
        "exact_match": round(float(exact), 4),
        "references_per_source": round(float(np.mean([len(r) for r in references])), 3),
    }


def evaluate_pairs(translate, pairs, *, batch_size: int = 128, samples: int = 10) -> dict:
    """Translates the distinct sources of ``pairs`` and scores them against all their references."""
    sources, references = references_by_source(pairs)
    start = time.perf_counter()
    hypotheses = translate_all(translate, sources, batch_size=batch_size)
    seconds = time.perf_counter() - start
    scores = corpus_scores(hypotheses, references)
    rows = [{"source": s, "reference": r[0], "output": h} for s, r, h in zip(sources, references, hypotheses)]
    return {
        **scores,
        "sources": len(sources),
        "pairs": len(pairs),
        "translate_seconds": round(seconds, 1),
        "samples": sample(rows, samples),
        "_rows": rows,
    }


def format_table(rows, *, width: int = 48) -> str:
    """The sample table as aligned text: source | reference | output."""

    def cut(text):
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = [f"{'source':<{width}}  {'reference':<{width}}  output"]
    lines += [f"{cut(r['source']):<{width}}  {cut(r['reference']):<{width}}  {r['output']}" for r in rows]
    return "\n".join(lines)
