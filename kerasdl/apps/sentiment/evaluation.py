"""Scoring a sentiment model: accuracy, F1, confusion matrix, and the TF-IDF + logistic-regression baseline."""

from __future__ import annotations

import time

import numpy as np

from kerasdl.apps.classification.evaluation import classification_scores, confusion_figure  # noqa: F401  (re-exported)

BASELINE_NAME = "TF-IDF (word 1-2-grams, sublinear tf) + logistic regression"
BASELINE_C_GRID = (1.0, 4.0, 16.0, 64.0, 256.0)  # inverse regularisation strength, chosen on the validation split


def predict_probabilities(model, texts, *, batch_size=256) -> np.ndarray:
    """The model's class probabilities for raw texts, in batches."""
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices(tf.constant(list(texts), tf.string)).batch(batch_size)
    return np.asarray(model.predict(data, verbose=0), np.float64)


def _baseline_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from kerasdl.data.text import clean_text

    return TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, max_df=0.95, sublinear_tf=True, preprocessor=lambda text: clean_text(text).lower()
    )


def score_baseline(split, *, c_grid=BASELINE_C_GRID) -> dict:
    """The classical baseline, fitted on ``split.train``, its ``C`` chosen on ``split.val``, scored on ``split.test``.

    TF-IDF of word unigrams and bigrams (sublinear term frequency, seen in at least two
    training texts) and scikit-learn's logistic regression: the strong linear baseline of
    the sentiment literature.
    """
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    vectorizer = _baseline_vectorizer()
    try:
        x_train = vectorizer.fit_transform(split.train.texts)
    except ValueError:  # too few texts for min_df=2
        vectorizer.set_params(min_df=1, max_df=1.0)
        x_train = vectorizer.fit_transform(split.train.texts)
    x_val, x_test = vectorizer.transform(split.val.texts), vectorizer.transform(split.test.texts)
    val_accuracy = {}
    best = None
    for c in c_grid:
        model = LogisticRegression(C=c, max_iter=2000).fit(x_train, split.train.y)
        val_accuracy[c] = float(np.mean(model.predict(x_val) == split.val.y))
        if best is None or val_accuracy[c] > val_accuracy[best[0]]:
            best = (c, model)
    c, model = best
    probabilities = model.predict_proba(x_test)
    return {
        "name": BASELINE_NAME,
        "C": c,
        "validation_accuracy_by_C": {str(k): round(v, 5) for k, v in val_accuracy.items()},
        "features": int(x_train.shape[1]),
        "seconds": round(time.perf_counter() - start, 2),
        "probabilities": probabilities,
    }


def _scores(y_true, probabilities, class_names) -> dict:
    scores = classification_scores(y_true, probabilities, class_names)
    report = scores["report"]
    return {
        "accuracy": scores["accuracy"],
        "f1": round(float(report[class_names[-1]]["f1-score"]), 5) if len(class_names) == 2 else None,
        "macro_f1": round(float(report["macro avg"]["f1-score"]), 5),
        "confusion_matrix": scores["confusion_matrix"],
        "classification_report": report,
        "report_text": scores["report_text"],
    }


def evaluate_split(model, split, *, model_name=None, baseline=True) -> tuple[dict, dict]:
    """Scores ``model`` and (with ``baseline``) the TF-IDF baseline on ``split.test``.

    Returns:
        ``(report, details)``: the JSON-ready report, and arrays for the figure
        (``confusion_matrix``, ``probabilities``, ``report_text``).
    """
    start = time.perf_counter()
    probabilities = predict_probabilities(model, split.test.texts)
    seconds = time.perf_counter() - start
    scores = _scores(split.test.y, probabilities, split.class_names)
    report = {
        "dataset": split.source,
        "split": {"seed": split.seed, **split.counts()},
        "class_names": split.class_names,
        "model": {
            "name": model_name or model.name,
            "accuracy": scores["accuracy"],
            "f1": scores["f1"],
            "macro_f1": scores["macro_f1"],
            "confusion_matrix": scores["confusion_matrix"],
            "classification_report": scores["classification_report"],
            "predict_seconds": round(seconds, 2),
        },
    }
    if baseline:
        base = score_baseline(split)
        base_scores = _scores(split.test.y, base.pop("probabilities"), split.class_names)
        report["baseline"] = {
            **base,
            "accuracy": base_scores["accuracy"],
            "f1": base_scores["f1"],
            "macro_f1": base_scores["macro_f1"],
            "confusion_matrix": base_scores["confusion_matrix"],
        }
        report["accuracy_gain_over_baseline"] = round(scores["accuracy"] - base_scores["accuracy"], 5)
    return report, {
        "confusion_matrix": scores["confusion_matrix"],
        "probabilities": probabilities,
        "report_text": scores["report_text"],
    }


def format_summary(report) -> str:
    """One line: the model's test accuracy and F1, and the baseline's."""
    m = report["model"]
    line = (
        f"test accuracy on {report['split']['test']} texts of {report['dataset']}: "
        f"{m['name']} {m['accuracy']:.4f} (F1 {m['f1'] if m['f1'] is not None else m['macro_f1']:.4f})"
    )
    if "baseline" in report:
        b = report["baseline"]
        line += (
            f" vs baseline {b['accuracy']:.4f} ({b['name']}, C={b['C']:g}); "
            f"gain {report['accuracy_gain_over_baseline']:+.4f}"
        )
    return line
