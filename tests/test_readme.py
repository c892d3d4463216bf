"""The README's Python API examples run as written, on tiny data, with each app's tiny settings forced in."""

from __future__ import annotations

import functools
import pathlib
import re

import pytest

from kerasdl.apps import annotated_images
from kerasdl.apps.task import Task
from kerasdl.data.digit_scenes import digit_scene_splits
from kerasdl.registry import get_app, list_apps
from tests.app_testing import case_for
from tests.apps.cases.classification import class_folder
from tests.apps.cases.images import image_folder
from tests.apps.cases.translation import pairs_file
from tests.data.test_captions import flickr_folder
from tests.helpers import quiet_cli

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
TINY_SCENES = {"train": 24, "val": 8, "test": 8}  # the digit scenes of the detection and segmentation examples


def python_api_examples() -> list[str]:
    """The ```python blocks of the README's "Python API" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_every_app_runs_in_two_lines():
    examples = python_api_examples()
    two_line = [e for e in examples if len(e.strip().splitlines()) == 2 and ".run(" in e]
    apps = {re.search(r"from kerasdl.apps import (\w+)", e).group(1) for e in two_line}
    assert apps == {type_name(app) for app in list_apps()}


def type_name(app: str) -> str:
    return get_app(app).__name__


def data_for_the_examples(work: pathlib.Path) -> None:
    """What the examples name, tiny: photos/, Set5/, images/, reviews.csv, spa.txt, Flickr8k/."""
    image_folder(work, sizes=((100, 120), (110, 100), (120, 130)), name="photos")
    image_folder(work, sizes=((60, 66), (66, 60)), name="Set5")
    class_folder(work).rename(work / "images")
    (work / "reviews.csv").write_text(
        "text,label\n"
        + "".join(
            f'"The film was {"superb, a delight" if i % 2 else "awful and boring"}, take {i}.",{i % 2}\n'
            for i in range(40)
        ),
        encoding="utf-8",
    )
    pairs_file(work).rename(work / "spa.txt")
    flickr_folder(work / "Flickr8k")


@pytest.fixture
def tiny_apps(monkeypatch):
    """Every app built, trained and evaluated with its harness case's tiny settings, whatever the example asks,
    and the embedded digit scenes few."""
    for app in list_apps():
        task_class, case = get_app(app), case_for(app)
        init, train = task_class.__init__, task_class.train

        def tiny_init(self, *args, _init=init, _case=case, **kwargs):
            options = {**_case.init.get("model_options", {}), **(kwargs.get("model_options") or {})}
            settings = {**_case.init, **kwargs, "model_options": options}
            if args:  # the example chose the model
                settings.pop("model", None)
            _init(self, *args, **settings)

        def tiny_train(self, data=None, _train=train, _case=case, **kwargs):
            return _train(self, data, **{**kwargs, **_case.train})

        # The harness's quick evaluation (fewer baselines and samples); the wrapper keeps the
        # verb's signature, from which ``run`` routes its options.
        @functools.wraps(task_class.evaluate)
        def tiny_evaluate(self, data=None, _evaluate=task_class.evaluate, _case=case, **kwargs):
            return _evaluate(self, data, **{**kwargs, **_case.evaluate})

        monkeypatch.setattr(task_class, "__init__", tiny_init)
        monkeypatch.setattr(task_class, "train", tiny_train)
        monkeypatch.setattr(task_class, "evaluate", tiny_evaluate)
    # The embedded digit scenes, few: with the default 2,400 (the classical detector and segmenter
    # fitted on 2,000, the apps scored on 200) the examples took 279 s, with these 231 s.
    monkeypatch.setattr(
        annotated_images,
        "scene_splits",
        lambda dataset, path: digit_scene_splits(dataset, path=path, sizes=TINY_SCENES),
    )
    export = Task.export

    def without_litert(self, *args, **kwargs):  # the export path is tested elsewhere; LiteRT conversion takes seconds
        return export(self, *args, **{**kwargs, "tflite": False})

    monkeypatch.setattr(Task, "export", without_litert)
    return Task


@pytest.mark.slow
def test_python_api_examples_run(tmp_path, monkeypatch, tiny_apps, kerasdl_cache):
    work = tmp_path / "work"
    work.mkdir()
    data_for_the_examples(work)
    monkeypatch.chdir(work)
    for example in python_api_examples():
        with quiet_cli():
            exec(compile(example, "README.md", "exec"), {})  # noqa: S102 (the README's own examples)
    assert sorted(p.name for p in (work / "saved_models").iterdir()) == sorted(list_apps())
