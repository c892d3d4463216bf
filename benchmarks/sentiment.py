"""Sentiment benchmark: the app's default model against TF-IDF + logistic regression, one run.

1. IMDB (Maas et al., 2011; ``../shared/data/sentiment/imdb``): ``kerasdl sentiment train``
   with its defaults on the 25,000 training reviews (2,500 of them held out for
   validation, seeded), then ``evaluate`` on the 25,000 test reviews, which also fits the
   baseline (TF-IDF of word 1-2-grams + logistic regression, C chosen on the same
   validation split) on the same training part. Goals: accuracy >= 0.915 (NBSVM's
   published 91.22) and >= the baseline + 0.02.
2. SST-2 (``../shared/data/sentiment/sst2``): the same on train.tsv, scored on dev.tsv.

3. Pretraining (``pretrained``): ``kerasdl sentiment pretrain`` learns 300-wide skip-gram word
   vectors from IMDB's 50,000 unlabelled reviews and the 22,500 training reviews (never the
   validation or test ones), then ``train --model ensemble --pretrained`` trains NBSVM (the
   default, so the current default is measured in the same run) and a CNN over 800 words
   started from the vectors, and combines their log-odds by stacking on the validation reviews. Also in the run: the same
   CNN from a random start (what pretraining adds), and the ensemble on SST-2 (its dev
   sentences) with the IMDB vectors. Goals: IMDB test accuracy >= 0.9254 (the TF-IDF + LR
   baseline's 0.9054 + 2 points), pretraining + training <= 40 minutes.

Each training runs in a fresh process, as a user would run it; the seconds reported are the
whole ``train`` command (vocabulary, naive-Bayes ratios and fit) and ``fit`` alone. Writes
``benchmarks/results/sentiment.json`` (the parts run replace those already there).
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, kerasdl, machine, parts_parser, previous_results, selected_parts, shared_data  # noqa: E402

PARTS = ("imdb", "sst2", "pretrained")
GOAL_PRETRAINED_ACCURACY = 0.9254
PRETRAINED_BUDGET_SECONDS = 40 * 60
GOAL_ACCURACY = 0.915
GOAL_GAIN = 0.02
TIME_BUDGET_SECONDS = 20 * 60
REFERENCES = {
    "NBSVM-bi (Wang & Manning 2012), IMDB test": 0.9122,
    "NBSVM-tri (Mesnil et al. 2014), IMDB test": 0.9187,
    "keras.io from-scratch examples (1D CNN, bidirectional LSTM, Transformer), IMDB test": "0.843-0.875",
}
SOURCES = {
    "imdb": (
        "sentiment/imdb/train.csv.gz",
        "sentiment/imdb/test.csv.gz",
        "IMDB: 25,000 train (10% held out for validation), 25,000 test",
    ),
    "sst2": (
        "sentiment/sst2/train.tsv",
        "sentiment/sst2/dev.tsv",
        "SST-2: 67,349 train phrases (10% held out), 872 dev sentences",
    ),
}


def measure(name: str, quick: bool) -> dict:
    """Trains the default model on one dataset and scores it beside the baseline on the same split."""
    train_file, test_file, description = SOURCES[name]
    train_path, test_path = shared_data() / train_file, shared_data() / test_file
    if not train_path.is_file() or not test_path.is_file():
        return {"status": "not available", "note": f"missing {train_path} or {test_path}"}
    run_dir = ROOT / "runs" / "bench" / "sentiment" / name
    quick_flags = ["--epochs", "1", "--steps-per-epoch", "20", "--max-tokens", "100000"] if quick else []
    start = time.perf_counter()
    kerasdl(
        "sentiment",
        "train",
        "--data",
        train_path,
        "--test-data",
        test_path,
        "--run-dir",
        run_dir,
        "--restart",
        *quick_flags,
    )
    train_wall = time.perf_counter() - start
    out = run_dir / "evaluation.json"
    kerasdl(
        "sentiment", "evaluate", "--run-dir", run_dir, "--output", out, "--figure", run_dir / "confusion_matrix.png"
    )
    report = json.loads(out.read_text())
    summary = json.loads((run_dir / "train_summary.json").read_text())
    model, baseline = report["model"], report["baseline"]
    return {
        "status": "measured",
        "data": description,
        "split": report["split"],
        "model": {
            "name": summary["model"],
            "builder": summary.get("builder"),
            "parameters": summary["parameters"],
            "tokenizer": summary.get("tokenizer"),
            "train_config": summary["train_config"],
            "batch_size": summary["batch_size"],
            "accuracy": model["accuracy"],
            "f1": model["f1"],
            "macro_f1": model["macro_f1"],
            "confusion_matrix": model["confusion_matrix"],
            "train_command_seconds": round(train_wall, 1),
            "fit_seconds": summary["train_seconds"],
            "predict_seconds": model["predict_seconds"],
        },
        "baseline": {
            k: baseline[k]
            for k in (
                "name",
                "C",
                "validation_accuracy_by_C",
                "features",
                "accuracy",
                "f1",
                "macro_f1",
                "confusion_matrix",
                "seconds",
            )
        },
        "accuracy_gain_over_baseline": report["accuracy_gain_over_baseline"],
    }


def _timed(*args) -> float:
    start = time.perf_counter()
    kerasdl(*args)
    return round(time.perf_counter() - start, 1)


def _test_scores(run_dir, *, baseline: bool = False) -> dict:
    """``kerasdl sentiment evaluate`` of a run: its test accuracy (and the baseline's)."""
    out = run_dir / "evaluation.json"
    kerasdl("sentiment", "evaluate", "--run-dir", run_dir, "--output", out, *([] if baseline else ["--no-baseline"]))
    report = json.loads(out.read_text())
    scores = {"accuracy": report["model"]["accuracy"], "f1": report["model"]["f1"]}
    if baseline:
        scores["baseline_accuracy"] = report["baseline"]["accuracy"]
    return scores


def measure_pretrained(quick: bool) -> dict:
    """Pretraining on IMDB's unlabelled reviews, the ensemble it feeds, the CNN without it, and SST-2."""
    data = shared_data() / "sentiment"
    unlabelled = data / "imdb" / "unsup.csv.gz"
    if not unlabelled.is_file():
        return {"status": "not available", "note": f"missing {unlabelled}"}
    root = ROOT / "runs" / "bench" / "sentiment" / "pretrained"
    steps = ["--epochs", "1", "--steps-per-epoch", "20"] if quick else []
    sources = {}
    for name in ("imdb", "sst2"):
        train_file, test_file, _ = SOURCES[name]
        sources[name] = ["--data", shared_data() / train_file, "--test-data", shared_data() / test_file]
    vectors = root / "vectors"
    seconds = {
        "pretrain": _timed(
            "sentiment",
            "pretrain",
            *sources["imdb"],
            "--unlabelled",
            unlabelled,
            "--run-dir",
            vectors,
            "--restart",
            *steps,
        )
    }
    runs = {"ensemble": root / "imdb_ensemble", "cnn_from_scratch": root / "imdb_cnn_from_scratch"}
    seconds["ensemble_train"] = _timed(
        "sentiment", "train", "--model", "ensemble", "--pretrained", vectors, *sources["imdb"],
        "--run-dir", runs["ensemble"], "--restart", *steps,
    )  # fmt: skip
    seconds["cnn_from_scratch_train"] = _timed(
        "sentiment",
        "train",
        "--model",
        "cnn",
        *sources["imdb"],
        "--run-dir",
        runs["cnn_from_scratch"],
        "--restart",
        *steps,
    )
    sst2_run = root / "sst2_ensemble"
    seconds["sst2_ensemble_train"] = _timed(
        "sentiment", "train", "--model", "ensemble", "--pretrained", vectors, *sources["sst2"],
        "--run-dir", sst2_run, "--restart", *steps,
    )  # fmt: skip
    members = runs["ensemble"] / "members"
    imdb = {
        "ensemble": _test_scores(runs["ensemble"], baseline=True),
        "nbsvm (the default)": _test_scores(members / "nbsvm"),
        "cnn from the pretrained vectors": _test_scores(members / "cnn"),
        "cnn from the pretrained vectors, next seed": _test_scores(members / "cnn_2"),
        "cnn from a random start": _test_scores(runs["cnn_from_scratch"]),
    }
    sst2 = {
        "ensemble": _test_scores(sst2_run, baseline=True),
        "nbsvm (the default)": _test_scores(sst2_run / "members" / "nbsvm"),
        "cnn from the IMDB vectors": _test_scores(sst2_run / "members" / "cnn"),
        "cnn from the IMDB vectors, next seed": _test_scores(sst2_run / "members" / "cnn_2"),
    }
    vectors_summary = json.loads((vectors / "train_summary.json").read_text())
    ensemble_summary = json.loads((runs["ensemble"] / "train_summary.json").read_text())
    return {
        "status": "measured",
        "data": "IMDB: pretraining on 50,000 unlabelled + 22,500 training reviews; 25,000 test reviews. SST-2: dev",
        "pretraining": {
            "corpus": vectors_summary.get("corpus"),
            "vocabulary_size": vectors_summary.get("vocabulary_size"),
            "train_config": vectors_summary.get("train_config"),
            "fit_seconds": vectors_summary.get("train_seconds"),
        },
        "stacking": ensemble_summary.get("stacking"),
        "members": ensemble_summary.get("members"),
        "imdb_test": imdb,
        "sst2_dev": sst2,
        "seconds": seconds,
        "pretrain_plus_train_seconds": round(seconds["pretrain"] + seconds["ensemble_train"], 1),
    }


def main() -> int:
    parser = parts_parser(__doc__, PARTS, "a smoke run: a few training steps, a small vocabulary")
    args, _ = parser.parse_known_args()  # `benchmarks/run.py` passes its own flags to every script
    parts = selected_parts(args.parts, PARTS)
    if parts is None:
        return 2

    import kerasdl  # noqa: F401  (quiet TF logging)
    from kerasdl.files import write_json

    out, result = previous_results("sentiment", args.quick)
    result.update({"benchmark": "sentiment", "quick": args.quick, "machine": machine(), "references": REFERENCES})
    for name in parts:
        result[name] = measure_pretrained(args.quick) if name == "pretrained" else measure(name, args.quick)
    imdb = result.get("imdb", {})
    if imdb.get("status") == "measured":
        m = imdb["model"]
        result["goals_imdb"] = {
            f"accuracy_ge_{GOAL_ACCURACY}": m["accuracy"] >= GOAL_ACCURACY,
            f"gain_over_baseline_ge_{GOAL_GAIN}": imdb["accuracy_gain_over_baseline"] >= GOAL_GAIN - 1e-9,
            "train_command_within_20_min": m["train_command_seconds"] <= TIME_BUDGET_SECONDS,
        }
    pretrained = result.get("pretrained", {})
    if pretrained.get("status") == "measured":
        result["goals_pretrained"] = {
            f"imdb_ensemble_accuracy_ge_{GOAL_PRETRAINED_ACCURACY}": pretrained["imdb_test"]["ensemble"]["accuracy"]
            >= GOAL_PRETRAINED_ACCURACY,
            "pretrain_plus_train_within_40_min": pretrained["pretrain_plus_train_seconds"] <= PRETRAINED_BUDGET_SECONDS,
        }
    result["parts_last_run"] = parts
    write_json(result, out)
    for name in ("imdb", "sst2"):
        r = result.get(name, {})
        if r.get("status") == "measured":
            print(
                f"{name}: {r['model']['name']} {r['model']['accuracy']:.4f} vs baseline {r['baseline']['accuracy']:.4f} "
                f"({r['accuracy_gain_over_baseline']:+.4f}); train {r['model']['train_command_seconds']:.0f} s, "
                f"baseline {r['baseline']['seconds']:.0f} s"
            )
    if pretrained.get("status") == "measured":
        for data, scores in (("IMDB test", pretrained["imdb_test"]), ("SST-2 dev", pretrained["sst2_dev"])):
            print(f"{data}: " + ", ".join(f"{k} {v['accuracy']:.4f}" for k, v in scores.items()))
        print(f"pretrain + ensemble training: {pretrained['pretrain_plus_train_seconds']:.0f} s")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
