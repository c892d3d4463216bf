"""``kerasdl sentiment``: the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, positive_int
from kerasdl.apps.sentiment.recipes import TOKENIZERS
from kerasdl.apps.sentiment.task import Sentiment
from kerasdl.data.text import DATASETS


def _shown(text, result) -> str:
    text = text if len(text) <= 100 else text[:97] + "..."
    return f"{result['label']:<8}  {result['probability']:.3f}  {text}"


CLI = AppCLI(
    Sentiment,
    flags=[
        flag("--data", group="data"),
        flag("--dataset", choices=DATASETS, group="data"),
        flag("--dataset-file"),
        flag("--text-column"),
        flag("--label-column"),
        flag("--split-seed", type=int),
        flag("--preset"),
        flag("--pretrained"),
        flag("--unlabelled"),
        flag("--embed-dim", type=positive_int, verbs=("pretrain",)),
        flag("--tokenizer", choices=TOKENIZERS),
        flag("--max-tokens", type=positive_int),
        flag("--sequence-length", type=positive_int),
        flag("--ngrams", type=positive_int),
        flag(
            "--no-baseline",
            dest="baseline",
            action="store_false",
            help="skip the TF-IDF + logistic-regression baseline",
        ),
        flag("inputs", nargs="*", help="texts to classify; '-' or none (with no --file): read lines from stdin"),
        flag("--file"),
        flag("--output", verbs=("predict",)),
    ],
    show_prediction=_shown,
    extra_verbs=("pretrain",),
)
