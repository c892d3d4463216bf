"""Pieces every app's commands share: loading a trained model, reporting where outputs went."""

from __future__ import annotations

import argparse
import ast
import pathlib
import sys

from kerasdl.errors import UserInputError


def load_trained_model(path):
    """Loads a ``.keras`` file (safe mode), with one-line errors for missing or broken files."""
    import keras

    import kerasdl.layers  # noqa: F401  (registers kerasdl's serialisable layers and metrics)
    import kerasdl.metrics.image_quality  # noqa: F401

    path = pathlib.Path(path)
    if not path.is_file():
        raise UserInputError(f"no trained model at {path}; train one first or pass --model-path")
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as err:  # keras raises many types for a damaged archive
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserInputError(f"cannot load model {path}: {first}") from None


def positive_int(value):
    """argparse type: a positive integer, else a one-line usage error."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
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


def add_model_path(p, default_run_dir) -> None:
    """``--run-dir`` and ``--model-path``, the flags of every command that loads a trained model."""
    p.add_argument("--run-dir", default=str(default_run_dir), help="the training run (default: %(default)s)")
    p.add_argument("--model-path", help="a .keras model; default: <run-dir>/best.keras")


def model_path(args) -> pathlib.Path:
    """``--model-path``, or the best checkpoint in ``--run-dir``."""
    return pathlib.Path(args.model_path) if args.model_path else pathlib.Path(args.run_dir) / "best.keras"


def report(title: str, outputs: dict) -> None:
    """Prints where everything is: a title line, then ``name: path`` lines."""
    print(f"\n{title}")
    width = max(len(k) for k in outputs) if outputs else 0
    for name, value in outputs.items():
        print(f"  {name:<{width}}  {value}")
    sys.stdout.flush()


def add_commands(subparsers, commands: dict) -> None:
    """Adds an app's sub-commands to an argparse sub-parser group.

    Args:
        subparsers: from ``parser.add_subparsers()``.
        commands: ``{name: (add_arguments, function, help)}``; each parser gets
            ``func=function`` and ``command=name`` as defaults.
    """
    for name, (add_arguments, func, help_text) in commands.items():
        p = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.set_defaults(func=func, command=name)
