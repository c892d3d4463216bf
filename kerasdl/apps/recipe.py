"""What ``--model NAME`` selects in every app: a builder, its options and how to train it."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import Any

from kerasdl.errors import UserInputError


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How an app builds, and by default trains, one kind of model.

    Attributes:
        builder: the registry name of the builder (``kerasdl models list``).
        options: the builder's keyword arguments as the app trains it; the app adds what
            its data decides (vocabulary sizes, classes, input shapes).
        training: defaults for :class:`kerasdl.training.TrainConfig` (``epochs``,
            ``steps_per_epoch``, ``learning_rate``, ``warmup_steps``, ``batch_size``...).
        settings: the app's own knobs for this model (a tokenizer, a label smoothing, a
            vocabulary size): read by the app, never passed to the builder.
        summary: one line for ``--help`` and the docs.
    """

    builder: str
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    training: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    summary: str = ""

    def with_options(self, options: Mapping[str, Any] | None) -> Recipe:
        """The recipe with ``options`` overriding (or adding to) the builder's options."""
        return dataclasses.replace(self, options={**self.options, **dict(options or {})})

    def with_settings(self, **settings) -> Recipe:
        """The recipe with the given settings replaced (``None`` values keep the recipe's)."""
        given = {k: v for k, v in settings.items() if v is not None}
        return dataclasses.replace(self, settings={**self.settings, **given})

    def train_config(self, **overrides):
        """A :class:`~kerasdl.training.TrainConfig`: the dataclass defaults, then the recipe's, then ``overrides``.

        ``None`` in ``overrides`` means "not given": the recipe's value stays.
        """
        from kerasdl.training.config import TrainConfig

        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(given) - TrainConfig.field_names())
        if unknown:
            raise TypeError(f"unknown training options {unknown}; known: {sorted(TrainConfig.field_names())}")
        return TrainConfig(**{**self.training, **given})


def sequence_training(learning_rate: float, warmup_steps: int = 0) -> dict:
    """The training settings of the sequence-model recipes (translation, text generation): 10 epochs of
    batches of 64, every batch of the data per epoch, ``learning_rate`` after ``warmup_steps``."""
    return {
        "epochs": 10,
        "steps_per_epoch": None,
        "batch_size": 64,
        "learning_rate": learning_rate,
        "warmup_steps": warmup_steps,
    }


def choose(recipes: Mapping[str, Recipe], name: str, *, what: str = "model") -> Recipe:
    """``recipes[name]``, or a one-line ``UserInputError`` that lists the choices (closest first)."""
    if name in recipes:
        return recipes[name]
    close = difflib.get_close_matches(str(name), list(recipes), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UserInputError(f"unknown {what} {name!r}{hint}; choose one of {', '.join(recipes)}")
