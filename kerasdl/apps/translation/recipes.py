"""The translation app's model recipes: a builder, its options, the tokenizer size and the schedule.

``transformer`` is the default, chosen to beat ``keras-io`` (the configuration of the keras.io
English-to-Spanish example) at an equal CPU time budget: both read the same SentencePiece
pieces, batched by length, and are trained by the same code. In ten CPU minutes a model sees
each spa-eng pair about twice, so the default keeps the keras.io shape (deeper stacks learned
slower per CPU second) and changes how it is trained: no dropout (nothing to regularise yet),
label smoothing, and a short warm-up to a higher peak rate. The search behind it is in the
README's translation section.
"""

from __future__ import annotations

import dataclasses

import keras
from keras import ops

from kerasdl.errors import UserInputError


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How to build and train one kind of translation model.

    Attributes:
        builder: registered seq2seq builder.
        options: its keyword arguments (vocabulary sizes and lengths are added by the app).
        vocabulary_size: SentencePiece pieces, one vocabulary shared by both languages.
        source_length: longest source, in pieces (longer training pairs are left out; longer
            inputs to ``predict`` are an error).
        target_length: longest decoder input, the start token included (outputs stop there).
        batch_size: sentence pairs per batch (batches are formed from pairs of similar length).
        learning_rate: Adam's peak rate (cosine decay over the run, from ``fit``).
        warmup_steps: linear warm-up to ``learning_rate`` first.
        label_smoothing: mass spread over the whole vocabulary in the loss.
        epochs: passes over the training pairs.
        summary: one line for ``--help``.
    """

    builder: str
    options: dict
    vocabulary_size: int = 8000
    source_length: int = 40
    target_length: int = 40
    batch_size: int = 64
    learning_rate: float = 1e-3
    warmup_steps: int = 0
    label_smoothing: float = 0.1
    epochs: int = 10
    summary: str = ""


RECIPES = {
    "transformer": Recipe(
        builder="transformer_seq2seq",
        options={
            "embed_dim": 256,
            "intermediate_dim": 2048,
            "num_heads": 8,
            "num_encoder_layers": 1,
            "num_decoder_layers": 1,
            "dropout": 0.0,
        },
        learning_rate=1.4e-3,
        warmup_steps=200,
        label_smoothing=0.1,
        summary="Transformer, 1+1 layers, width 256, FF 2048, 8 heads; no dropout, label smoothing 0.1, "
        "200 warm-up steps to a 1.4e-3 peak (the default: tuned for short budgets)",
    ),
    "keras-io": Recipe(
        builder="transformer_seq2seq",
        options={
            "embed_dim": 256,
            "intermediate_dim": 2048,
            "num_heads": 8,
            "num_encoder_layers": 1,
            "num_decoder_layers": 1,
            "dropout": 0.1,
        },
        learning_rate=1e-3,
        label_smoothing=0.0,
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
        learning_rate=2e-3,
        label_smoothing=0.1,
        summary="bidirectional LSTM encoder, LSTM decoder with Luong attention",
    ),
}
DEFAULT_RECIPE = "transformer"


def recipe(name: str, **overrides) -> Recipe:
    """A recipe by name, with the command line's overrides (``None`` values ignored)."""
    if name not in RECIPES:
        raise UserInputError(f"unknown model {name!r}; choose one of {', '.join(RECIPES)}")
    return dataclasses.replace(RECIPES[name], **{k: v for k, v in overrides.items() if v is not None})


def build_model(r: Recipe, *, vocabulary_size: int, options=None, name: str = "translation"):
    """The recipe's seq2seq model for a tokenizer of ``vocabulary_size`` pieces."""
    from kerasdl.registry import model_entry

    kwargs = {**r.options, **dict(options or {})}
    if r.builder == "transformer_seq2seq":
        kwargs.setdefault("source_sequence_length", r.source_length)
        kwargs.setdefault("target_sequence_length", r.target_length)
    try:
        return model_entry(r.builder).builder(
            source_vocabulary_size=vocabulary_size, target_vocabulary_size=vocabulary_size, name=name, **kwargs
        )
    except TypeError as err:
        raise UserInputError(f"--model-arg for {r.builder}: {err}") from None
    except ValueError as err:
        raise UserInputError(f"{r.builder}: {err}") from None


@keras.saving.register_keras_serializable(package="kerasdl")
class MaskedCrossEntropy(keras.losses.Loss):
    """Next-token cross-entropy over real target tokens (id 0 pads), with optional label smoothing.

    With smoothing ``ε`` the target distribution is ``(1 - ε)·one_hot + ε/V`` (Szegedy et al.
    2016; Vaswani et al. 2017 use ε = 0.1). The loss is the mean over non-padding tokens of
    the batch, whatever the padding.
    """

    def __init__(self, label_smoothing=0.0, name="masked_cross_entropy", reduction="sum", **kwargs):
        # "sum" of per-token values already divided by the real-token count: the mean over real
        # tokens, and Keras' own output mask (if any) only multiplies by 0/1 under "sum".
        super().__init__(name=name, reduction=reduction, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        logits = ops.cast(y_pred, "float32")
        # The backend's fused softmax cross-entropy against a dense target: on TensorFlow's CPU
        # kernels it costs less than the sparse one (64 x 16 positions x 8,000 pieces, loss and
        # gradient with the output layer: 82-86 against 91 ms), and smoothing then costs nothing
        # more; adding the smoothing term to the sparse loss instead cost 12 ms a step (8% of one).
        vocabulary = ops.shape(logits)[-1]
        target = ops.one_hot(y_true, vocabulary)
        if self.label_smoothing:
            target = target * (1.0 - self.label_smoothing) + self.label_smoothing / vocabulary
        loss = ops.categorical_crossentropy(target, logits, from_logits=True)
        real = ops.cast(ops.not_equal(y_true, 0), "float32")
        return loss * real / ops.maximum(ops.sum(real), 1.0)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package="kerasdl")
class MaskedAccuracy(keras.metrics.Mean):
    """Share of real (non-padding) target tokens predicted exactly, over all tokens seen."""

    def __init__(self, name="accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # The padding mask comes from the labels; Keras' output mask (same positions) is not needed.
        y_true = ops.cast(y_true, "int32")
        hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
        return super().update_state(hit, sample_weight=ops.cast(ops.not_equal(y_true, 0), "float32"))
