"""``kerasdl embeddings``: the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, model_option, non_negative_float, positive_int
from kerasdl.apps.embeddings.task import DATASETS, Embeddings


def _shown(word, result) -> str:
    vector = result["vector"]
    head = " ".join(f"{x:+.4f}" for x in vector[:5])
    return f"{word}  [{head} ...] ({len(vector)} dims)"


CLI = AppCLI(
    Embeddings,
    flags=[
        flag("--data"),
        flag("--dataset", choices=DATASETS),
        flag("--text-column"),
        flag("--window", type=positive_int),
        flag("--min-count", type=positive_int),
        flag("--sample", type=non_negative_float),
        flag("--max-vocabulary", type=positive_int),
        model_option("--embed-dim", option="embed_dim", type=positive_int, help="width of the word vectors"),
        model_option("--negatives", option="negatives", type=positive_int, help="negative samples per pair"),
        flag(
            "--learning-rate",
            type=float,
            help="SGD learning rate per pair, decayed linearly to 1e-4 of it, as word2vec does",
        ),
        flag("--no-baseline", dest="baseline", action="store_false", help="skip the PPMI + SVD baseline"),
        flag("--no-analogies", dest="analogies", action="store_false", help="skip the analogy questions (slow)"),
        flag("--map-words", nargs="+"),
        flag("words", nargs="+", help="words whose nearest words to show"),
        flag("--count", type=positive_int),
        flag("inputs", nargs="*", help="words whose vectors to print; '-' or none (with no --file): read stdin"),
        flag("--file"),
        flag("--output", verbs=("predict",)),
    ],
    help={"neighbours": "the nearest words of each word, by cosine similarity"},
    extra_verbs=("neighbours",),
    show_prediction=_shown,
)
