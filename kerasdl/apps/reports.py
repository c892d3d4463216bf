"""What the app verbs return: plain dataclasses with ``to_json()``, printed by the command line."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

from kerasdl.files import dumps


class Report:
    """The base of every report dataclass (an app's own reports too): ``to_json()`` and ``to_dict()``."""

    def to_dict(self) -> dict:
        """The report as JSON-ready data (paths as strings)."""
        return json.loads(dumps(dataclasses.asdict(self)))

    def to_json(self) -> str:
        """The report as indented JSON text."""
        return dumps(self.to_dict())


@dataclasses.dataclass
class TrainReport(Report):
    """What ``train`` did.

    Attributes:
        app: the app's name.
        model: the recipe name (``--model``).
        builder: the registry builder it used.
        parameters: the trained model's parameter count.
        seconds: wall-clock time of this call's training.
        epochs_run: epochs in the log, resumed ones included.
        resumed: whether an interrupted run was continued.
        stopped_by_time_limit: whether the time limit cut training short.
        jit_compile: whether XLA was on.
        train_config: the :class:`~kerasdl.training.TrainConfig` used, as a dict.
        history: the per-epoch log ``{metric: [values]}``.
        files: what was written: ``{what: path}`` (best model, log, curves, summary...).
    """

    app: str
    model: str
    builder: str
    parameters: int
    seconds: float
    epochs_run: int
    resumed: bool
    stopped_by_time_limit: bool
    jit_compile: bool
    train_config: dict
    history: dict
    files: dict[str, pathlib.Path]

    @property
    def title(self) -> str:
        return f"Trained in {self.seconds / 60:.1f} min" + (" (resumed)" if self.resumed else "")


@dataclasses.dataclass
class EvaluationReport(Report):
    """What ``evaluate`` measured: the model beside the app's classical baseline.

    Attributes:
        app: the app's name.
        metrics: the JSON report written to ``evaluation.json`` (per-item scores, means, the
            baseline's, gains).
        headline: one line: the model's main score against the baseline's.
        table: the human-readable table the command line prints.
        files: what was written: ``{what: path}`` (the report, figures).
    """

    app: str
    metrics: dict
    headline: str
    table: str
    files: dict[str, pathlib.Path]

    @property
    def title(self) -> str:
        return "Evaluation"


@dataclasses.dataclass
class RunReport(Report):
    """``run``: train, evaluate, export in one go.

    Attributes:
        train: the :class:`TrainReport`.
        evaluation: the :class:`EvaluationReport` (None on a cluster's workers other than 0).
        export: the :class:`~kerasdl.export.ExportResult` (path, version, metadata), or None
            where ``evaluation`` is.
        files: the outputs a user looks at first.
    """

    train: TrainReport
    evaluation: EvaluationReport | None
    export: Any
    files: dict[str, Any]

    @property
    def title(self) -> str:
        if self.evaluation is None:
            return "Trained as a worker of a cluster; worker 0 evaluates and exports"
        return f"Done: {self.evaluation.headline}"


@dataclasses.dataclass
class SampleReport(Report):
    """What a generative app's ``sample`` drew.

    Attributes:
        app: the app's name.
        files: the figures written: ``{what: path}``.
    """

    app: str
    files: dict[str, pathlib.Path]

    @property
    def title(self) -> str:
        return "Samples drawn"


class Predictions(list):
    """What ``predict`` returns: a list of results, one per input, and ``inputs``: what each came from.

    A folder given to ``predict`` becomes one result per image in it; ``inputs[i]`` names
    the input of ``self[i]`` (a file's path, or ``image<i>`` / the text itself).
    """

    def __init__(self, results=(), *, inputs=()):
        super().__init__(results)
        self.inputs = list(inputs)
