"""The embeddings app's case for the shared harness: a tiny text file of film sentences, 8-D vectors."""

from tests.app_testing import AppCase
from tests.apps.cases.corpora import BAD_CORPORA

WORDS = ["good", "great", "bad", "awful", "film", "movie", "plot", "actor", "music", "story"]


def corpus(root, lines=60):
    path = root / "corpus.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(f"the {WORDS[i % 10]} {WORDS[(i * 3) % 10]} was {WORDS[(i * 7) % 10]} again\n" for i in range(lines)),
        encoding="utf-8",
    )
    return path


def words(root):
    return ["good", "film", "Music"]


def rare_words(root):
    path = root / "rare.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("every word here is seen once\n", encoding="utf-8")
    return path


def same_vector(ours, served):
    assert len(ours["vector"]) == len(served["vector"])
    assert max(abs(a - b) for a, b in zip(ours["vector"], served["vector"])) <= 1e-5, (ours, served)


CASE = AppCase(
    app="embeddings",
    init={"min_count": 2, "model_options": {"embed_dim": 8}},
    train={"epochs": 1, "steps_per_epoch": 2, "batch_size": 64, "jit_compile": False, "verbose": 0},
    flags=[
        *("--min-count", "2", "--embed-dim", "8", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "64"),
        "--no-xla",  # compiling takes longer than two steps
    ],
    make_data=corpus,
    make_inputs=words,
    bad_data={
        **BAD_CORPORA,
        "corrupt": (rare_words, "seen at least 2 times"),
    },
    compare=same_vector,
    evaluate={"analogies": False},
    evaluate_flags=("--no-analogies",),
    missing_input=("--file", "no_such_words.txt"),
    quantize=None,
)
