"""What the apps trained on annotated images share (segmentation masks, detection boxes): where their data comes from.

A run trains on a folder or annotation file that a loader reads (split 80/10/10, seeded, unless
validation data is given) or on generated digit scenes; its record (``task.json``) names the data,
so ``evaluate`` and the LiteRT checks read the same parts again. Like :mod:`kerasdl.apps.task`,
this module imports neither Keras nor TensorFlow.
"""

from __future__ import annotations

import functools

from kerasdl.apps.task import Task
from kerasdl.errors import UserInputError

DATASETS = ("digits", "mnist")  # kerasdl.data.digit_scenes.SCENE_DATASETS, without importing NumPy
SPLIT = (0.8, 0.1, 0.1)  # a folder without val_data: train, validation, test
SPLIT_SEED = 0
DATA_KEYS = ("data", "val_data", "dataset", "dataset_file", "channels")  # what names a run's data in its record


@functools.lru_cache(maxsize=2)
def scene_splits(dataset: str, path: str | None):
    """The embedded digit scenes (generated once per process: 2,400 scenes take seconds)."""
    from kerasdl.data.digit_scenes import digit_scene_splits

    return digit_scene_splits(dataset, path=path)


def check_classes(found, class_names, what: str) -> None:
    """Raises ``UserInputError`` unless ``found``'s classes are the run's (or its first ones)."""
    names = list(found.class_names)
    if names != list(class_names)[: len(names)]:
        raise UserInputError(f"{what} names the classes {names}, but the model was trained on {list(class_names)}")


def per_class_table(report: dict, *, counted: str, per_class: tuple[str, str], summaries, headline: str) -> str:
    """An annotated-images app's evaluation table: a score per class, then summary scores, one column per method.

    Args:
        report: the evaluation report (``model``, ``dataset``, ``images_scored``, ``class_names``,
            ``methods`` of ``{method: scores}``, ``baseline``).
        counted: what was scored besides the images (``"3971 objects"``).
        per_class: ``(column label, key)`` of the per-class scores in each method's entry.
        summaries: ``(key, label)`` pairs of the summary rows.
        headline: the closing line.
    """
    methods = list(report["methods"])
    width = max(20, *(len(name) + 2 for name in report["class_names"]))

    def cell(value):
        return f"{'-' if value is None else f'{value:.4f}':>12}"

    label, key = per_class
    lines = [
        f"{report['model']} on {report['dataset']} ({report['images_scored']} images, {counted})",
        f"{label:<{width}}" + "".join(f"{m:>12}" for m in methods),
    ]
    for name in report["class_names"]:
        lines.append(f"{name:<{width}}" + "".join(cell(report["methods"][m][key].get(name)) for m in methods))
    for key, label in summaries:
        lines.append(f"{label:<{width}}" + "".join(cell(report["methods"][m][key]) for m in methods))
    lines.append(f"classical baseline: {report['baseline']['name']}")
    lines.append(headline)
    return "\n".join(lines)


class AnnotatedImagesTask(Task):
    """A :class:`~kerasdl.apps.task.Task` whose data is annotated images, read by one loader.

    Subclasses provide :meth:`_load` (a path to the app's data type), :meth:`_from_scenes`
    (digit scenes to it) and, where they need it, :meth:`_prepared` (the parts as the model takes
    them) and :meth:`_loading_channels`.
    """

    def __init__(self, model=None, *, model_options=None, run_dir=None):
        super().__init__(model, model_options=model_options, run_dir=run_dir)
        self._data: tuple | None = None  # (what the run's record says, the data it reads) once read

    @property
    def class_names(self) -> list[str]:
        """The classes, in the model's output order (the run's record)."""
        return list(self.state.get("class_names") or [])

    # ------------------------------------------------------------ hooks

    def _load(self, data, *, channels=None):
        """The annotated images at ``data`` (a folder or annotation file)."""
        raise NotImplementedError

    def _from_scenes(self, scenes):
        """Generated digit scenes as the app's data."""
        raise NotImplementedError

    def _prepared(self, parts: dict) -> dict:
        """The run's parts as the model takes them (default: as read)."""
        return parts

    def _loading_channels(self) -> int | None:
        """The channels test images are read in (default: their own)."""
        return None

    # ------------------------------------------------------------ the run's data

    def _splits(self, data, val_data, dataset, dataset_file) -> dict:
        """``{"train", "val", "test", "source"}``: what a run trains, validates and is tested on.

        ``test`` is None where ``val_data`` was given for a folder: the validation data is then
        the run's held-out data, and scores it.
        """
        from kerasdl.data.annotation_files import split_images

        if data is not None and dataset is not None:
            raise UserInputError("give data (a folder or annotation file) or dataset (a named one), not both")
        if dataset_file is not None and dataset != "mnist":
            raise UserInputError("--dataset-file is only for --dataset mnist")
        if data is None:
            dataset = dataset or "digits"
            if dataset not in DATASETS:
                raise UserInputError(f"dataset must be one of {', '.join(DATASETS)}; got {dataset!r}")
            scenes = scene_splits(dataset, None if dataset_file is None else str(dataset_file))
            parts = {part: self._from_scenes(scenes[part]) for part in ("train", "val", "test")}
            source = f"generated scenes of {'scikit-learn' if dataset == 'digits' else 'MNIST'} digits"
        else:
            found = self._load(data)
            if val_data is None:
                parts = split_images(found, fractions=SPLIT, seed=SPLIT_SEED)
            else:
                parts = {"train": found, "val": None, "test": None}
            source = str(data)
        if val_data is not None:
            parts["val"] = self._load(val_data)
            check_classes(parts["val"], parts["train"].class_names, f"--val-data {val_data}")
        return {**parts, "source": source}

    def _remember_data(self, state: dict, parts: dict) -> None:
        """Keeps the parts a training plan read, under the record ``state`` it writes."""
        self._data = tuple(state.get(k) for k in DATA_KEYS), parts

    def _run_data(self) -> dict:
        """The run's data (as :meth:`_splits` returns it), from its record, as the model takes it."""
        key = tuple(self.state.get(k) for k in DATA_KEYS)
        if self._data is None or self._data[0] != key:
            state = self.state
            parts = self._splits(
                state.get("data"), state.get("val_data"), state.get("dataset"), state.get("dataset_file")
            )
            self._data = key, self._prepared(parts)
        return self._data[1]

    def _test_data(self, data):
        """``(test data, how to name it)``: ``data``'s images, else the run's held-out test data."""
        if data is not None:
            found = self._load(data, channels=self._loading_channels())
            check_classes(found, self.class_names, str(data))
            return found, str(data)
        parts = self._run_data()
        if parts["test"] is not None:
            return parts["test"], f"{parts['source']} (held-out test part)"
        return parts["val"], f"{self.state.get('val_data')} (the run's validation data)"
