"""Scoring a generative model beside a Gaussian mixture: likelihood, Fréchet distance, label accuracy, CAS."""

from __future__ import annotations

import numpy as np

from kerasdl.apps.generation.generating import generate


def prior_noise(count: int, latent_dim: int, *, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)


def sample_labels(count: int, classes: int, *, seed: int) -> np.ndarray:
    """Balanced labels: ``count`` cycled over the classes, shuffled."""
    return np.random.default_rng(seed).permutation(np.arange(count) % classes).astype(np.int32)


def score_samples(judge, generated, real, *, labels, real_test, real_test_labels, classes, cas_steps):
    """Fréchet distance to ``real`` in the judge's features; with labels also label accuracy and CAS."""
    from kerasdl.apps.generation.judge import classification_accuracy_score, sample_quality

    scores = sample_quality(judge, generated, real, generated_labels=labels)
    if labels is not None and cas_steps:
        scores["classification_accuracy_score"] = classification_accuracy_score(
            generated, labels, real_test, real_test_labels, classes=classes, steps=cas_steps, seed=0
        )
    return {k: float(v) for k, v in scores.items()}


def evaluate_generator(
    model,
    info,
    data,
    judge,
    *,
    count: int,
    nll_samples: int,
    cas_steps: int,
    baseline: bool,
    seed: int = 0,
):
    """The model's (and the Gaussian mixture's) scores on ``data.test``, and the images drawn for the figure.

    Returns:
        ``(metrics, panels, labels)``: the JSON report, ``{"model": images, "Gaussian mixture":
        images}``, and the class each image was drawn for (None for an unconditional model).
    """
    from kerasdl.data.generation import binarize
    from kerasdl.metrics.generative import GaussianMixtureBaseline, importance_sampled_nll
    from kerasdl.models.generative import generative_parts

    conditional = bool(info.classes)
    real = data.test[:count]
    labels = sample_labels(count, info.classes, seed=seed) if conditional else None
    samples = generate(model, prior_noise(count, info.latent_dim, seed=seed), labels)
    common = {
        "classes": len(data.class_names),
        "real_test": data.test,
        "real_test_labels": data.test_labels,
        "cas_steps": cas_steps,  # used only with labels, i.e. for a conditional model
    }
    metrics = {
        "test_images": len(data.test),
        "samples": count,
        "model": score_samples(judge, samples, real, labels=labels, **common),
    }
    if info.kind == "vae" and nll_samples:
        parts = generative_parts(model)
        binary = info.likelihood == "bernoulli"
        test = binarize(data.test, seed=seed) if binary else data.test
        nll = importance_sampled_nll(
            parts["encoder"],
            parts["decoder"],
            test,
            data.test_labels if conditional else None,
            samples=nll_samples,
            likelihood=info.likelihood,
            stddev=info.stddev,
            seed=seed,
        )
        metrics["model"]["nll_nats"] = float(np.mean(nll))
        metrics["nll"] = {
            "importance_samples": nll_samples,
            "data": "dynamically binarised test images (seeded)" if binary else "test images",
        }
    panels = {"model": samples}
    if baseline:
        mixture = GaussianMixtureBaseline().fit(
            data.train, data.train_labels if conditional else None, conditional=conditional
        )
        drawn = mixture.sample(count, labels=labels, seed=seed)
        metrics["baseline"] = {
            "name": "Gaussian mixture on PCA coefficients" + (" (one per class)" if conditional else ""),
            **score_samples(judge, drawn, real, labels=labels, **common),
        }
        metrics["frechet_distance_ratio_to_baseline"] = (
            metrics["model"]["frechet_distance"] / metrics["baseline"]["frechet_distance"]
            if metrics["baseline"]["frechet_distance"] > 0
            else None
        )
        panels["Gaussian mixture"] = drawn
    return metrics, panels, labels


def format_table(metrics: dict) -> str:
    rows = [("", "model", "baseline")]
    names = {
        "nll_nats": "test NLL (nats)",
        "frechet_distance": "Fréchet distance",
        "label_accuracy": "label accuracy",
        "classification_accuracy_score": "classification accuracy score",
    }
    base = metrics.get("baseline", {})
    for key, label in names.items():
        if key in metrics["model"] or key in base:
            rows.append(
                (
                    label,
                    f"{metrics['model'][key]:.4g}" if key in metrics["model"] else "-",
                    f"{base[key]:.4g}" if key in base else "-",
                )
            )
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{width[0]}}  {r[1]:>{width[1]}}  {r[2]:>{width[2]}}" for r in rows)
