"""The sentiment app's case for the shared harness: a tiny TSV of reviews, fastText with a small vocabulary."""

from tests.app_testing import AppCase, assert_same_label

WORDS = {0: ["awful", "boring", "dull", "a waste"], 1: ["superb", "wonderful", "moving", "a delight"]}


def reviews(root, rows=40):
    path = root / "reviews.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "label\tsentence\n" + "".join(f"{i % 2}\tThe film was {WORDS[i % 2][i % 4]}, take {i}.\n" for i in range(rows)),
        encoding="utf-8",
    )
    return path


def texts(root):
    return ["The film was superb, a delight.", "An awful, boring film."]


def missing(root):
    return root / "no_such_reviews.csv"


def header_only(root):
    path = root / "empty.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("text,label\n", encoding="utf-8")
    return path


def bad_label(root):
    path = root / "bad.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("text,label\ngreat,1\nawful,0\nhmm,maybe\n", encoding="utf-8")
    return path


def image_as_data(root):
    path = root / "reviews.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00not reviews")
    return path


CASE = AppCase(
    app="sentiment",
    init={"model": "fasttext", "max_tokens": 500},
    train={"epochs": 1, "steps_per_epoch": 2, "batch_size": 8, "verbose": 0},
    flags=[
        "--model",
        "fasttext",
        "--max-tokens",
        "500",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
        "--batch-size",
        "8",
    ],
    make_data=reviews,
    make_inputs=texts,
    bad_data={
        "missing": (missing, "no such file or folder"),
        "empty": (header_only, "has a header but no rows with text"),
        "corrupt": (bad_label, "not sentiment labels: 'maybe' (line 4)"),
        "wrong type": (image_as_data, "expected a .csv, .tsv or .txt file"),
    },
    compare=assert_same_label,
    missing_input=("--file", "no_such_texts.txt"),
)
