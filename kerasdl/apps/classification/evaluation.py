"""Scoring a classifier: accuracy, per-class report, confusion matrix, and the scikit-learn baseline."""

from __future__ import annotations

import time

import numpy as np

BASELINES = ("svc", "logistic")
BASELINE_MAX_TRAIN = 10000  # an RBF SVC's fit grows quadratically; more samples gain little here


def predict_probabilities(model, x, *, batch_size=256) -> np.ndarray:
    """The model's class probabilities for raw pixels ``x``, in batches."""
    return np.asarray(model.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0), np.float64)


def baseline_model(name: str):
    """The scikit-learn baseline on flattened pixels scaled to [0, 1]: an RBF SVC or logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import SVC

    scale = FunctionTransformer(lambda x: x.reshape(len(x), -1) / 255.0)
    if name == "svc":
        return make_pipeline(scale, SVC(kernel="rbf", C=10.0, gamma="scale"))
    if name == "logistic":
        return make_pipeline(scale, LogisticRegression(max_iter=1000))
    raise ValueError(f"baseline must be one of {BASELINES}; Received: baseline={name!r}")


def score_baseline(name, train, test, *, seed=0) -> dict:
    """Fits the baseline on the training part (at most :data:`BASELINE_MAX_TRAIN`) and scores the test part."""
    index = np.arange(len(train))
    if len(index) > BASELINE_MAX_TRAIN:
        index = np.sort(np.random.default_rng(seed).choice(index, BASELINE_MAX_TRAIN, replace=False))
    start = time.perf_counter()
    model = baseline_model(name).fit(train.x[index], train.y[index])
    predicted = model.predict(test.x)
    return {
        "name": {
            "svc": "SVC (RBF kernel, C=10) on flattened pixels",
            "logistic": "logistic regression on flattened pixels",
        }[name],
        "accuracy": round(float(np.mean(predicted == test.y)), 5),
        "train_samples": int(len(index)),
        "seconds": round(time.perf_counter() - start, 2),
        "predicted": predicted,
    }


def classification_scores(y_true, probabilities, class_names) -> dict:
    """Accuracy, scikit-learn's per-class precision/recall/F1 and the confusion matrix."""
    from sklearn.metrics import classification_report, confusion_matrix

    labels = list(range(len(class_names)))
    predicted = probabilities.argmax(axis=-1)
    return {
        "accuracy": round(float(np.mean(predicted == y_true)), 5),
        "report": classification_report(
            y_true, predicted, labels=labels, target_names=class_names, output_dict=True, zero_division=0
        ),
        "report_text": classification_report(
            y_true, predicted, labels=labels, target_names=class_names, digits=4, zero_division=0
        ),
        "confusion_matrix": confusion_matrix(y_true, predicted, labels=labels),
        "predicted": predicted,
    }


def confusion_figure(matrix, class_names, *, title=""):
    """A ``matplotlib.figure.Figure`` of the confusion matrix (object API; no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    side = max(4.5, 0.45 * len(class_names) + 2.5)
    fig = Figure(figsize=(side, side * 0.9))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ConfusionMatrixDisplay(np.asarray(matrix), display_labels=class_names).plot(
        ax=ax, cmap="Blues", colorbar=False, xticks_rotation=45 if max(map(len, class_names)) > 3 else "horizontal"
    )
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def evaluate_split(model, split, *, baseline="svc", model_name=None) -> tuple[dict, dict]:
    """Scores ``model`` and the baseline on ``split.test`` (the baseline fitted on ``split.train``).

    Returns:
        ``(report, details)``: the JSON-ready report, and arrays for figures
        (``confusion_matrix``, ``probabilities``).
    """
    test = split.test
    probabilities = predict_probabilities(model, test.x)
    scores = classification_scores(test.y, probabilities, split.class_names)
    base = score_baseline(baseline, split.train, test)
    report = {
        "dataset": split.source,
        "split": {"seed": split.seed, "train": len(split.train), "val": len(split.val), "test": len(test)},
        "class_names": split.class_names,
        "model": {
            "name": model_name or model.name,
            "accuracy": scores["accuracy"],
            "error": round(1 - scores["accuracy"], 5),
            "classification_report": scores["report"],
            "confusion_matrix": scores["confusion_matrix"],
        },
        "baseline": {k: v for k, v in base.items() if k != "predicted"},
        "accuracy_gain_over_baseline": round(scores["accuracy"] - base["accuracy"], 5),
    }
    return report, {
        "confusion_matrix": scores["confusion_matrix"],
        "probabilities": probabilities,
        "report_text": scores["report_text"],
    }


def format_summary(report) -> str:
    """Two lines: the model's and the baseline's test accuracy."""
    m, b = report["model"], report["baseline"]
    return (
        f"test accuracy on {report['split']['test']} images of {report['dataset']}: "
        f"{m['name']} {m['accuracy']:.4f} vs baseline {b['accuracy']:.4f} ({b['name']}); "
        f"gain {report['accuracy_gain_over_baseline']:+.4f}"
    )
