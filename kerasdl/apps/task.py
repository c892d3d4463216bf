"""The app as a Python object: ``train``, ``evaluate``, ``predict``, ``export``, ``run``, ``from_run``.

Every app is a :class:`Task`. The pipeline (train, evaluate beside the classical baseline,
figures, export with parity checks, the records a run leaves) is written here once; an app
supplies hooks: its data and model (:class:`TrainingPlan`), its scoring (:class:`Scores`),
its serving signatures (:class:`ServingSpec`) and how to check a loaded model.

This module imports neither Keras nor TensorFlow: the command line builds its flags from
the task classes before any of that loads.
"""

from __future__ import annotations

import dataclasses
import inspect
import pathlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from kerasdl.apps.recipe import Recipe, choose
from kerasdl.apps.reports import EvaluationReport, RunReport, TrainReport
from kerasdl.errors import UserInputError
from kerasdl.files import read_json, write_json

MODEL_FILE = "best.keras"
TASK_FILE = "task.json"
SUMMARY_FILE = "train_summary.json"
EVALUATION_FILE = "evaluation.json"
RUN_FOLDER = pathlib.Path("runs")


@dataclasses.dataclass
class TrainingPlan:
    """What an app's ``_plan_training`` hook hands the shared training path.

    Everything in it has been checked (data decoded, a model built once) before the run
    folder is created, so bad input leaves nothing behind.

    Attributes:
        build_model: returns a fresh, uncompiled model (called inside the strategy scope).
        loss: the Keras loss.
        metrics: Keras metrics.
        train_data: ``tf.data`` of ``(x, y)`` batches, may be endless.
        val_data: finite ``tf.data`` for validation.
        config: the :class:`~kerasdl.training.TrainConfig`, complete (steps per epoch set).
        description: one line: what trains on what (printed before training).
        state: what the task learned besides weights (class names, vocabulary, noise...):
            kept in ``task.json`` and restored by ``from_run``.
        summary: extra ``train_summary.json`` fields (data description, counts...).
        files: ``{file name: writer(path)}`` written into the run folder before training
            (the split, a tokenizer model).
        optimizer: makes the optimizer from the learning-rate schedule (default: Adam).
        monitor: the logged value that picks the best checkpoint; None keeps the last epoch.
    """

    build_model: Callable[[], Any]
    loss: Any
    metrics: list
    train_data: Any
    val_data: Any
    config: Any
    description: str
    state: dict = dataclasses.field(default_factory=dict)
    summary: dict = dataclasses.field(default_factory=dict)
    files: dict[str, Callable[[pathlib.Path], Any]] = dataclasses.field(default_factory=dict)
    optimizer: Callable[[Any], Any] | None = None
    monitor: str | None = "val_loss"


@dataclasses.dataclass
class Scores:
    """What an app's scoring returns to the shared ``evaluate`` path.

    Attributes:
        metrics: the JSON report (written to ``evaluation.json``).
        headline: one line: the model's main score beside the baseline's.
        table: the human-readable table.
        figures: ``{label: (file name, writer(path))}``; the first is the main figure (the
            ``figure`` argument of ``evaluate`` moves it), the others go beside the report.
            A writer returning ``False`` wrote nothing (say, no attention to draw).
    """

    metrics: dict
    headline: str
    table: str
    figures: dict[str, tuple[str, Callable[[pathlib.Path], Any]]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ServingSpec:
    """What an app's ``_serving`` hook hands the shared export path (:func:`kerasdl.export.export_model`).

    Attributes:
        model: the Keras model behind ``serving_float`` and ``model.tflite``.
        float_input: ``tf.TensorSpec`` of ``serving_float``'s input.
        sample_inputs: a batch for the parity checks of ``serving_float`` and LiteRT.
        endpoints: the raw-input signatures (``serving_default`` first).
        usage: ``{signature: one line}`` for ``metadata.json``.
        metadata: more ``metadata.json`` entries (scale, class names, tokenizer...).
        files: ``{file name: bytes or str}`` put in the version folder (a vocabulary).
        checks: called with the finished (still temporary) version folder before it is
            renamed into place; returns more parity entries, raises ``ExportParityError``.
        tflite_input_shape: a fixed LiteRT input shape, when the model needs one.
        atol: tolerance of float parity.
    """

    model: Any
    float_input: Any
    sample_inputs: Any
    endpoints: list
    usage: dict
    metadata: dict = dataclasses.field(default_factory=dict)
    files: dict[str, bytes | str] = dataclasses.field(default_factory=dict)
    checks: Callable[[pathlib.Path], dict] | None = None
    tflite_input_shape: tuple | None = None
    atol: float = 1e-4


def accepted(function: Callable, options: Mapping[str, Any], *, training: bool = False) -> dict:
    """The entries of ``options`` that ``function`` takes as keyword arguments.

    Args:
        function: a verb or hook.
        options: candidate keyword arguments.
        training: also accept :class:`~kerasdl.training.TrainConfig` fields, which
            ``train`` takes through ``**training``.
    """
    from kerasdl.training.config import TrainConfig

    parameters = inspect.signature(function).parameters
    names = {n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    if training:
        names |= TrainConfig.field_names()
    return {k: v for k, v in options.items() if k in names}


def data_source(given: Mapping[str, Any], recorded: Mapping[str, Any], *, default: Mapping[str, Any]) -> dict:
    """Where a verb's data comes from: what it was given, else the run's record, else ``default``.

    Args:
        given: the verb's data arguments (``data``, ``dataset`` and the app's others).
        recorded: the run's state; its ``"source"`` is what training read.
        default: the keys that name the app's default data (``{"dataset": "reviews"}``).

    Returns:
        ``given`` when it names data or a dataset; else the recorded source with the given
        arguments that are set laid over it; else ``given`` with ``default`` laid over it.
    """
    if given.get("data") is not None or given.get("dataset") is not None:
        return dict(given)
    if recorded.get("source"):
        return {**recorded["source"], **{k: v for k, v in given.items() if v is not None}}
    return {**given, **default}


class Task:
    """An app: data in, a trained model, its evaluation beside a baseline, a served model out.

    Subclasses set :attr:`name`, :attr:`recipes` and :attr:`default_model`, write ``train``,
    ``evaluate`` and ``predict`` with their own keyword arguments on top of the shared
    :meth:`_fit` and :meth:`_report` paths, and implement the hooks ``_serving`` and
    ``_check_model`` (and set :attr:`bare_models` where a model alone says enough).

    Attributes:
        model: the trained ``keras.Model`` (after ``train`` or ``from_run``), else None.
        recipe: the :class:`Recipe` chosen by ``model=``, with ``model_options`` applied.
        run_dir: where training writes its checkpoint, logs, records and figures.
        state: what training learned besides weights (class names, vocabulary...).
        command: recorded as the export's ``command``; the command line sets it.
        reporter: called with each report as ``train``, ``evaluate`` and ``export`` finish
            (the command line prints them); None: nothing is printed but Keras' progress.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    recipes: ClassVar[Mapping[str, Recipe]] = {}
    default_model: ClassVar[str] = ""
    metrics_not_exported: ClassVar[tuple[str, ...]] = ()  # bulky evaluation entries kept out of metadata.json
    bare_models: ClassVar[bool] = False  # whether a .keras file alone (no task.json beside it) says enough to use it
    multi_worker: ClassVar[bool] = True  # whether train joins a TF_CONFIG cluster (the apps that train through fit)
    fresh_verbs: ClassVar[tuple[str, ...]] = ()  # verbs that need no trained model: the CLI builds the task afresh

    def __init__(self, model: str | None = None, *, model_options: Mapping[str, Any] | None = None, run_dir=None):
        self.model_name = model or self.default_model
        self.recipe = self.recipe_for(self.model_name).with_options(model_options)
        self.model_options = dict(model_options or {})
        self.run_dir = pathlib.Path(run_dir) if run_dir is not None else RUN_FOLDER / self.name
        self.model = None
        self.state: dict = {}
        self.command: str | None = None
        self.reporter: Callable[[Any], None] | None = None
        self._metrics: dict | None = None

    def __repr__(self) -> str:
        trained = "trained" if self.model is not None else "untrained"
        return f"{type(self).__name__}(model={self.model_name!r}, run_dir={str(self.run_dir)!r}; {trained})"

    # ------------------------------------------------------------ what subclasses provide

    @classmethod
    def recipe_for(cls, name: str) -> Recipe:
        """The recipe ``model=name`` selects; a one-line error lists the choices."""
        return choose(cls.recipes, name)

    def _init_arguments(self) -> dict:
        """The constructor's arguments that rebuild this task (``from_run`` passes them back)."""
        return {"model": self.model_name, "model_options": self.model_options}

    def _check_model(self, model, source) -> None:
        """Raises ``UserInputError`` unless ``model`` is a model of this app."""

    @classmethod
    def _from_model(cls, model, *, run_dir) -> Task:
        """A task around a model that has no ``task.json`` beside it (a bare ``.keras`` file).

        Where :attr:`bare_models` allows it, the task takes the model's name as its recipe when
        it is one; ``from_run`` then checks the model with :meth:`_check_model`, which reads
        what the task needs from the model (its scale, channels, input size).
        """
        if not cls.bare_models:
            raise UserInputError(
                f"no {TASK_FILE} beside the model: a {cls.name} model needs the record of its "
                f"training run (train it with this app, or pass its run folder)"
            )
        return cls(model.name if model.name in cls.recipes else None, run_dir=run_dir)

    def _serving(self, **options) -> ServingSpec:
        """What to export; ``options`` are the app's export settings (keyword-only arguments)."""
        raise NotImplementedError

    # ------------------------------------------------------------ loading

    @classmethod
    def from_run(cls, run_dir=None, *, model_path=None) -> Task:
        """The task of a finished training run: its best model and what it learned.

        Args:
            run_dir: the run folder (default: ``runs/<app>``); what ``evaluate`` and
                ``predict`` write goes there too.
            model_path: a ``.keras`` file to use instead of ``<run_dir>/best.keras``; the
                record of its run is read from beside it.

        Raises:
            UserInputError: no model there, a damaged file, or not a model of this app.
        """
        from kerasdl.saving import load_model

        run_dir = pathlib.Path(run_dir) if run_dir is not None else RUN_FOLDER / cls.name
        path = pathlib.Path(model_path) if model_path else run_dir / MODEL_FILE
        if not path.is_file():
            raise UserInputError(f"no trained model at {path}; train one first or pass --model-path")
        model = load_model(path)
        record_path = path.parent / TASK_FILE
        record = read_json(record_path) if record_path.is_file() else None
        if record is not None and record.get("app") != cls.name:
            raise UserInputError(f"{path} was trained by the {record.get('app')} app, not {cls.name}")
        if record is None:
            task = cls._from_model(model, run_dir=run_dir)
        else:
            task = cls(**record["init"], run_dir=run_dir)
            task.state = dict(record.get("state") or {})
        task._check_model(model, path)
        task.model = model
        return task

    def _require_model(self):
        if self.model is None:
            raise UserInputError(
                f"no trained model: call train() first, or load one with {type(self).__name__}.from_run()"
            )
        return self.model

    # ------------------------------------------------------------ the shared pipeline

    def _fit(self, plan: TrainingPlan) -> TrainReport:
        """Trains the plan's model in the run folder; writes ``task.json`` and ``train_summary.json``."""
        import keras

        from kerasdl.data.images import check_writable_dir
        from kerasdl.training import fit
        from kerasdl.training.hardware import read_tf_config

        read_tf_config()  # a malformed TF_CONFIG fails here, before the run folder is written
        run_dir = check_writable_dir(self.run_dir)  # only now: the hook has checked data and model
        for file_name, write in plan.files.items():
            write(run_dir / file_name)
        self.state = dict(plan.state)
        record = {"app": self.name, "init": self._init_arguments(), "state": self.state}
        write_json(record, run_dir / TASK_FILE)  # before training: an interrupted run can still be evaluated
        if plan.config.verbose:
            print(plan.description, flush=True)
        result = fit(
            plan.build_model,
            loss=plan.loss,
            metrics=plan.metrics,
            train_data=plan.train_data,
            val_data=plan.val_data,
            run_dir=run_dir,
            config=plan.config,
            optimizer=plan.optimizer,
            monitor=plan.monitor,
        )
        self.model, self._metrics = result.model, None
        history = result.history
        val_losses = [v for v in history.get("val_loss", []) if v == v]
        summary = {
            "app": self.name,
            "model": self.model_name,
            "builder": self.recipe.builder,
            "model_options": self.recipe.options,
            **plan.summary,
            "train_config": dataclasses.asdict(plan.config),
            "train_seconds": round(result.seconds, 1),
            "epochs_run": len(history.get("epoch", [])),
            "stopped_by_time_limit": result.stopped_by_time_limit,
            "best_val_loss": min(val_losses) if val_losses else None,
            "jit_compile": result.jit_compile,
            "parameters": result.model.count_params(),
            "keras": keras.__version__,
        }
        write_json(summary, run_dir / SUMMARY_FILE)
        files = {
            "best model": result.checkpoint,
            "training log": run_dir / "training_log.csv",
            "learning curves": result.learning_curve,
        }
        files.update({file_name: run_dir / file_name for file_name in plan.files})
        files.update({"record": run_dir / TASK_FILE, "summary": run_dir / SUMMARY_FILE})
        return self._announce(
            TrainReport(
                app=self.name,
                model=self.model_name,
                builder=self.recipe.builder,
                parameters=summary["parameters"],
                seconds=result.seconds,
                epochs_run=summary["epochs_run"],
                resumed=result.resumed,
                stopped_by_time_limit=result.stopped_by_time_limit,
                jit_compile=result.jit_compile,
                train_config=summary["train_config"],
                history=history,
                files=files,
            )
        )

    def _report(self, scores: Scores, *, output=None, figure=None) -> EvaluationReport:
        """Writes the evaluation JSON and figures; figures other than the first go beside the report."""
        output = pathlib.Path(output) if output else self.run_dir / EVALUATION_FILE
        write_json(scores.metrics, output)
        files = {"report": output}
        for index, (label, (file_name, write)) in enumerate(scores.figures.items()):
            path = pathlib.Path(figure) if (index == 0 and figure) else output.parent / file_name
            if write(path) is not False:
                files[label] = path
        self._metrics = scores.metrics
        return self._announce(
            EvaluationReport(
                app=self.name, metrics=scores.metrics, headline=scores.headline, table=scores.table, files=files
            )
        )

    def _announce(self, report):
        if self.reporter is not None:
            self.reporter(report)
        return report

    def _exported_metrics(self):
        """This run's evaluation, for the export's metadata: the last ``evaluate``, else ``evaluation.json``."""
        metrics = self._metrics
        path = self.run_dir / EVALUATION_FILE
        if metrics is None and path.is_file():
            metrics = read_json(path)
        if metrics is None:
            return None
        return {k: v for k, v in metrics.items() if k not in self.metrics_not_exported}

    def _litert_quality(self):
        """How a LiteRT file of this app is scored when quantized variants are exported.

        An app whose variants can be scored on other data takes it as ``data`` (``export``'s
        ``quantize_data``).

        Returns:
            A :class:`~kerasdl.export.quantize.LiteRTQuality` (the app's metric on its evaluation
            data, calibration samples from its training data), or None: the variants then get
            size, latency and parity only, int8 calibrated on the parity samples.
        """
        return None

    def export(
        self,
        export_dir="saved_models",
        *,
        version: int | None = None,
        tflite: bool = True,
        quantize=None,
        integer_io: bool = False,
        max_loss: float | None = None,
        quantize_data=None,
        **options,
    ):
        """Exports to ``<export_dir>/<app>/<version>/``: a SavedModel for TF Serving, a LiteRT file, metadata.

        The SavedModel's ``serving_default`` takes what a client has (encoded image bytes,
        strings); ``serving_float`` and ``model.tflite`` take the model's float tensors. Both
        are reloaded and checked against the Keras model before the version folder appears.

        Args:
            export_dir: the TF Serving model base folder.
            version: the version number; default: one more than the largest there.
            tflite: also write and check ``model.tflite``.
            quantize: quantized LiteRT files beside the float one: ``dynamic``, ``float16``,
                ``int8`` (a list, or comma-separated); each is measured (size, batch-1 latency,
                the app's metric on its evaluation data) into ``metadata.json``.
            integer_io: int8 input and output for the int8 file (microcontrollers).
            max_loss: refuse the export when a quantized variant loses more of the app's metric
                than this (default: 0.3 dB PSNR, 1 point of accuracy or BLEU).
            quantize_data: the data the quantized variants are scored on (a folder of test
                images, for the image apps); default: the run's test data.
            **options: the app's own export settings (the keyword arguments of its
                ``_serving``; a captioner's or translator's ``beam_width``).

        Returns:
            The :class:`~kerasdl.export.ExportResult` (path, version, metadata).
        """
        from kerasdl.export import export_model
        from kerasdl.export.metadata import default_command
        from kerasdl.export.quantize import parse_quantize

        self._require_model()
        quantized = len(parse_quantize(quantize)) > 1
        quality_options = {}
        if quantize_data is not None:
            if not quantized:
                raise UserInputError("--quantize-data scores quantized variants: add --quantize")
            if "data" not in inspect.signature(self._litert_quality).parameters:
                raise UserInputError(f"{self.name} scores its quantized variants on the run's test data only")
            quality_options["data"] = quantize_data
        spec = self._serving(**options)
        metadata = {
            "command": self.command or default_command(),
            "model": self.model_name,
            "builder": self.recipe.builder,
            **spec.metadata,
            "parameters": spec.model.count_params(),  # the served model's (a GAN's generator, not its discriminator)
            "metrics": self._exported_metrics(),
            "usage": spec.usage,
        }
        return self._announce(
            export_model(
                spec.model,
                app=self.name,
                root=export_dir,
                version=version,
                float_input_signature=spec.float_input,
                sample_inputs=spec.sample_inputs,
                endpoints=spec.endpoints,
                tflite=tflite,
                tflite_input_shape=spec.tflite_input_shape,
                metadata=metadata,
                atol=spec.atol,
                files=spec.files,
                checks=spec.checks,
                quantize=quantize,
                quality=self._litert_quality(**quality_options) if quantized and tflite else None,
                integer_io=integer_io,
                max_loss=max_loss,
            )
        )

    def run(self, data=None, *, test_data=None, export_dir="saved_models", tflite: bool = True, **options) -> RunReport:
        """Train, evaluate beside the baseline, and export, in one go.

        Args:
            data: the training data (as ``train`` takes it); None: the app's embedded default.
            test_data: what ``evaluate`` scores; None: the run's own held-out test data. An
                app whose ``train`` takes ``test_data`` (it splits its data around it) gets it
                there, and ``evaluate`` then scores the run's test part.
            export_dir: the TF Serving model base folder.
            tflite: also write the LiteRT file.
            **options: keyword arguments of ``train`` (training settings included),
                ``evaluate`` and ``export``: each goes to every verb that takes it.

        Returns:
            A :class:`RunReport`.
        """
        verbs = {"train": (self.train, True), "evaluate": (self.evaluate, False), "export": (self.export, False)}
        routed = {verb: accepted(fn, options, training=training) for verb, (fn, training) in verbs.items()}
        routed["export"].update(accepted(self._serving, options))
        unknown = sorted(set(options) - {k for chosen in routed.values() for k in chosen})
        if unknown:
            raise TypeError(f"{type(self).__name__}.run() got unknown options {unknown}")
        if test_data is not None and "test_data" in inspect.signature(self.train).parameters:
            routed["train"]["test_data"], test_data = test_data, None
        trained = self.train(data, **routed["train"])
        if _other_worker():  # on a cluster, worker 0 alone evaluates and exports (one version, not one per worker)
            return RunReport(train=trained, evaluation=None, export=None, files=dict(trained.files))
        evaluation = self.evaluate(test_data, **routed["evaluate"])
        exported = self.export(export_dir, tflite=tflite, **routed["export"])
        files = {"model": trained.files["best model"]}
        if "learning curves" in trained.files:  # an ensemble's are its members', in their own runs
            files["learning curves"] = trained.files["learning curves"]
        files.update({k: v for k, v in evaluation.files.items()})
        files.update({"SavedModel": exported.path, "LiteRT": exported.tflite_path or "skipped"})
        return RunReport(train=trained, evaluation=evaluation, export=exported, files=files)

    # The verbs each app writes, with its own keyword arguments:
    def train(self, data=None, **options) -> TrainReport:  # pragma: no cover - every app overrides
        raise NotImplementedError

    def evaluate(self, data=None, **options) -> EvaluationReport:  # pragma: no cover
        raise NotImplementedError

    def predict(self, inputs, **options):  # pragma: no cover
        raise NotImplementedError


def _other_worker() -> bool:
    """Whether this process is a worker of a ``TF_CONFIG`` cluster other than worker 0."""
    from kerasdl.training.hardware import read_tf_config, worker_index

    return bool(read_tf_config().get("cluster")) and worker_index() > 0
