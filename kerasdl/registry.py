"""Model and app registries: register by decorator, look up by name, list by pattern.

Follows torchvision's and timm's registries: names are unique, an unknown name raises a
``ValueError`` that suggests close matches. kerasdl's own builders are listed in ``BUILDERS``
with the module that defines them, so listing imports no builder (nor Keras) and looking a
name up imports only its module.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import fnmatch
import importlib
import importlib.machinery
import importlib.util
from collections.abc import Callable
from typing import Any

# Every builder kerasdl ships: registry name -> the module that defines (and registers) it.
# A builder's family is its folder under kerasdl/models/; tests check this table against
# what the modules register.
BUILDERS: dict[str, str] = {
    "bag_of_ngrams_classifier": "kerasdl.models.sequence.bag_of_ngrams",
    "rnn_classifier": "kerasdl.models.sequence.recurrent",
    "text_cnn_classifier": "kerasdl.models.sequence.convolutional",
    "transformer_classifier": "kerasdl.models.sequence.transformer",
    "bert": "kerasdl.models.language.bert",
    "gpt": "kerasdl.models.language.gpt",
    "skipgram": "kerasdl.models.language.skipgram",
    "rnn_seq2seq": "kerasdl.models.seq2seq.rnn",
    "transformer_seq2seq": "kerasdl.models.seq2seq.transformer",
    "show_attend_tell": "kerasdl.models.captioning.show_attend_tell",
    "transformer_captioner": "kerasdl.models.captioning.transformer",
    "conv_autoencoder": "kerasdl.models.generative.autoencoders",
    "dense_autoencoder": "kerasdl.models.generative.autoencoders",
    "denoising_autoencoder": "kerasdl.models.generative.autoencoders",
    "sparse_autoencoder": "kerasdl.models.generative.autoencoders",
    "cgan": "kerasdl.models.generative.adversarial",
    "dcgan": "kerasdl.models.generative.adversarial",
    "gan": "kerasdl.models.generative.adversarial",
    "cvae": "kerasdl.models.generative.variational",
    "vae": "kerasdl.models.generative.variational",
    "dncnn": "kerasdl.models.restoration.denoising",
    "edsr": "kerasdl.models.restoration.super_resolution",
    "espcn": "kerasdl.models.restoration.super_resolution",
    "srcnn": "kerasdl.models.restoration.super_resolution",
    "dqn": "kerasdl.models.rl.q_networks",
    "q_network": "kerasdl.models.rl.q_networks",
    "unet": "kerasdl.models.segmentation.unet",
    "yolo": "kerasdl.models.detection.yolo",
    "alexnet": "kerasdl.models.vision.classic",
    "lenet5": "kerasdl.models.vision.classic",
    "mlp": "kerasdl.models.vision.classic",
    "googlenet": "kerasdl.models.vision.googlenet",
    "inception_v3": "kerasdl.models.vision.inception_v3",
    "mobilenet": "kerasdl.models.vision.mobilenet",
    "mobilenet_v2": "kerasdl.models.vision.mobilenet",
    "resnet18": "kerasdl.models.vision.resnet",
    "resnet34": "kerasdl.models.vision.resnet",
    "resnet50": "kerasdl.models.vision.resnet",
    "resnet101": "kerasdl.models.vision.resnet",
    "resnet152": "kerasdl.models.vision.resnet",
    "vgg11": "kerasdl.models.vision.vgg",
    "vgg13": "kerasdl.models.vision.vgg",
    "vgg16": "kerasdl.models.vision.vgg",
    "vgg19": "kerasdl.models.vision.vgg",
    "fast_stylizer": "kerasdl.models.style.transformation",
    "srresnet": "kerasdl.models.restoration.super_resolution",
    "srgan_discriminator": "kerasdl.models.restoration.super_resolution",
    "pix2pix_generator": "kerasdl.models.image_translation.pix2pix",
    "patchgan_discriminator": "kerasdl.models.image_translation.pix2pix",
    "cyclegan_generator": "kerasdl.models.image_translation.cyclegan",
    "pix2pix": "kerasdl.models.image_translation.training",
    "cyclegan": "kerasdl.models.image_translation.training",
    "srgan": "kerasdl.models.image_translation.training",
}


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A registered builder: its name, family, and the function that builds it."""

    name: str
    family: str
    builder: Callable[..., Any]

    @property
    def summary(self) -> str:
        """The first line of the builder's docstring."""
        doc = (self.builder.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


@dataclasses.dataclass(frozen=True)
class AppEntry:
    """A registered app: its name, other names it answers to, and its command line.

    Attributes:
        name: the app's name (its package name: ``super_resolution``).
        cli: its :class:`~kerasdl.apps.cli.AppCLI` (task class, flags).
    """

    name: str
    cli: Any

    @property
    def task(self) -> type:
        """The app's :class:`~kerasdl.apps.task.Task` class."""
        return self.cli.task

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(self.cli.task.aliases)

    @property
    def summary(self) -> str:
        doc = (self.task.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


_MODELS: dict[str, ModelEntry] = {}
_APPS: dict[str, AppEntry] = {}


def _unknown(kind: str, name: str, known: list[str]) -> ValueError:
    by_lower = {k.lower(): k for k in known}
    close = [by_lower[m] for m in difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.5)]
    hint = f" Did you mean: {', '.join(close)}?" if close else f" Known: {', '.join(sorted(known))}."
    return ValueError(f"Unknown {kind} name; Received: name={name!r}.{hint}")


def register_model(name: str | None = None, *, family: str) -> Callable:
    """Decorator that adds a builder to the model registry.

    Args:
        name: registry name; defaults to the function's name.
        family: the family shown by ``kerasdl models list``. kerasdl's own builders use their
            folder under ``kerasdl/models/`` (e.g. ``"restoration"``).

    Returns:
        The decorator; it returns the builder unchanged.

    Raises:
        ValueError: if the name is already registered, or is one of kerasdl's builders.
    """

    def decorate(builder: Callable) -> Callable:
        key = name or builder.__name__
        if key in _MODELS or (key in BUILDERS and builder.__module__ != BUILDERS[key]):
            raise ValueError(f"A model named {key!r} is already registered; Received: name={key!r}")
        _MODELS[key] = ModelEntry(key, family, builder)
        return builder

    return decorate


def _folder(module: str) -> str:
    """The family of a kerasdl builder: ``kerasdl.models.<folder>.<file>`` -> ``<folder>``."""
    return module.split(".")[2]


def _families() -> dict[str, str]:
    """Every model name, kerasdl's and those registered at run time, with its family."""
    families = {name: entry.family for name, entry in _MODELS.items()}
    families.update((name, _folder(module)) for name, module in BUILDERS.items())
    return families


def import_all_builders() -> None:
    """Imports every module in ``BUILDERS``, so that all of kerasdl's builders are registered."""
    for module in sorted(set(BUILDERS.values())):
        importlib.import_module(module)


def model_entry(name: str) -> ModelEntry:
    """Returns the registry entry for ``name`` or raises ``ValueError`` with suggestions.

    Imports only the module that defines ``name``.
    """
    if name not in _MODELS and name in BUILDERS:
        importlib.import_module(BUILDERS[name])
        if name not in _MODELS:
            raise RuntimeError(
                f"kerasdl.registry.BUILDERS says {BUILDERS[name]} registers {name!r}, but importing it did not"
            )
    if name not in _MODELS:
        raise _unknown("model", name, list(_families()))
    return _MODELS[name]


def get_model(name: str, **kwargs: Any):
    """Builds a registered model by name.

    Args:
        name: a name from ``list_models()``.
        **kwargs: keyword arguments of that builder.

    Returns:
        A ``keras.Model``.

    Example:
        >>> model = get_model("espcn", scale=2)
    """
    return model_entry(name).builder(**kwargs)


def list_models(pattern: str = "*", *, family: str | None = None) -> list[str]:
    """Sorted model names matching a glob ``pattern`` (and ``family`` if given); imports no builder."""
    return sorted(n for n, f in _families().items() if fnmatch.fnmatch(n, pattern) and family in (None, f))


def _source_file(module: str) -> str:
    """The source file of ``module``, found without importing it or its packages.

    ``importlib.util.find_spec("a.b.c")`` would import ``a.b``, and a family's package
    imports all its builders; so each level is looked up in its parent's folders instead.
    """
    parts = module.split(".")
    spec = importlib.util.find_spec(parts[0])  # kerasdl itself, already imported
    for end in range(2, len(parts) + 1):
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:end]), spec.submodule_search_locations)
    return spec.origin


def _source_summary(name: str, module: str) -> str:
    """The first docstring line of builder ``name``, read from ``module``'s source without importing it."""
    path = _source_file(module)
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read(), filename=path)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and _registered_name(node) == name:
            doc = ast.get_docstring(node)
            return doc.splitlines()[0] if doc else ""
    return ""


def _registered_name(function: ast.FunctionDef) -> str | None:
    """The name a ``@register_model(...)`` decorator gives ``function``; None when it has none."""
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "register_model":
            named = decorator.args[:1] or [k.value for k in decorator.keywords if k.arg == "name"]
            return named[0].value if named and isinstance(named[0], ast.Constant) else function.name
    return None


def format_model_table(pattern: str = "*", *, family: str | None = None, parameters: bool = False) -> str:
    """The table ``kerasdl models list`` prints: name, family, [parameters,] description.

    Args:
        pattern: glob on names, e.g. ``"edsr*"``.
        family: only this family, if given.
        parameters: also count each model's parameters at its default arguments. This builds
            every listed model (slow); without it nothing is imported, Keras included.

    Returns:
        The table as text, one model a line after the header, without a final newline.
    """
    header = ("name", "family", "parameters", "description") if parameters else ("name", "family", "description")
    families = _families()
    rows = []
    for name in list_models(pattern, family=family):
        summary = _MODELS[name].summary if name in _MODELS else _source_summary(name, BUILDERS[name])
        counts = (f"{model_entry(name).builder().count_params():,}",) if parameters else ()
        rows.append((name, families[name], *counts, summary))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    aligns = ("<", "<", ">")  # name and family to the left, parameter counts to the right
    lines = []
    for row in [header, *rows]:
        cells = [f"{cell:{align}{width}}" for cell, align, width in zip(row, aligns, widths)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def register_app(cli) -> None:
    """Adds an app to the app registry: an :class:`~kerasdl.apps.cli.AppCLI` around a task class.

    kerasdl's own apps are found from ``kerasdl.apps.APP_PACKAGES`` (each package's ``cli``
    module holds its ``CLI``); register your own task the same way.

    Raises:
        ValueError: the name or one of its aliases is taken.
    """
    task = cli.task
    taken = {name for entry in _APPS.values() for name in (entry.name, *entry.aliases)}
    clash = sorted({task.name, *task.aliases} & taken)
    if clash:
        raise ValueError(f"An app named {clash[0]!r} is already registered; Received: name={task.name!r}")
    _APPS[task.name] = AppEntry(task.name, cli)


def _load_apps() -> None:
    from kerasdl.apps import APP_PACKAGES

    for package in APP_PACKAGES:
        if package not in _APPS:
            register_app(importlib.import_module(f"kerasdl.apps.{package}.cli").CLI)


def app_entry(name: str) -> AppEntry:
    """The registered app called ``name`` (or one of its aliases); ``ValueError`` with suggestions otherwise."""
    _load_apps()
    for entry in _APPS.values():
        if name == entry.name or name in entry.aliases:
            return entry
    raise _unknown("app", name, [n for e in _APPS.values() for n in (e.name, *e.aliases)])


def get_app(name: str) -> type:
    """The task class of the app called ``name`` (or an alias): ``get_app("sr")`` is ``SuperResolution``."""
    return app_entry(name).task


def list_apps() -> list[str]:
    """Sorted registered app names (not aliases)."""
    _load_apps()
    return sorted(_APPS)
