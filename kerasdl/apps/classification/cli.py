"""``kerasdl classification`` (or ``kerasdl classify``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.classification.task import BASELINES, Classification
from kerasdl.apps.cli import AppCLI, flag, positive_int
from kerasdl.data.classification import DATASETS

CLI = AppCLI(
    Classification,
    flags=[
        flag("--data", group="data"),
        flag("--dataset", choices=DATASETS, group="data"),
        flag("--dataset-file"),
        flag("--split-seed", type=int),
        flag("--input-size", type=positive_int),
        flag("--channels", type=int, choices=(1, 3)),
        flag("--flip", action="store_true"),
        flag("--no-augment", dest="augment", action="store_false", help="no random shifts, rotations and zooms"),
        flag("--baseline", choices=BASELINES),
        flag("--output", default="{run_dir}/predictions.csv", verbs=("predict",)),
    ],
    show_prediction=lambda item, result: f"{item}: {result['label']} ({result['probability']:.3f})",
)
