"""The translation app's model recipes: a builder, its options, the tokenizer size and the schedule.

``transformer`` is the default, chosen to beat ``keras-io`` (the configuration of the keras.io
English-to-Spanish example) at an equal CPU time budget: both read the same SentencePiece
pieces, batched by length, and are trained by the same code. In ten CPU minutes a model sees
each spa-eng pair about twice, so the default keeps the keras.io shape (deeper stacks learned
slower per CPU second) and changes how it is trained: no dropout (nothing to regularise yet),
label smoothing, and a short warm-up to a higher peak rate. The search behind it is in the
README's translation section.

Each recipe is a :class:`kerasdl.apps.recipe.Recipe`. Its ``settings`` are the app's own knobs:

- ``vocabulary_size``: SentencePiece pieces, one vocabulary shared by both languages.
- ``source_length``: longest source, in pieces (longer training pairs are left out; longer
  inputs to ``predict`` are an error).
- ``target_length``: longest decoder input, the start token included (outputs stop there).
- ``label_smoothing``: mass spread over the whole vocabulary in the loss.

Its ``training`` holds the ``TrainConfig`` defaults: ``batch_size`` (sentence pairs per batch,
formed from pairs of similar length), ``learning_rate`` (Adam's peak rate, cosine decay over
the run), ``warmup_steps`` (linear warm-up to it first; the app caps it at a tenth of a short
run) and ``epochs`` (passes over the training pairs: ``steps_per_epoch`` None is one pass).

This module imports neither TensorFlow nor Keras: the recipe search imports it on a machine
with only Keras on JAX.
"""

from __future__ import annotations

import dataclasses

from kerasdl.apps.recipe import Recipe, choose, sequence_training
from kerasdl.errors import UserInputError

SETTINGS = {"vocabulary_size": 8000, "source_length": 40, "target_length": 40}


# The keras.io English-to-Spanish example's Transformer: one encoder and one decoder layer.
KERAS_IO_SHAPE = {
    "embed_dim": 256,
    "intermediate_dim": 2048,
    "num_heads": 8,
    "num_encoder_layers": 1,
    "num_decoder_layers": 1,
}

RECIPES = {
    "transformer": Recipe(
        builder="transformer_seq2seq",
        options={**KERAS_IO_SHAPE, "dropout": 0.0},
        training=sequence_training(1.4e-3, warmup_steps=200),
        settings={**SETTINGS, "label_smoothing": 0.1},
        summary="Transformer, 1+1 layers, width 256, FF 2048, 8 heads; no dropout, label smoothing 0.1, "
        "200 warm-up steps to a 1.4e-3 peak (the default: tuned for short budgets)",
    ),
    "keras-io": Recipe(
        builder="transformer_seq2seq",
        options={**KERAS_IO_SHAPE, "dropout": 0.1},
        training=sequence_training(1e-3),
        settings={**SETTINGS, "label_smoothing": 0.0},
        summary="the keras.io example's Transformer: 1+1 layers, width 256, FF 2048, 8 heads, plain cross-entropy",
    ),
    "rnn": Recipe(
        builder="rnn_seq2seq",
        options={
            "embed_dim": 128,
            "units": 256,
            "cell": "lstm",
            "attention": "luong",
            "bidirectional_encoder": True,
            "dropout": 0.1,
        },
        training=sequence_training(2e-3),
        settings={**SETTINGS, "label_smoothing": 0.1},
        summary="bidirectional LSTM encoder, LSTM decoder with Luong attention",
    ),
}
DEFAULT_RECIPE = "transformer"


def recipe(name: str, **overrides) -> Recipe:
    """A recipe by name, its settings or training defaults replaced by ``overrides`` (``None`` values ignored).

    Example:
        >>> recipe("transformer", vocabulary_size=4000, batch_size=32).settings["vocabulary_size"]
        4000

    Raises:
        UserInputError: an unknown name (the message lists the recipes).
        TypeError: an override that is neither a setting nor a training default.
    """
    r = choose(RECIPES, name)
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(set(given) - set(r.settings) - set(r.training))
    if unknown:
        raise TypeError(
            f"recipe() got unknown overrides {unknown}; settings: {sorted(r.settings)}, training: {sorted(r.training)}"
        )
    return dataclasses.replace(
        r,
        settings={**r.settings, **{k: v for k, v in given.items() if k in r.settings}},
        training={**r.training, **{k: v for k, v in given.items() if k in r.training}},
    )


def build_model(r: Recipe, *, vocabulary_size: int, options=None, name: str = "translation"):
    """The recipe's seq2seq model for a tokenizer of ``vocabulary_size`` pieces.

    Args:
        r: the recipe (its ``options`` are the builder's; its settings give the lengths).
        vocabulary_size: the tokenizer's pieces, both languages.
        options: more builder options over the recipe's.
        name: the model's name.

    Raises:
        UserInputError: the builder rejects the options.
    """
    from kerasdl.registry import model_entry

    kwargs = {**r.options, **dict(options or {})}
    if r.builder == "transformer_seq2seq":
        kwargs.setdefault("source_sequence_length", r.settings["source_length"])
        kwargs.setdefault("target_sequence_length", r.settings["target_length"])
    try:
        return model_entry(r.builder).builder(
            source_vocabulary_size=vocabulary_size, target_vocabulary_size=vocabulary_size, name=name, **kwargs
        )
    except TypeError as err:
        raise UserInputError(f"--model-arg for {r.builder}: {err}") from None
    except ValueError as err:
        raise UserInputError(f"{r.builder}: {err}") from None
