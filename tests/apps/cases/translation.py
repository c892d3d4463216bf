"""The translation app's case for the shared harness: generated sentence pairs, a tiny Transformer."""

from kerasdl.data.parallel_corpus import generate_pairs
from tests.app_testing import AppCase

TINY_MODEL = {"embed_dim": 32, "intermediate_dim": 64, "num_heads": 2, "num_encoder_layers": 1, "num_decoder_layers": 1}


def pairs_file(root, count=1500):
    path = root / "pairs.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{en}\t{es}\n" for en, es in generate_pairs(count, seed=1)), encoding="utf-8")
    return path


def write(root, name, text):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CASE = AppCase(
    app="translation",
    init={"vocabulary_size": 300, "source_length": 24, "target_length": 28, "model_options": TINY_MODEL},
    train={"epochs": 1, "steps_per_epoch": 2, "verbose": 0},
    flags=[
        "--vocabulary-size",
        "300",
        "--source-length",
        "24",
        "--target-length",
        "28",
        *[f for k, v in TINY_MODEL.items() for f in ("--model-arg", f"{k}={v}")],
        "--epochs",
        "1",
        "--steps-per-epoch",
        "2",
    ],
    make_data=pairs_file,
    make_inputs=lambda root: ["i have two books", "there is one tree here"],
    bad_data={
        "missing": (lambda root: root / "no_such_pairs.tsv", "no such file"),
        "empty": (lambda root: write(root, "empty.tsv", ""), "no sentence pairs"),
        "corrupt": (
            lambda root: write(root, "broken.tsv", "go\tve\nhello there\n"),
            "no tab between source and target",
        ),
        "wrong type": (lambda root: write(root, "picture.tsv", "\x89PNG\r\n\x1a\n\x00\x00\x00"), "picture.tsv"),
    },
    missing_input=("--file", "no_such_sentences.txt"),
    quantize=None,  # greedy BLEU through LiteRT: tests/apps/test_translation.py::test_quantized_litert_variants_score_the_greedy_loop_bleu
)
