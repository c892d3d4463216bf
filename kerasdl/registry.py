"""Model and app registries: register by decorator, look up by name, list by pattern.

Follows torchvision's and timm's registries: names are unique, an unknown name raises a
``ValueError`` that suggests close matches.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
from collections.abc import Callable
from typing import Any


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
    """A registered app: its command name and the object that runs its commands."""

    name: str
    app: Any

    @property
    def summary(self) -> str:
        doc = (getattr(self.app, "__doc__", None) or "").strip()
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
        family: the family shown by ``kerasdl models list`` (e.g. ``"super_resolution"``).

    Returns:
        The decorator; it returns the builder unchanged.

    Raises:
        ValueError: if the name is already registered.
    """

    def decorate(builder: Callable) -> Callable:
        key = name or builder.__name__
        if key in _MODELS:
            raise ValueError(f"A model named {key!r} is already registered; Received: name={key!r}")
        _MODELS[key] = ModelEntry(key, family, builder)
        return builder

    return decorate


def _load_builders() -> None:
    # Builders register themselves on import; importing here keeps `kerasdl` light to import.
    importlib.import_module("kerasdl.models")


def model_entry(name: str) -> ModelEntry:
    """Returns the registry entry for ``name`` or raises ``ValueError`` with suggestions."""
    _load_builders()
    if name not in _MODELS:
        raise _unknown("model", name, list(_MODELS))
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
    """Sorted registered model names matching a glob ``pattern`` (and ``family`` if given)."""
    _load_builders()
    return sorted(n for n, e in _MODELS.items() if fnmatch.fnmatch(n, pattern) and family in (None, e.family))


def register_app(name: str) -> Callable:
    """Decorator that adds an app (an object with ``add_arguments`` and ``run``) to the app registry."""

    def decorate(app: Any) -> Any:
        if name in _APPS:
            raise ValueError(f"An app named {name!r} is already registered; Received: name={name!r}")
        _APPS[name] = AppEntry(name, app)
        return app

    return decorate


def _load_apps() -> None:
    from kerasdl.apps import APP_PACKAGES

    for package in APP_PACKAGES:
        importlib.import_module(f"kerasdl.apps.{package}")


def get_app(name: str) -> Any:
    """Returns the registered app called ``name`` or raises ``ValueError`` with suggestions."""
    _load_apps()
    if name not in _APPS:
        raise _unknown("app", name, list(_APPS))
    return _APPS[name].app


def list_apps() -> list[str]:
    """Sorted registered app names."""
    _load_apps()
    return sorted(_APPS)
