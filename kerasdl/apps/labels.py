"""What the classifier apps (images, texts) share: labels from probabilities, in Python and in the graph."""

from __future__ import annotations


def label_results(probabilities, class_names) -> list[dict]:
    """``[{"label", "probability"}]``: each row's most likely class and its probability (what ``predict`` returns)."""
    return [{"label": class_names[int(p.argmax())], "probability": round(float(p.max()), 6)} for p in probabilities]


def served_labels(outputs) -> list[dict]:
    """The same from a served signature's ``label`` and ``probability`` outputs."""
    labels, probabilities = outputs["label"].numpy(), outputs["probability"].numpy()
    return [
        {"label": label.decode("utf-8"), "probability": round(float(p), 6)} for label, p in zip(labels, probabilities)
    ]


def label_outputs(probabilities, class_names) -> dict:
    """In the graph: ``{"label": [batch] string, "probability": [batch], "probabilities": [batch, classes]}``."""
    import tensorflow as tf

    names = tf.constant([str(n) for n in class_names], tf.string)
    probabilities = tf.cast(probabilities, tf.float32)
    index = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
    return {
        "label": tf.gather(names, index),
        "probability": tf.reduce_max(probabilities, axis=-1),
        "probabilities": probabilities,
    }


def confusion_scores(metrics: dict, details: dict, class_names, *, headline: str, summary: str, title: str):
    """The :class:`~kerasdl.apps.task.Scores` of a classifier: the per-class report and ``summary``, a confusion matrix."""
    from kerasdl.apps.classification.evaluation import confusion_figure
    from kerasdl.apps.task import Scores
    from kerasdl.files import save_figure

    def draw(path):
        return save_figure(confusion_figure(details["confusion_matrix"], class_names, title=title), path)

    return Scores(
        metrics,
        headline,
        details["report_text"] + "\n" + summary,
        figures={"confusion matrix": ("confusion_matrix.png", draw)},
    )
