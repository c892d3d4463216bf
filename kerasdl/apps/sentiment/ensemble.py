"""Ensembles of sentiment models: their log-odds combined by logistic regression (stacking).

Mesnil et al. (2015) reach their best IMDB accuracy by combining NBSVM with models that
learned from unlabelled text; the models err on different reviews. Here each member is an
ordinary run of the app (trained on the same split), and the combination is fitted on the
split's validation texts, which no member trained on: a logistic regression on the members'
log-probability ratios (log-odds for two classes), so a member that helps more gets a larger
weight. The combined model is one Keras model (raw strings in, probabilities out) holding the
members whole.
"""

from __future__ import annotations

import numpy as np

from kerasdl.apps.sentiment.recipes import TEXT_INPUT

EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1] before the log
STACKING = "stacking"  # the combining layer's name
STACKING_C = 1.0  # the logistic regression's inverse regularisation


def log_ratios(probabilities) -> np.ndarray:
    """``log p_c - log p_0`` for every class ``c > 0`` (for two classes: the log-odds), ``(texts, classes - 1)``."""
    logs = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1.0))
    return logs[:, 1:] - logs[:, :1]


def stacking_weights(member_probabilities, labels, *, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Fits the combination on held-out texts: ``logits = concat(log-ratios of member m) @ kernel + bias``.

    Each member contributes its log-probability ratios to class 0 (one log-odds for two
    classes): with two classes the ensemble is a weighted product of the members' odds.

    Args:
        member_probabilities: one ``(texts, classes)`` array per member.
        labels: the texts' class indices.
        classes: the number of classes.

    Returns:
        ``(kernel (members * (classes - 1), classes), bias (classes,))``, float32.
    """
    from sklearn.linear_model import LogisticRegression

    features = np.concatenate([log_ratios(p) for p in member_probabilities], axis=1)
    labels = np.asarray(labels)
    fitted = LogisticRegression(C=STACKING_C, max_iter=1000).fit(features, labels)
    if classes == 2:  # one score for class 1: logits (0, score) give the same softmax
        kernel = np.zeros((features.shape[1], 2))
        kernel[:, 1] = fitted.coef_[0]
        bias = np.array([0.0, fitted.intercept_[0]])
    else:
        kernel, bias = fitted.coef_.T, fitted.intercept_
    return kernel.astype(np.float32), bias.astype(np.float32)


def named(model, name: str):
    """``model`` under ``name`` (the same layers): an ensemble's members need distinct names."""
    import keras

    return model if model.name == name else keras.Model(model.input, model.output, name=name)


def ensemble_model(members, kernel, bias, *, name: str):
    """Raw strings -> every member's probabilities -> their log-ratios, side by side -> ``Dense`` -> softmax."""
    import keras

    text = keras.Input(shape=(), dtype="string", name=TEXT_INPUT)
    combine = keras.layers.Dense(kernel.shape[1], activation="softmax", name=STACKING)
    probabilities = combine(member_features([member(text) for member in members]))
    combine.set_weights([kernel, bias])
    return keras.Model(text, probabilities, name=name)


def member_features(probabilities):
    """The stacking layer's input: the members' :func:`log_ratios` side by side, in the graph."""
    import keras

    ratios = []
    for p in probabilities:
        logs = keras.ops.log(keras.ops.clip(keras.ops.cast(p, "float32"), EPSILON, 1.0))
        ratios.append(logs[:, 1:] - logs[:, :1])
    return ratios[0] if len(ratios) == 1 else keras.ops.concatenate(ratios, axis=-1)
