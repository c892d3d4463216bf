"""The textgen app's case for the shared harness: a tiny text file of sentences, a tiny GPT."""

from tests.app_testing import AppCase
from tests.apps.cases.corpora import BAD_CORPORA

SUBJECTS = ["the film", "this movie", "the story", "the acting", "the ending"]
VERDICTS = ["was wonderful", "was boring", "felt too long", "made me laugh", "was a delight"]


def sentences(root, rows=60):
    path = root / "corpus.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{SUBJECTS[i % 5].capitalize()} {VERDICTS[(i * 3) % 5]}, take {i}." for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prompts(root):
    return ["the film", "this movie was"]


def table_without_text(root):
    path = root / "numbers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("id,score\n1,2\n3,4\n", encoding="utf-8")
    return path


TINY = {"embed_dim": 16, "intermediate_dim": 32, "num_heads": 2, "num_layers": 1}

CASE = AppCase(
    app="textgen",
    init={"vocabulary_size": 120, "sequence_length": 16, "model_options": TINY},
    train={"epochs": 1, "steps_per_epoch": 2, "batch_size": 4, "verbose": 0},
    flags=[
        "--vocabulary-size",
        "120",
        "--sequence-length",
        "16",
        *[item for k, v in TINY.items() for item in ("--model-arg", f"{k}={v}")],
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "4",
    ],
    make_data=sentences,
    make_inputs=prompts,
    bad_data={
        **BAD_CORPORA,
        "corrupt": (table_without_text, "cannot tell which column holds the text"),
    },
    evaluate={"baseline_train_tokens": 500, "baseline_test_tokens": 60, "samples": 1},
    evaluate_flags=("--baseline-train-tokens", "500", "--baseline-test-tokens", "60", "--samples", "1"),
    missing_input=("--file", "no_such_prompts.txt"),
)
