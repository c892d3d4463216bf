"""``run`` on a cluster: every worker trains, worker 0 alone evaluates and exports."""

import json

import pytest

from kerasdl.apps.reports import RunReport
from kerasdl.apps.task import Task


class Recorder(Task):
    name = "recorder"

    def __init__(self):
        self.calls = []

    def train(self, data=None, **options):
        self.calls.append("train")
        return type("Trained", (), {"files": {"best model": "runs/x/best.keras", "learning curves": "c.png"}})()

    def evaluate(self, data=None, **options):
        self.calls.append("evaluate")
        return type("Evaluated", (), {"files": {}, "headline": "fine"})()

    def export(self, export_dir="saved_models", *, tflite=True, **options):
        self.calls.append("export")
        return type("Exported", (), {"path": "saved_models/recorder/1", "tflite_path": None})()

    def _serving(self):  # pragma: no cover - not reached
        raise NotImplementedError


@pytest.mark.parametrize(("index", "expected"), [(0, ["train", "evaluate", "export"]), (1, ["train"])])
def test_only_worker_0_evaluates_and_exports(monkeypatch, index, expected):
    cluster = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", "index": index}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    task = Recorder()
    report = task.run()
    assert task.calls == expected and isinstance(report, RunReport)
    if index:
        assert report.evaluation is None and report.export is None and "worker 0" in report.title
