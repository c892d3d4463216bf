"""The shared app test harness: every registered app through the same checks, as keras-hub's ``run_task_test``.

An app describes itself with an :class:`AppCase` in ``tests/apps/cases/<app>.py`` (tiny
settings, tiny data, inputs to predict, bad data); ``tests/apps/test_app_harness.py`` runs, for
every app in the registry:

- the Python API: ``train`` -> ``evaluate`` -> ``predict`` -> ``export`` -> ``from_run`` ->
  ``kerasdl.load``, with the reloaded and the served model giving the in-process predictions;
- the command line on the same run: ``evaluate``, ``predict``, ``export``;
- the bad-input matrix: missing, empty, corrupt and wrong-type data, bad flag values, an
  unwritable run folder, a missing predict input: exit code 2, one line, nothing written.
"""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
from collections.abc import Callable
from typing import Any

from tests.helpers import files_under


@dataclasses.dataclass(frozen=True)
class AppCase:
    """How the harness drives one app.

    Attributes:
        app: the registry name.
        init: tiny constructor arguments.
        train: tiny ``train`` arguments (training settings included).
        flags: the same tiny settings as command-line flags (for ``train``).
        make_data: writes tiny training data under a folder and returns what ``data=`` /
            ``--data`` takes (None: the app's embedded default).
        make_inputs: writes or returns what ``predict`` takes (files or strings), as a list.
        bad_data: ``{kind: (make(folder) -> data_flag's value, fragment of the one-line error)}``:
            at least ``missing``, ``empty``, ``corrupt`` and ``wrong type``.
        compare: asserts that two predictions of the same input agree (the in-process one
            first, the served model's second); default: equal.
        evaluate: ``evaluate`` arguments that keep the harness quick (fewer baselines).
        evaluate_flags: the same as flags of ``kerasdl <app> evaluate``.
        predict_flags: extra flags of ``kerasdl <app> predict`` (where its outputs go).
        missing_input: ``predict`` arguments that name an input file that is not there.
        quantize: the quantized LiteRT variants the harness exports (``--quantize``): int8
            unless the app's model refuses it; None where the app's own tests export and score
            them already and the harness's export would repeat a slow metric.
        data_flag: the ``train`` flag that ``bad_data``'s values (and ``make_data``'s, when not
            None) are given with: ``--data`` unless the app learns from something else (play
            collects its own data from the environment named by ``--env``).
    """

    app: str
    init: dict
    train: dict
    flags: list[str]
    make_data: Callable[[pathlib.Path], Any]
    make_inputs: Callable[[pathlib.Path], list]
    bad_data: dict[str, tuple[Callable[[pathlib.Path], Any], str]]
    compare: Callable[[Any, Any], None] = dataclasses.field(default=lambda ours, served: _assert_equal(ours, served))
    evaluate: dict = dataclasses.field(default_factory=dict)
    evaluate_flags: tuple[str, ...] = ()
    predict_flags: tuple[str, ...] = ()
    missing_input: tuple[str, ...] = ("no_such_input.file",)
    data_flag: str = "--data"
    quantize: str | None = "int8"


REQUIRED_BAD_DATA = ("missing", "empty", "corrupt", "wrong type")


def _assert_equal(ours, served):
    assert ours == served, f"{ours!r} != {served!r}"


def assert_same_label(ours, served):
    """A classifier's two predictions agree: the same label, the probability within 1e-4."""
    assert ours["label"] == served["label"]
    assert abs(ours["probability"] - served["probability"]) <= 1e-4, (ours, served)


def case_for(app: str) -> AppCase:
    """The :class:`AppCase` of ``app`` from ``tests/apps/cases/<app>.py`` (its ``CASE``)."""
    return importlib.import_module(f"tests.apps.cases.{app}").CASE


def assert_rejected(cli, work: pathlib.Path, argv, *fragments) -> str:
    """The command exits with code 2 and one ``error:`` line holding ``fragments``, writing nothing in ``work``."""
    before = files_under(work)
    code, out, err = cli([str(a) for a in argv])
    lines = err.splitlines()
    assert code == 2, f"exit code {code}; stderr: {err!r}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected one error line, got: {err!r}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert "Traceback" not in out + err
    assert files_under(work) == before, f"files written: {sorted(files_under(work) - before)}"
    return lines[0]
