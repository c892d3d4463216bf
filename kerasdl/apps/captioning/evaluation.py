"""Corpus BLEU-1..4 with every reference, for the model and the retrieval baseline on one split."""

from __future__ import annotations

import time

from kerasdl.apps.captioning.retrieval import image_features, nearest_captions
from kerasdl.data.captions.vocabulary import normalize_caption

BLEU_IMPLEMENTATION = "sacrebleu 2.6 corpus BLEU (13a tokenizer, all references, max_ngram_order 1-4), x100 / 100"


def corpus_bleu(hypotheses, references) -> dict:
    """BLEU-1..4 in [0, 1] of ``hypotheses`` against every caption in ``references`` (normalised alike)."""
    from sacrebleu.metrics import BLEU

    refs = [[normalize_caption(r) for r in rs] for rs in references]
    most = max(len(r) for r in refs)
    streams = [[rs[i] if i < len(rs) else "" for rs in refs] for i in range(most)]
    hyps = [normalize_caption(h) for h in hypotheses]
    return {
        f"bleu{n}": round(BLEU(max_ngram_order=n).corpus_score(hyps, streams).score / 100.0, 4) for n in (1, 2, 3, 4)
    }


def evaluate_split(
    captioner, test_images, test_captions, *, train_images=None, train_captions=None
) -> tuple[dict, dict]:
    """Scores the captioner (and, given training images, the retrieval baseline) on a split.

    Returns:
        ``(report, outputs)``: the JSON-ready report and ``{"model": captions, "retrieval": captions,
        "nearest": indices}`` for figures.
    """
    start = time.perf_counter()
    hypotheses = captioner.caption(test_images)
    seconds = time.perf_counter() - start
    report = {
        "images": len(test_images),
        "references_per_image": round(sum(map(len, test_captions)) / max(len(test_captions), 1), 2),
        "bleu": BLEU_IMPLEMENTATION,
        "decoding": captioner.decoding,
        "model": {
            **corpus_bleu(hypotheses, test_captions),
            "seconds": round(seconds, 2),
            "distinct_captions": len(set(hypotheses)),
        },
    }
    outputs = {"model": hypotheses}
    if train_images is not None:
        start = time.perf_counter()
        train_features = image_features(captioner.model, train_images)
        nearest, retrieved = nearest_captions(
            train_features, train_captions, image_features(captioner.model, test_images)
        )
        report["retrieval"] = {
            **corpus_bleu(retrieved, test_captions),
            "seconds": round(time.perf_counter() - start, 2),
            "train_images": len(train_images),
            "method": "caption #0 of the nearest training image (cosine of mean encoder features)",
        }
        report["bleu4_gain_over_retrieval"] = round(report["model"]["bleu4"] - report["retrieval"]["bleu4"], 4)
        outputs.update(retrieval=retrieved, nearest=nearest)
    return report, outputs


def format_table(report) -> str:
    """BLEU-1..4 of the model and the baseline as a small table."""
    rows = [("model", report["model"])] + ([("retrieval", report["retrieval"])] if "retrieval" in report else [])
    lines = [f"{'':<10} {'BLEU-1':>7} {'BLEU-2':>7} {'BLEU-3':>7} {'BLEU-4':>7}"]
    lines += [f"{name:<10} " + " ".join(f"{r[f'bleu{n}']:>7.4f}" for n in (1, 2, 3, 4)) for name, r in rows]
    lines.append(
        f"{report['images']} test images, {report['references_per_image']} references each; {report['decoding']}"
    )
    return "\n".join(lines)
