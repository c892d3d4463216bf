"""Every registered app through the same checks (see ``tests/app_testing.py``): Python API, CLI, bad input."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

import kerasdl
from kerasdl.apps.reports import EvaluationReport, Predictions, TrainReport
from kerasdl.files import dumps
from kerasdl.registry import get_app, list_apps
from tests.app_testing import REQUIRED_BAD_DATA, assert_rejected, case_for
from tests.helpers import files_under, quiet_cli

APPS = list_apps()


def test_every_app_has_a_case():
    cases = {p.stem for p in (pathlib.Path(__file__).parent / "cases").glob("*.py") if p.stem != "__init__"}
    assert set(APPS) <= cases, f"apps without tests/apps/cases/<app>.py: {sorted(set(APPS) - cases)}"
    for app in APPS:
        case = case_for(app)
        assert case.app == app and set(REQUIRED_BAD_DATA) <= set(case.bad_data)


# ---------------------------------------------------------------- the Python API, end to end


@pytest.fixture(scope="module", params=APPS)
def trained(request, tmp_path_factory, kerasdl_cache):
    """One tiny run per app through the Python API: train, evaluate, predict, export."""
    case = case_for(request.param)
    root = tmp_path_factory.mktemp(f"harness_{case.app}")
    with pytest.MonkeyPatch.context() as mp, quiet_cli():
        mp.setenv("KERASDL_CACHE", str(kerasdl_cache))
        mp.delenv("TF_CONFIG", raising=False)
        task = get_app(case.app)(**case.init, run_dir=root / "run")
        data, inputs = case.make_data(root), case.make_inputs(root)
        trained_report = task.train(data, **case.train)
        evaluation = task.evaluate(**case.evaluate)
        predictions = task.predict(inputs)
        exported = task.export(root / "models", tflite=False)  # the CLI export below writes the LiteRT files
    return {
        "case": case,
        "root": root,
        "task": task,
        "inputs": inputs,
        "train": trained_report,
        "evaluation": evaluation,
        "predictions": predictions,
        "export": exported,
    }


@pytest.mark.slow
def test_python_api_reports(trained):
    task, train, evaluation = trained["task"], trained["train"], trained["evaluation"]
    assert isinstance(train, TrainReport) and train.app == task.name and train.parameters > 0
    assert train.epochs_run >= 1 and train.files["best model"].is_file()
    assert isinstance(evaluation, EvaluationReport) and evaluation.headline and evaluation.table
    assert evaluation.files["report"] == task.run_dir / "evaluation.json"
    assert json.loads(evaluation.files["report"].read_text()) == json.loads(dumps(evaluation.metrics))
    for path in evaluation.files.values():
        assert pathlib.Path(path).is_file(), path
    for report in (train, evaluation):  # plain data, JSON all the way down
        assert json.loads(report.to_json()) == report.to_dict()
    record = json.loads((task.run_dir / "task.json").read_text())
    assert record["app"] == task.name and set(record) == {"app", "init", "state"}


@pytest.mark.slow
def test_predictions_are_one_per_input(trained):
    predictions, inputs = trained["predictions"], trained["inputs"]
    assert isinstance(predictions, Predictions) and len(predictions) == len(predictions.inputs) >= len(inputs)


@pytest.mark.slow
def test_reloaded_run_predicts_the_same(trained):
    case, task = trained["case"], trained["task"]
    again = type(task).from_run(task.run_dir)
    assert again.model is not None and again.state == json.loads(dumps(task.state))
    for ours, reloaded in zip(trained["predictions"], again.predict(trained["inputs"])):
        case.compare(ours, reloaded)


@pytest.mark.slow
def test_export_and_served_model(trained):
    case, exported = trained["case"], trained["export"]
    assert exported.path == trained["root"] / "models" / trained["task"].name / "1"
    assert {"saved_model.pb", "metadata.json"} <= files_under(exported.path)
    assert not [p for p in files_under(exported.path.parent) if "tmp" in p]
    meta = json.loads((exported.path / "metadata.json").read_text())
    assert meta["app"] == trained["task"].name and meta["model"] == trained["task"].model_name
    assert meta["metrics"] is not None and json.loads(json.dumps(exported.to_dict()))["version"] == 1
    served = kerasdl.load(exported.path)
    assert served.app == trained["task"].name
    results = served(trained["inputs"])
    assert len(results) == len(trained["predictions"])
    for ours, theirs in zip(trained["predictions"], results):
        case.compare(ours, theirs)
    assert kerasdl.load(exported.path.parent).path == exported.path  # the app folder: its newest version


# ---------------------------------------------------------------- the command line on the same run


@pytest.mark.slow
def test_cli_evaluate_and_predict(trained, chdir_tmp, cli):
    case, run_dir, name = trained["case"], trained["task"].run_dir, trained["task"].name
    code, out, err = cli([name, "evaluate", "--run-dir", run_dir, "--output", "again.json", *case.evaluate_flags])
    assert code == 0, err
    assert json.loads((chdir_tmp / "again.json").read_text()).keys() == trained["evaluation"].metrics.keys()
    assert "Evaluation" in out and "Traceback" not in out + err
    inputs = [str(i) for i in trained["inputs"]]
    code, out, err = cli([name, "predict", *inputs, "--run-dir", run_dir, *case.predict_flags])
    assert code == 0, err
    assert len([line for line in out.splitlines() if line.strip()]) >= len(inputs)
    assert_rejected(
        cli,
        chdir_tmp,
        [name, "predict", *case.missing_input, "--run-dir", run_dir, *case.predict_flags],
        case.missing_input[-1],
    )


@pytest.mark.slow
def test_cli_export_with_the_quantized_variants_scored_by_the_apps_metric(trained, chdir_tmp, cli):
    """Every app exports from the command line, with a quantized file scored by the app's own metric.

    int8 where the app's model takes it; apps whose own tests export and score their quantized
    variants (a slow metric) export without LiteRT files here.
    """
    case, run_dir, name = trained["case"], trained["task"].run_dir, trained["task"].name
    variant = case.quantize
    # A tiny model: measure, do not refuse.
    flags = ["--quantize", variant, "--max-loss", "1e9"] if variant else ["--no-tflite"]
    code, out, err = cli([name, "export", "--run-dir", run_dir, "--export-dir", "exports", *flags])
    assert code == 0, err
    version = chdir_tmp / "exports" / name / "1"
    assert (version / "metadata.json").is_file()
    if variant is None:  # tests/apps/test_<app>.py exports and scores the quantized variants
        assert not list(version.glob("*.tflite"))
        return
    litert = json.loads((version / "metadata.json").read_text())["litert"]
    metric = litert["metric"]
    assert set(litert["variants"]) == {"none", variant} and metric in litert["keras"]
    for entry in litert["variants"].values():
        assert entry["parity_max_abs_diff"] <= entry["parity_tolerance"] and metric in entry
    assert (version / f"model_{variant}.tflite").is_file()
    assert "LiteRT variants" in out and f"model_{variant}.tflite" in out


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("app", APPS)
def test_bad_data(app, chdir_tmp, cli, tmp_path):
    case = case_for(app)
    for kind, (make, fragment) in case.bad_data.items():
        data = make(tmp_path / kind.replace(" ", "_"))
        assert_rejected(cli, chdir_tmp, [app, "train", *case.flags, case.data_flag, data], fragment)


@pytest.mark.parametrize("app", APPS)
def test_bad_flags(app, chdir_tmp, cli):
    case = case_for(app)
    for extra, fragment in (
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--learning-rate", "-1"], "--learning-rate must be positive"),
        (["--model", "no_such_model"], "no_such_model"),
        (["--epochs", "two"], "--epochs"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ):
        assert_rejected(cli, chdir_tmp, [app, "train", *case.flags, *extra], fragment)
    assert_rejected(cli, chdir_tmp, [app, "fly"], "invalid choice: 'fly'")


@pytest.mark.parametrize("app", APPS)
def test_unwritable_run_folder(app, chdir_tmp, cli, tmp_path):
    case = case_for(app)
    (chdir_tmp / "blocker").write_text("a file where the run folder should go")
    data = case.make_data(tmp_path)
    argv = [app, "train", *case.flags, "--run-dir", "blocker/run"] + (
        [case.data_flag, data] if data is not None else []
    )
    assert_rejected(cli, chdir_tmp, argv, "cannot write to folder", "blocker")


def test_help_and_flag_errors_answer_before_tensorflow_loads():
    script = (
        "import contextlib, io, sys\n"
        "from kerasdl.cli import build_parser, main\n"
        "from kerasdl.registry import list_apps\n"
        "for app in list_apps():\n"
        "    for verb in ('train', 'evaluate', 'predict', 'export', 'run'):\n"
        "        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "            build_parser().parse_args([app, verb, '--help'])\n"
        "    with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.suppress(SystemExit):\n"
        "        main([app, 'train', '--epochs', 'two'])\n"
        "    assert '--epochs' in err.getvalue(), err.getvalue()\n"
        "loaded = sorted(m for m in ('tensorflow', 'keras', 'keras_hub') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
        "print('ok', len(list_apps()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", str(len(APPS))]


def test_python_api_errors_are_plain_exceptions(tmp_path):
    from kerasdl.errors import UserInputError

    for app in APPS:
        task = get_app(app)(run_dir=tmp_path / app)
        with pytest.raises(UserInputError, match="no trained model"):
            task.predict(case_for(app).make_inputs(tmp_path))
        with pytest.raises(UserInputError, match="no trained model"):
            get_app(app).from_run(tmp_path / "nowhere")
