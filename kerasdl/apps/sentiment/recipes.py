"""The sentiment app's models: a tokenizer inside the graph in front of a sequence builder.

Every model the app trains takes raw strings: a ``keras.layers.TextVectorization`` (words,
or word n-grams for the bag models) or a keras-hub ``WordPieceTokenizer`` whose vocabulary is
learned from the training split turns them into token ids (0 = padding), and a builder from
``kerasdl.models.sequence`` maps the ids to class probabilities. The exported SavedModel
therefore takes text, and the same ``token ids -> probabilities`` part goes to LiteRT.
"""

from __future__ import annotations

import time

import numpy as np

from kerasdl.apps.recipe import Recipe, choose
from kerasdl.errors import UserInputError

TEXT_INPUT = "text"
TOKENIZERS = ("ngrams", "words", "wordpiece")
MIN_TOKENS = 3  # a vocabulary holds padding and the unknown token before any word
CORE_NAME = "classifier"  # the token ids -> probabilities model inside the text model
VECTORIZER_NAME = "tokenizer"


# NBSVM's ratios are divided by this: it sets the size of the starting logits and, with
# Adam, of each step (fast.ai's "NBSVM++" uses 10; 20 was better here on IMDB's validation split).
NB_RATIO_SCALE = 20.0
NB_SMOOTHING = 1.0  # Laplace smoothing of the per-class n-gram document counts


def _recipe(
    builder: str,
    *,
    tokenizer: str,
    options: dict,
    summary: str,
    ngrams: int = 1,
    max_tokens: int = 20000,
    sequence_length: int | None = None,
    naive_bayes: bool = False,
    epochs: int = 5,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
) -> Recipe:
    """A sentiment :class:`~kerasdl.apps.recipe.Recipe`: one pass over the training texts per epoch.

    Its ``settings`` are the app's: ``tokenizer`` (``"ngrams"``: a bag of word n-grams,
    ``"words"``: a word sequence, ``"wordpiece"``: a subword sequence), ``ngrams`` (n-grams of
    1 to this many words), ``max_tokens`` (the vocabulary size, padding and the unknown token
    included), ``sequence_length`` (tokens per text for sequence models; None: bags take any
    length) and ``naive_bayes`` (multiply the learned per-n-gram weights by the training
    split's naive-Bayes log-count ratios: NBSVM).
    """
    return Recipe(
        builder,
        options=options,
        summary=summary,
        training={"epochs": epochs, "steps_per_epoch": None, "learning_rate": learning_rate, "batch_size": batch_size},
        settings={
            "tokenizer": tokenizer,
            "ngrams": ngrams,
            "max_tokens": max_tokens,
            "sequence_length": sequence_length,
            "naive_bayes": naive_bayes,
        },
    )


RECIPES = {
    "nbsvm": _recipe(
        "bag_of_ngrams_classifier",
        tokenizer="ngrams",
        ngrams=3,
        max_tokens=2_000_000,
        naive_bayes=True,
        options={
            "embed_dim": 1,
            "binary": True,
            "pooling": "sum",
            "head": None,
            "embeddings_initializer": {"class_name": "RandomUniform", "config": {"minval": 0.3, "maxval": 0.5}},
        },
        epochs=3,
        learning_rate=1e-2,
        batch_size=32,
        summary="NBSVM as a network: word 1-3-grams weighted by naive-Bayes ratios (the default)",
    ),
    "fasttext": _recipe(
        "bag_of_ngrams_classifier",
        tokenizer="ngrams",
        ngrams=2,
        max_tokens=500_000,
        options={"embed_dim": 32, "pooling": "mean"},
        epochs=5,
        learning_rate=5e-3,
        summary="fastText: mean of word and bigram embeddings",
    ),
    "cnn": _recipe(
        "text_cnn_classifier",
        tokenizer="words",
        max_tokens=30000,
        sequence_length=400,
        options={"embed_dim": 64, "filters": 64},
        epochs=3,
        learning_rate=2e-3,
        summary="Kim's text CNN over word embeddings",
    ),
    "lstm": _recipe(
        "rnn_classifier",
        tokenizer="words",
        max_tokens=20000,
        sequence_length=400,
        options={"cell": "lstm", "units": 64, "embed_dim": 64},
        epochs=3,
        learning_rate=2e-3,
        summary="an LSTM over word embeddings",
    ),
    "gru": _recipe(
        "rnn_classifier",
        tokenizer="words",
        max_tokens=20000,
        sequence_length=400,
        options={"cell": "gru", "units": 64, "embed_dim": 64},
        epochs=3,
        learning_rate=2e-3,
        summary="a GRU over word embeddings",
    ),
    "bilstm": _recipe(
        "rnn_classifier",
        tokenizer="words",
        max_tokens=20000,
        sequence_length=400,
        options={"cell": "lstm", "units": 32, "embed_dim": 64, "bidirectional": True},
        epochs=3,
        learning_rate=2e-3,
        summary="a bidirectional LSTM over word embeddings",
    ),
    "transformer": _recipe(
        "transformer_classifier",
        tokenizer="words",
        max_tokens=20000,
        sequence_length=400,
        options={"embed_dim": 64, "num_heads": 2, "intermediate_dim": 128},
        epochs=3,
        learning_rate=1e-3,
        summary="a Transformer encoder (keras-hub layers)",
    ),
}
# Trains its members (ordinary recipes above, each in its own run folder), then combines their
# log-odds by logistic regression on the validation texts (kerasdl.apps.sentiment.ensemble).
ENSEMBLE = "ensemble"
RECIPES[ENSEMBLE] = Recipe(
    ENSEMBLE,
    summary="NBSVM and two CNNs (from pretrained word vectors with --pretrained) combined by stacking",
    # (recipe, its settings over the recipe's): the CNNs read whole reviews (800 words, not 400); the
    # second trains from the next seed, and the two err on different reviews
    settings={
        "tokenizer": None,
        "members": (("nbsvm", {}), ("cnn", {"sequence_length": 800}), ("cnn", {"sequence_length": 800})),
    },
)
DEFAULT_RECIPE = "nbsvm"


def recipe(name: str, *, tokenizer=None, max_tokens=None, sequence_length=None, ngrams=None) -> Recipe:
    """A recipe by name, its settings overridden by the arguments given (None keeps the recipe's).

    Raises:
        UserInputError: an unknown name or tokenizer, a size that is not a positive int, or a
            setting the model does not read (n-grams for a sequence model, a sequence length for a bag).
    """
    r = choose(RECIPES, name)
    kind = r.settings["tokenizer"]
    if kind is None:  # an ensemble: its members bring their own settings
        given = {"tokenizer": tokenizer, "max-tokens": max_tokens, "sequence-length": sequence_length, "ngrams": ngrams}
        for flag, value in given.items():
            if value is not None:
                raise UserInputError(f"--{flag} does not apply to --model {name} (its members keep their own)")
        return r
    for setting, value in {"max_tokens": max_tokens, "sequence_length": sequence_length, "ngrams": ngrams}.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise UserInputError(f"{setting} must be a positive int; Received: {setting}={value!r}")
    if max_tokens is not None and max_tokens < MIN_TOKENS:
        raise UserInputError(
            f"max_tokens must be at least {MIN_TOKENS} (padding, the unknown token and one word); "
            f"Received: max_tokens={max_tokens!r}"
        )
    if tokenizer is not None:
        if tokenizer not in TOKENIZERS:
            raise UserInputError(f"unknown tokenizer {tokenizer!r}; choose one of {', '.join(TOKENIZERS)}")
        if (tokenizer == "ngrams") != (kind == "ngrams"):
            reads = "a bag of n-grams" if kind == "ngrams" else "a token sequence"
            raise UserInputError(f"--tokenizer {tokenizer} does not fit --model {name}, which reads {reads}")
    if sequence_length is not None and kind == "ngrams":
        raise UserInputError(f"--sequence-length is for sequence models; --model {name} reads a bag of n-grams")
    if ngrams is not None and kind != "ngrams":
        raise UserInputError(f"--ngrams is for the bag models (nbsvm, fasttext), not --model {name}")
    return r.with_settings(tokenizer=tokenizer, max_tokens=max_tokens, sequence_length=sequence_length, ngrams=ngrams)


# ---------------------------------------------------------------- tokenizers


def _text_dataset(texts, batch_size=256):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(tf.constant(list(texts), tf.string)).batch(batch_size)


def make_tokenizer(spec: dict):
    """The preprocessing layer a run record describes (``spec`` from :func:`learn_tokenizer`)."""
    import keras

    from kerasdl.layers import standardize_review

    if spec["kind"] == "wordpiece":
        import keras_hub

        return keras_hub.tokenizers.WordPieceTokenizer(
            vocabulary=list(spec["vocabulary"]),
            sequence_length=spec["sequence_length"],
            lowercase=True,
            strip_accents=True,
            oov_token="[UNK]",
            name=VECTORIZER_NAME,
        )
    return keras.layers.TextVectorization(
        standardize=standardize_review,
        ngrams=spec["ngrams"] if spec["ngrams"] > 1 else None,
        output_mode="int",
        output_sequence_length=spec["sequence_length"],
        vocabulary=list(spec["vocabulary"]),
        name=VECTORIZER_NAME,
    )


def learn_tokenizer(r: Recipe, texts) -> dict:
    """Learns the vocabulary from the training texts; returns the tokenizer's spec.

    ``TextVectorization.adapt`` keeps the ``max_tokens`` most frequent words (or n-grams);
    for WordPiece, keras-hub's ``compute_word_piece_vocabulary`` learns ``max_tokens``
    subwords. Index 0 is padding and index 1 the unknown token in both.

    Returns:
        ``{"kind", "ngrams", "sequence_length", "vocabulary", "seconds"}``.
    """
    import keras

    from kerasdl.layers import standardize_review

    settings = r.settings
    start = time.perf_counter()
    if settings["tokenizer"] == "wordpiece":
        import keras_hub

        vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
            _text_dataset(texts),
            settings["max_tokens"],
            lowercase=True,
            strip_accents=True,
            reserved_tokens=["[PAD]", "[UNK]"],
        )
    else:
        layer = keras.layers.TextVectorization(
            max_tokens=settings["max_tokens"],
            standardize=standardize_review,
            ngrams=settings["ngrams"] if settings["ngrams"] > 1 else None,
            output_mode="int",
        )
        layer.adapt(_text_dataset(texts))
        vocabulary = layer.get_vocabulary()
    if len(vocabulary) < 3:
        raise UserInputError("the training texts have no words to learn a vocabulary from")
    return {
        "kind": settings["tokenizer"],
        "ngrams": settings["ngrams"],
        "sequence_length": settings["sequence_length"],
        "vocabulary": [str(v) for v in vocabulary],
        "seconds": round(time.perf_counter() - start, 1),
    }


def token_ids(tokenizer, texts, *, batch_size=512) -> list[np.ndarray]:
    """Each text's token ids (padding dropped), through the in-graph tokenizer."""
    out = []
    for batch in _text_dataset(texts, batch_size):
        ids = np.asarray(tokenizer(batch))
        out.extend(row[row > 0] for row in ids)
    return out


def naive_bayes_ratios(
    tokenizer, texts, labels, *, classes: int, vocabulary_size: int, alpha=NB_SMOOTHING
) -> np.ndarray:
    """Naive-Bayes log-count ratios of every token, per class against the rest (Wang & Manning, 2012).

    With binarised features (does the text contain the n-gram?), ``p_c`` is the smoothed
    count of class-``c`` texts containing the token divided by the number of class-``c``
    texts, ``q_c`` the same over the other classes, and ``r[t, c] = log(p_c / q_c)``. Row 0
    (padding) is zero.

    Returns:
        float32 ``(vocabulary_size, classes)``.
    """
    labels = np.asarray(labels)
    counts = np.zeros((vocabulary_size, classes))
    for ids, label in zip(token_ids(tokenizer, texts), labels):
        counts[np.unique(ids), label] += 1
    per_class = np.bincount(labels, minlength=classes).astype(np.float64)
    ratios = np.zeros((vocabulary_size, classes))
    for c in range(classes):
        inside = (counts[:, c] + alpha) / (per_class[c] + alpha)
        outside = (counts.sum(axis=1) - counts[:, c] + alpha) / (per_class.sum() - per_class[c] + alpha)
        ratios[:, c] = np.log(inside / outside)
    ratios[0] = 0.0
    return ratios.astype(np.float32)


# ---------------------------------------------------------------- models


def build_core(r: Recipe, *, vocabulary_size: int, classes: int, token_weights=None):
    """The recipe's builder with its options: a token ids -> probabilities model, named :data:`CORE_NAME`."""
    import keras

    from kerasdl.registry import model_entry

    kwargs = dict(r.options)
    if isinstance(kwargs.get("embeddings_initializer"), dict):
        kwargs["embeddings_initializer"] = keras.initializers.deserialize(kwargs["embeddings_initializer"])
    if r.settings["sequence_length"] is not None:
        kwargs.setdefault("sequence_length", r.settings["sequence_length"])
    if token_weights is not None:
        kwargs["token_weights"] = token_weights
    try:
        return model_entry(r.builder).builder(
            vocabulary_size=vocabulary_size, classes=classes, name=CORE_NAME, **kwargs
        )
    except TypeError as err:
        raise UserInputError(f"--model-arg for {r.builder}: {err}") from None
    except ValueError as err:
        raise UserInputError(f"{r.builder}: {err}") from None


def text_model(tokenizer, core, *, name):
    """Raw strings ``(batch,)`` -> tokenizer -> ``core``: the model the app trains and saves."""
    import keras

    text = keras.Input(shape=(), dtype="string", name=TEXT_INPUT)
    return keras.Model(text, core(tokenizer(text)), name=name)


def parts(model):
    """``(tokenizer, classifier)`` of a text model: the app's own, or a wrapped keras-hub preset.

    The tokenizer is the layer that reads the string input; the classifier the one it feeds.
    """
    try:
        return model.get_layer(VECTORIZER_NAME), model.get_layer(CORE_NAME)
    except ValueError:
        pass
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if model.input.dtype != "string" or len(layers) < 2:
        raise UserInputError(
            f"model {model.name!r} is not a sentiment model of this app (no tokenizer and classifier inside)"
        )
    return layers[0], layers[1]


def tokenizer_spec(tokenizer) -> dict:
    """What :func:`make_tokenizer` needs to rebuild ``tokenizer`` (vocabulary left out)."""
    import keras

    if isinstance(tokenizer, keras.layers.TextVectorization):
        config = tokenizer.get_config()
        return {
            "kind": "ngrams" if config.get("ngrams") else "words",
            "ngrams": config.get("ngrams") or 1,
            "sequence_length": config.get("output_sequence_length"),
        }
    return {"kind": "wordpiece", "ngrams": 1, "sequence_length": tokenizer.sequence_length}
