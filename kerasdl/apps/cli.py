"""The command line of every app, generated from its task class.

``kerasdl <app> train|evaluate|predict|export|run``: each verb's flags are the keyword
arguments its Python method takes. The flags every app shares (data, run folder, model
recipe, training settings, export) are defined here once; an app's ``cli.py`` declares
only its own flags and how a prediction is shown. A flag is offered by a verb only when
the verb takes its keyword argument, and the defaults shown in ``--help`` are the Python
defaults. Nothing here imports Keras or TensorFlow: ``--help`` and flag errors answer at once.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import pathlib
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from kerasdl.errors import UserInputError

VERBS = ("train", "evaluate", "predict", "export", "run")
LOADING = ("run_dir", "model_path")  # how evaluate, predict and export find the trained model
NOT_IN_RUN = {"data", "output", "figure", "version", "inputs", "output_dir", "model_path"}


# ---------------------------------------------------------------- argument types


def positive_int(value):
    """argparse type: a positive integer, else a one-line usage error."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return number


def quantize_variants(value):
    """argparse type: LiteRT variants, comma-separated (``dynamic,int8``), checked before TensorFlow loads."""
    from kerasdl.errors import UserInputError
    from kerasdl.export.quantize import parse_quantize

    try:
        return ",".join(parse_quantize(value))
    except UserInputError as err:
        raise argparse.ArgumentTypeError(str(err).split(": ", 1)[-1]) from None


def non_negative_float(value):
    """argparse type: a number >= 0, else a one-line usage error."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {value!r}")
    return number


def builder_option(value):
    """``KEY=VALUE`` for a builder option; VALUE read as a Python literal when it is one."""
    key, sep, raw = value.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, e.g. variant=modern; got {value!r}")
    try:
        return key, ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return key, raw


class _ModelOption(argparse.Action):
    """Stores ``--flag VALUE`` (or a switch's constant) as the builder option ``option=VALUE`` in ``model_options``."""

    def __init__(self, option_strings, dest, option, **kwargs):
        self.option = option
        if "const" in kwargs:
            kwargs["nargs"] = 0
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        pairs = list(getattr(namespace, self.dest, None) or [])
        setattr(namespace, self.dest, pairs + [(self.option, self.const if self.nargs == 0 else values)])


# ---------------------------------------------------------------- flags


@dataclasses.dataclass(frozen=True)
class Flag:
    """One command-line flag and the keyword argument it sets.

    Attributes:
        names: the option strings (``"--patch-size"``), or one name for a positional.
        dest: the keyword argument of the task or verb it sets.
        kwargs: the rest of ``argparse.add_argument``'s arguments.
        group: flags with the same group are mutually exclusive.
        verbs: the verbs that offer it (default: every verb that takes ``dest``).
        fixed_help: keep ``help`` even where the keyword argument is documented (its words
            are about the flag: ``--model-arg KEY=VALUE``).
        default: the command line's own default, where it differs from the Python one
            (``predict`` writes files to a folder by default); ``{run_dir}`` in it is the
            run folder. Shown in help.
    """

    names: tuple[str, ...]
    dest: str
    kwargs: dict
    group: str | None = None
    default: Any = inspect.Parameter.empty
    verbs: tuple[str, ...] | None = None
    fixed_help: bool = False


def flag(
    *names, dest=None, group=None, default=inspect.Parameter.empty, verbs=None, fixed_help=False, **kwargs
) -> Flag:
    """A :class:`Flag`; ``dest`` defaults to the first name without dashes; ``verbs`` limits where it appears."""
    dest = dest or names[0].lstrip("-").replace("-", "_")
    return Flag(tuple(names), dest, kwargs, group, default, tuple(verbs) if verbs else None, fixed_help)


def model_option(*names, option: str, **kwargs) -> Flag:
    """A flag that sets one builder option: ``--blocks 8`` is ``--model-arg num_blocks=8``.

    With ``const=`` it is a switch: ``model_option("--freeze-encoder", option="train_encoder", const=False)``.
    """
    if "const" not in kwargs:
        kwargs.setdefault("metavar", names[0].lstrip("-").replace("-", "_").upper())
    return flag(*names, dest="model_options", action=_ModelOption, option=option, **kwargs)


def _training_flags() -> list[Flag]:
    """The :class:`~kerasdl.training.TrainConfig` settings as flags (TensorFlow-free)."""
    return [
        flag("--epochs", type=int, help="number of epochs"),
        flag("--steps-per-epoch", type=int, fixed_help=True, help="batches per epoch"),
        flag("--batch-size", type=int, help="examples per batch"),
        flag("--steps-per-execution", type=int, help="training steps per call of the compiled step"),
        flag("--learning-rate", type=float, fixed_help=True, help="peak learning rate (Adam, cosine decay to 1%%)"),
        flag("--warmup-steps", type=int, help="linear learning-rate warm-up steps before the decay"),
        flag(
            "--xla",
            dest="jit_compile",
            action="store_true",
            group="xla",
            fixed_help=True,
            help="compile with XLA (default: on with a GPU)",
        ),
        flag(
            "--no-xla",
            dest="jit_compile",
            action="store_false",
            group="xla",
            fixed_help=True,
            help="turn XLA compilation off",
        ),
        flag(
            "--mixed-precision",
            action="store_true",
            help="mixed precision on GPU (bfloat16 where supported, else float16)",
        ),
        flag("--seed", type=int, help="random seed"),
        flag(
            "--deterministic",
            action="store_true",
            help="deterministic TensorFlow ops: reruns give identical numbers (slower)",
        ),
        flag("--patience", type=int, help="early-stopping patience in epochs, 0 = off"),
        flag("--tensorboard", action="store_true", help="write TensorBoard logs"),
        flag("--time-limit", type=float, metavar="MINUTES", help="stop training after this many minutes"),
        flag(
            "--restart",
            dest="resume",
            action="store_false",
            fixed_help=True,
            help="ignore an interrupted run in --run-dir and start afresh (default: resume it)",
        ),
    ]


def recipe_name(task_class):
    """argparse type of ``--model``: a name the task's ``recipe_for`` takes, else its one-line error."""

    def check(value):
        try:
            task_class.recipe_for(value)
        except UserInputError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        return value

    check.__name__ = "model"  # argparse names the type in some messages
    return check


def _shared_flags(task_class) -> list[Flag]:
    """The flags every app has; an app's own flag with the same option string replaces one."""
    recipes = getattr(task_class, "recipes", {})
    models = "; ".join(f"{name}: {r.summary}" for name, r in recipes.items() if r.summary)
    return [
        flag("--data", help="training data"),
        flag("--val-data", help="validation data; default: held out from --data"),
        flag("--test-data", help="test data for the evaluation; default: the run's held-out test data"),
        flag(
            "--model",
            type=recipe_name(task_class),
            fixed_help=True,
            help=f"the model recipe{': ' + models if models else ''}",
        ),
        flag(
            "--model-arg",
            dest="model_options",
            type=builder_option,
            action="append",
            metavar="KEY=VALUE",
            fixed_help=True,
            help="a builder option over the recipe's, repeatable (e.g. --model-arg dropout=0.1)",
        ),
        flag("--run-dir", help="the training run: checkpoints, logs, records and figures"),
        flag("--model-path", help="a .keras model; default: <run-dir>/best.keras"),
        *_training_flags(),
        flag("--output", help="where the JSON report goes; default: <run-dir>/evaluation.json"),
        flag("--figure", help="where the main figure goes; default: in the run folder"),
        flag("inputs", nargs="+", help="image files or folders (recursive)"),
        flag("--output-dir", default="{run_dir}/predictions", help="where the output images go"),
        flag("--tile", type=positive_int, help="tile side for large images (the result equals whole-image inference)"),
        flag("--export-dir", help="TF Serving model base folder"),
        flag("--version", type=positive_int, help="version number; default: the next free one"),
        flag(
            "--max-pixels",
            type=positive_int,
            help="the largest image (height x width) the served model takes; a bigger one is refused",
        ),
        flag("--no-tflite", dest="tflite", action="store_false", fixed_help=True, help="skip the LiteRT files"),
        flag(
            "--quantize",
            type=quantize_variants,
            metavar="VARIANTS",
            help="quantized LiteRT files beside the float one: dynamic, float16, int8 (comma-separated), "
            "each measured (size, latency, the app's metric) into metadata.json",
        ),
        flag("--quantize-data", help="the data the quantized variants are scored on; default: the run's test data"),
        flag("--integer-io", action="store_true", help="int8 input and output for the int8 file (microcontrollers)"),
        flag(
            "--max-loss",
            type=non_negative_float,
            help="refuse the export when a quantized variant loses more of the app's metric than this "
            "(default: 0.3 dB PSNR, 1 point of accuracy or BLEU)",
        ),
    ]


# ---------------------------------------------------------------- the app's description


@dataclasses.dataclass(frozen=True)
class AppCLI:
    """An app's command line: its task class, its own flags, how results are shown.

    Attributes:
        task: the :class:`~kerasdl.apps.task.Task` subclass.
        flags: the app's own flags (and shared ones it describes differently).
        help: one line per verb, where the app says it better than the first line of the
            verb's docstring.
        show_prediction: ``(input, result) -> line`` printed per prediction (default
            ``input -> result``: a written file's path, say).
        extra_verbs: the app's verbs beyond the shared five (a generator's ``sample``): task
            methods whose keyword arguments become their flags, and which announce their report.
    """

    task: type
    flags: Sequence[Flag] = ()
    help: dict = dataclasses.field(default_factory=dict)
    show_prediction: Callable[[Any, Any], str] = lambda item, result: f"{item} -> {result}"
    extra_verbs: tuple[str, ...] = ()


def _summary(function) -> str:
    """A verb's one-line help: its docstring's first line, reST markup removed."""
    return _plain((inspect.getdoc(function) or "").split("\n", 1)[0]).rstrip(".")


def _parameters(function) -> dict[str, inspect.Parameter]:
    return {
        n: p
        for n, p in inspect.signature(function).parameters.items()
        if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


def _takes_training(function) -> bool:
    return any(p.kind == p.VAR_KEYWORD for p in inspect.signature(function).parameters.values())


_MARKUP = re.compile(r"``([^`]*)``|:\w+:`~?(?:[\w.]*\.)?([^`]*)`")


def _plain(text: str) -> str:
    """``text`` without reST markup: ````code```` and ``:role:`~a.b.Name``` become ``code`` and ``Name``."""
    return _MARKUP.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def documented(obj, section: str = "Args") -> dict[str, str]:
    """``{name: text}`` from a Google-style docstring's ``Args:`` (or ``Attributes:``) section, reST markup removed."""
    found, name, indent = {}, None, None
    lines = (inspect.getdoc(obj) or "").splitlines()
    inside = False
    for line in lines:
        stripped = line.strip()
        if not inside:
            inside = stripped == f"{section}:"
            continue
        if stripped and not line.startswith(" "):  # the next section
            break
        if not stripped:
            continue
        depth = len(line) - len(line.lstrip())
        head, sep, rest = stripped.partition(":")
        if sep and (indent is None or depth <= indent) and head.replace("*", "").isidentifier():
            name, indent = head.lstrip("*"), depth
            found[name] = rest.strip()
        elif name is not None:
            found[name] += " " + stripped
    return {k: re.sub(r"\bNone(?: \(and [^)]*\))?: ", "not given: ", _plain(v)) for k, v in found.items()}


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A keyword argument a command passes on: its Python default and its documentation."""

    default: Any
    doc: str = ""


def verb_parameters(task_class, verb: str) -> dict[str, Parameter]:
    """The keyword arguments a verb's command takes (the task's constructor's too), with defaults and docs.

    The docs are the verb's (or the class's, for the constructor) ``Args:`` entries, and
    :class:`~kerasdl.training.TrainConfig`'s ``Attributes:`` for the training settings.
    """
    from kerasdl.training.config import TrainConfig

    def named(function, owner=None):
        docs = documented(owner or function)
        return {n: Parameter(p.default, docs.get(n, "")) for n, p in _parameters(function).items()}

    if verb == "train":
        found = {**named(task_class.__init__, task_class), **named(task_class.train)}
        if _takes_training(task_class.train):
            defaults = {**dataclasses.asdict(TrainConfig()), **_recipe_training(task_class)}
            docs = documented(TrainConfig, "Attributes")
            found.update({n: Parameter(defaults[n], docs.get(n, "")) for n in TrainConfig.field_names() - {"verbose"}})
        return found
    if verb == "run":
        found = {**named(task_class.__init__, task_class), **named(task_class.run)}
        for other in ("train", "evaluate", "export"):
            found.update(
                {n: p for n, p in verb_parameters(task_class, other).items() if n not in NOT_IN_RUN | set(found)}
            )
        return found
    if verb in task_class.fresh_verbs:  # needs no trained model: built from the constructor
        found = {**named(task_class.__init__, task_class), **named(getattr(task_class, verb))}
        if _takes_training(getattr(task_class, verb)):  # training settings, at the verb's own defaults
            docs = documented(TrainConfig, "Attributes")
            found.update({n: Parameter(None, docs.get(n, "")) for n in TrainConfig.field_names() - {"verbose"}})
        return found
    found = {n: Parameter(None, documented(task_class.from_run).get(n, "")) for n in LOADING}
    found.update(named(getattr(task_class, verb)))
    if verb == "export":  # the app's export settings: its _serving's keyword arguments
        found.update(named(task_class._serving))
    return found


def _recipe_training(task_class) -> dict:
    recipe = task_class.recipes.get(task_class.default_model) if task_class.recipes else None
    return dict(recipe.training) if recipe else {}


def _default_text(value) -> str | None:
    if value is inspect.Parameter.empty or value is None or isinstance(value, bool):
        return None
    if isinstance(value, (str, pathlib.PurePath)):
        return str(value).replace("{run_dir}", "<run-dir>") or None
    return repr(value) if not isinstance(value, (int, float)) else str(value)


def _add_flag(parser, groups, item: Flag, parameter: Parameter, *, own: bool) -> None:
    """Adds one flag; its help is the app's own words, else the keyword argument's docs, else the shared words."""
    kwargs = dict(item.kwargs)
    if item.default is not inspect.Parameter.empty:
        kwargs["default"] = item.default
    if parameter.doc and not (own and "help" in kwargs) and not item.fixed_help:
        kwargs["help"] = parameter.doc.rstrip(".").replace("%", "%%")
    shown = _default_text(item.default if item.default is not inspect.Parameter.empty else parameter.default)
    if item.dest == "steps_per_epoch" and parameter.default is None:
        shown = "one pass over the training data"
    text = kwargs.get("help", "")
    if shown and "default" not in text.lower() and kwargs.get("action") not in ("store_true", "store_false"):
        kwargs["help"] = f"{text} (default: {shown.replace('%', '%%')})"
    target = parser
    if item.group:
        if item.group not in groups:
            groups[item.group] = parser.add_mutually_exclusive_group()
        target = groups[item.group]
    if item.names[0].startswith("-"):
        target.add_argument(*item.names, dest=item.dest, **kwargs)
    else:
        target.add_argument(item.dest, **kwargs)


def _offered(item: Flag, verb: str, parameters) -> bool:
    """Whether ``verb`` offers the flag: it takes its keyword argument, and the flag is not kept to other verbs."""
    return item.dest in parameters and (item.verbs is None or verb in item.verbs)


def add_verb_parsers(subparsers, app: AppCLI) -> None:
    """Adds ``train``, ``evaluate``, ``predict``, ``export``, ``run`` and the app's own verbs for one app."""
    shared = _shared_flags(app.task)
    for verb in VERBS + tuple(app.extra_verbs):
        text = app.help.get(verb) or _summary(getattr(app.task, verb))
        p = subparsers.add_parser(verb, help=text, description=text, argument_default=argparse.SUPPRESS)
        parameters = verb_parameters(app.task, verb)
        own = [f for f in app.flags if _offered(f, verb, parameters)]
        own_names = {n for f in own for n in f.names}
        groups: dict = {}
        for item in own:
            _add_flag(p, groups, item, parameters[item.dest], own=True)
        for item in shared:
            if _offered(item, verb, parameters) and not set(item.names) & own_names:
                _add_flag(p, groups, item, parameters[item.dest], own=False)
        p.set_defaults(command=verb)


# ---------------------------------------------------------------- running a parsed command


def _options(namespace: dict) -> dict:
    options = {k: v for k, v in namespace.items() if k not in ("app", "command")}
    if "model_options" in options:
        options["model_options"] = dict(options["model_options"])
    return options


def _pick(function, options: dict, *, training=False) -> dict:
    from kerasdl.apps.task import accepted

    return accepted(function, options, training=training)


def dispatch(app: AppCLI, namespace: dict, command_line: str) -> int:
    """Runs one parsed command: builds or loads the task, calls the verb, prints the result."""
    task_class, verb = app.task, namespace["command"]
    options = _options(namespace)
    if verb in ("train", "run", *task_class.fresh_verbs):
        task = task_class(**_pick(task_class.__init__, options))
        rest = {k: v for k, v in options.items() if k not in _parameters(task_class.__init__)}
    else:
        task = task_class.from_run(options.pop("run_dir", None), model_path=options.pop("model_path", None))
        rest = options
    task.command = command_line
    task.reporter = show_report
    rest = {
        k: v.format(run_dir=task.run_dir) if isinstance(v, str) and "{run_dir}" in v else v for k, v in rest.items()
    }
    if verb == "run":
        result = task.run(**rest)
    elif verb == "export":
        result = task.export(**_pick(task.export, rest), **_pick(task._serving, rest))
    else:
        function = getattr(task, verb)
        result = function(**_pick(function, rest, training=verb == "train" or _takes_training(function)))
    if verb == "predict":
        for item, value in zip(result.inputs, result):
            print(app.show_prediction(item, value))
        sys.stdout.flush()
    elif verb == "run":
        show_report(result)
    return 0


def show_report(report) -> None:
    """Prints a report: the evaluation's table first, then its title line and ``what: path`` lines."""
    table = getattr(report, "table", None)
    if table:
        print(table)
    print(f"\n{report.title}")
    width = max((len(k) for k in report.files), default=0)
    for name, value in report.files.items():
        print(f"  {name:<{width}}  {value}")
    sys.stdout.flush()
