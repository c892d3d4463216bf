"""Recurrent classifiers: Elman RNN, LSTM and GRU, stacked, optionally bidirectional."""

import keras

from kerasdl.models.sequence.common import check_arguments, check_positive, classifier_head, token_input
from kerasdl.registry import register_model

CELLS = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


@register_model(family="sequence")
def rnn_classifier(
    *,
    vocabulary_size=20000,
    sequence_length=None,
    embed_dim=128,
    cell="lstm",
    units=64,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    classes=2,
    classifier_activation="softmax",
    name="rnn_classifier",
):
    """Token embeddings, a stack of recurrent layers, and a classifier on the last state.

    The cells follow their papers as Keras implements them: ``"simple"``, Elman's RNN
    ("Finding Structure in Time", Elman, 1990); ``"lstm"`` ("Long Short-Term Memory",
    Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al., 2000); ``"gru"``
    ("Learning Phrase Representations using RNN Encoder-Decoder", Cho et al., 2014).
    ``bidirectional=True`` runs each layer both ways and concatenates ("Bidirectional
    Recurrent Neural Networks", Schuster & Paliwal, 1997). Padding (id 0) is masked, so a
    padded example gives the same prediction as the unpadded one.

    Parameters per layer with input width ``d`` and ``u`` units (times 2 when
    bidirectional): simple ``u(d+u) + u``, LSTM ``4(u(d+u) + u)``, GRU ``3(u(d+u) + 2u)``
    (Keras' ``reset_after=True``, as cuDNN).

    Args:
        vocabulary_size: number of token ids, padding (0) included.
        sequence_length: tokens per example, or None for any length.
        embed_dim: width of the token embeddings.
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.
        units: units of each recurrent layer.
        num_layers: recurrent layers stacked; all but the last return sequences.
        bidirectional: wrap each layer in ``keras.layers.Bidirectional`` (concatenation).
        dropout: dropout rate on the last state before the classifier.
        classes: number of classes.
        classifier_activation: activation of the output (``"softmax"``, or None for logits).
        name: the model's name.

    Returns:
        A ``keras.Model`` from int token ids ``(batch, sequence_length)`` to ``(batch, classes)``.

    Example:
        >>> model = rnn_classifier(vocabulary_size=20000, cell="gru", num_layers=2, bidirectional=True)
        >>> model.output_shape
        (None, 2)
    """
    check_arguments(
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        classes=classes,
        dropout=dropout,
    )
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {tuple(CELLS)}; Received: cell={cell!r}")
    check_positive(units=units, num_layers=num_layers)
    ids = token_input(sequence_length)
    x = keras.layers.Embedding(vocabulary_size, embed_dim, mask_zero=True, name="token_embedding")(ids)
    for i in range(num_layers):
        last = i == num_layers - 1
        layer = CELLS[cell](units, return_sequences=not last, name=f"{cell}_{i + 1}")
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{cell}_{i + 1}")
        x = layer(x)
    outputs = classifier_head(x, classes=classes, classifier_activation=classifier_activation, dropout=dropout)
    return keras.Model(ids, outputs, name=name)
