"""``kerasdl textgen``: the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, positive_int
from kerasdl.apps.textgen.task import DATASETS, TextGeneration

SAMPLERS = ("greedy", "top_k", "top_p", "beam")  # kerasdl.apps.textgen.generating.SAMPLERS, without TensorFlow


def _probability(value):
    import argparse

    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], got {value!r}")
    return number


CLI = AppCLI(
    TextGeneration,
    flags=[
        flag(
            "--data",
            help="text: a .txt file (a document per line), a .csv/.tsv table, a folder of .txt files; "
            "with --dataset imdb, the IMDB folder",
        ),
        flag("--dataset", choices=DATASETS),
        flag("--text-column"),
        flag("--split-seed", type=int),
        flag("--vocabulary-size", type=positive_int),
        flag("--sequence-length", type=positive_int),
        flag("--max-documents", type=positive_int),
        flag("--no-baseline", dest="baseline", action="store_false", help="skip the Kneser-Ney baseline"),
        flag("--baseline-train-tokens", type=positive_int),
        flag("--baseline-test-tokens", type=positive_int),
        flag("--samples", type=int),
        flag("prompts", nargs="*", help="prompts to continue; '-' or none (with no --file): read lines from stdin"),
        flag("inputs", nargs="*", help="prompts to continue; '-' or none (with no --file): read lines from stdin"),
        flag("--file"),
        flag("--sampler", choices=SAMPLERS),
        flag("--top-k", type=positive_int),
        flag("--top-p", type=_probability),
        flag("--beam-width", type=positive_int),
        flag("--max-length", type=positive_int),
        flag("--seed", type=int, verbs=("generate",)),
    ],
    extra_verbs=("generate",),
    show_prediction=lambda item, result: f"{item}\t{result}",
)
