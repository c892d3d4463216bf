"""``kerasdl translation`` (or ``kerasdl translate``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, positive_int
from kerasdl.apps.translation.task import Translation

CLI = AppCLI(
    Translation,
    flags=[
        flag("--data", group="data"),
        flag("--source", group="data"),
        flag("--pairs", type=positive_int, group="data"),
        flag("--target"),
        flag("--split-seed", type=int),
        flag("--vocabulary-size", type=positive_int),
        flag("--source-length", type=positive_int),
        flag("--target-length", type=positive_int),
        flag(
            "--warmup-steps",
            type=int,
            help="linear learning-rate warm-up steps before the decay (default: the "
            "model's, at most a tenth of the run)",
        ),
        flag("--beam-width", type=positive_int, group="decoding"),
        # the exported signature is deterministic, so its strings can be checked exactly: no sampling there
        flag("--top-k", type=positive_int, group="decoding", verbs=("evaluate", "predict")),
        flag("--max-sentences", type=positive_int, verbs=("evaluate",)),
        flag("inputs", nargs="*", help="sentences to translate; '-' or none (with no --file): read lines from stdin"),
        flag("--file"),
    ],
    show_prediction=lambda item, result: f"{item}\t{result}",
)
