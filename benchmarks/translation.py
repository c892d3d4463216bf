"""Translation benchmark: the default Transformer against the keras.io configuration, one run.

1. spa-eng (Tatoeba/Anki ``../shared/data/translation/spa-eng/spa.txt``, 118,964 pairs): the
   seeded split of the app (10% validation, 10% test, grouped by English sentence, so a test
   sentence is never trained on), one SentencePiece vocabulary learned from the training
   part. ``kerasdl translate train`` with the default recipe and with ``--model keras-io``
   (1+1 layers, embed 256, FF 2048, 8 heads: the keras.io English-to-Spanish example), each
   for the same CPU budget counted in steps of 64 pairs: 3,000 each (their steps cost the same
   to within a few percent, the default's slightly less; 10 to 17 minutes on 2 cores, as fast as
   the shared host runs), the same data, tokenizer and code; then ``evaluate``:
   sacreBLEU corpus BLEU and chrF of greedy outputs on every test source against all its
   references (a seeded sample of 2,000 test sources: greedy decoding without a cache re-reads the
   prefix at every step, minutes per thousand sentences on 2 cores). Goal: default >= keras-io + 3 BLEU.
2. generated: the embedded English-Spanish counted-things corpus (30,000 pairs); exact-match
   accuracy of the default on a seeded sample of 1,000 test sources, 5 minutes of training. Goal: >= 0.95.

Each command runs in a fresh process, as a user would. Writes ``benchmarks/results/translation.json``
(the parts run replace those already there).
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, kerasdl, machine, parts_parser, previous_results, selected_parts, shared_data  # noqa: E402

PARTS = ("spa_eng", "generated")
MODELS = ("transformer", "keras-io")
SPA_MINUTES = 30.0  # a cap only: the budget is the step count (a shared host's speed varied by 60% within a run)
GENERATED_MINUTES = 5.0
STEPS_PER_EPOCH = 250
# spa-eng: the same CPU budget for both, in steps (a time limit made the comparison depend on which
# minutes the shared host was slow). Their steps cost the same within noise: default 154.1, keras-io
# 156.4 ms (no dropout against dropout; label smoothing costs nothing with the dense-target
# cross-entropy), medians of 10 interleaved rounds of 40 real batches (translation_search.py
# step-cost, results/translation_step_cost.json); so 12 x 250 each, which if anything favours keras-io. generated: 5 epochs x 250, the 5-minute limit ends it first.
BUDGET_EPOCHS = {("spa_eng", "transformer"): 12, ("spa_eng", "keras-io"): 12, ("generated", "transformer"): 5}
SPA_TEST_SOURCES = 2000  # decoding re-reads the prefix at every step: a seeded sample of the test sources
GENERATED_TEST_SOURCES = 1000
GOAL_BLEU_GAIN = 3.0
GOAL_EXACT_MATCH = 0.95
REFERENCES = {
    "keras.io English-to-Spanish Transformer (F. Chollet)": "trained 30 epochs on a GPU; reports no BLEU, only samples",
}


def train_and_score(name: str, model: str, data_flags: list, minutes: float, test_sources: int, quick: bool) -> dict:
    run_dir = ROOT / "runs" / "bench" / "translation" / name / model
    limit = (
        [
            "--time-limit",
            str(minutes),
            "--epochs",
            str(BUDGET_EPOCHS[name, model]),
            "--steps-per-epoch",
            str(STEPS_PER_EPOCH),
        ]
        if not quick
        else ["--epochs", "1", "--steps-per-epoch", "5"]
    )
    start = time.perf_counter()
    kerasdl("translate", "train", *data_flags, "--model", model, "--run-dir", run_dir, "--restart", *limit)
    train_wall = time.perf_counter() - start
    out = run_dir / "evaluation.json"
    quick_eval = ["--max-sentences", str(200 if quick else test_sources)]
    start = time.perf_counter()
    kerasdl("translate", "evaluate", "--run-dir", run_dir, "--output", out, *quick_eval)
    evaluate_wall = time.perf_counter() - start
    report = json.loads(out.read_text())
    summary = json.loads((run_dir / "train_summary.json").read_text())
    return {
        "model": model,
        "builder": summary["builder"],
        "options": summary["model_options"],
        "parameters": summary["parameters"],
        "vocabulary_size": summary["vocabulary_size"],
        "source_length": summary["source_length"],
        "target_length": summary["target_length"],
        "batch_size": summary["batch_size"],
        "label_smoothing": summary["label_smoothing"],
        "learning_rate": summary["train_config"]["learning_rate"],
        "warmup_steps": summary["train_config"].get("warmup_steps"),
        "time_limit_minutes": summary["train_config"]["time_limit"],
        "epochs_run": summary["epochs_run"],
        "steps_per_epoch": summary["train_config"]["steps_per_epoch"],
        "stopped_by_time_limit": summary["stopped_by_time_limit"],
        "best_val_loss": summary["best_val_loss"],
        "fit_seconds": summary["train_seconds"],
        "train_command_seconds": round(train_wall, 1),
        "fit_seconds_per_step": round(summary["train_seconds"] / max(1, summary["epochs_run"] * STEPS_PER_EPOCH), 3),
        "evaluate_command_seconds": round(evaluate_wall, 1),
        "split": summary["split"],
        "too_long_left_out": summary["too_long_left_out"],
        "test": {
            k: report[k]
            for k in (
                "test_data",
                "decoding",
                "sources",
                "pairs",
                "references_per_source",
                "bleu",
                "chrf",
                "exact_match",
                "bleu_signature",
                "chrf_signature",
                "translate_seconds",
                "samples",
            )
        },
    }


def measure_spa(quick: bool, models=MODELS, previous=None) -> dict:
    path = shared_data() / "translation" / "spa-eng" / "spa.txt"
    if not path.is_file():
        return {"status": "not available", "note": f"missing {path}"}
    results = {
        m: train_and_score("spa_eng", m, ["--data", path], SPA_MINUTES, SPA_TEST_SOURCES, quick)
        if m in models
        else previous[m]
        for m in MODELS
    }
    gain = results["transformer"]["test"]["bleu"] - results["keras-io"]["test"]["bleu"]
    return {
        "status": "measured",
        "data": "spa.txt (English -> Spanish), split seed 0: 80/10/10 grouped by source",
        "budget_steps": {m: BUDGET_EPOCHS["spa_eng", m] * STEPS_PER_EPOCH for m in MODELS},
        "time_limit_minutes_each": SPA_MINUTES,
        **results,
        "bleu_gain_over_keras_io": round(gain, 2),
        f"goal_bleu_gain_ge_{GOAL_BLEU_GAIN:g}": gain >= GOAL_BLEU_GAIN,
    }


def measure_generated(quick: bool) -> dict:
    result = train_and_score("generated", "transformer", [], GENERATED_MINUTES, GENERATED_TEST_SOURCES, quick)
    return {
        "status": "measured",
        "data": "generated English-Spanish counted-things corpus, 30,000 pairs, split seed 0",
        "time_budget_minutes": GENERATED_MINUTES,
        "transformer": result,
        f"goal_exact_match_ge_{GOAL_EXACT_MATCH}": result["test"]["exact_match"] >= GOAL_EXACT_MATCH,
    }


def main() -> int:
    parser = parts_parser(__doc__, PARTS, "a smoke run: a few training steps, 200 test sentences")
    parser.add_argument(
        "--models", default=",".join(MODELS), help="spa-eng: re-measure only these, keeping the others' last results"
    )
    args, _ = parser.parse_known_args()  # `benchmarks/run.py` passes its own flags to every script
    parts = selected_parts(args.parts, PARTS)
    if parts is None:
        return 2

    import kerasdl  # noqa: F401  (quiet TF logging)
    from kerasdl.files import write_json

    out, result = previous_results("translation", args.quick)
    result.update({"benchmark": "translation", "quick": args.quick, "machine": machine(), "references": REFERENCES})
    for name in parts:
        if name == "spa_eng":
            models = [m for m in args.models.split(",") if m]
            previous = result.get("spa_eng", {})
            if unknown := sorted(set(models) - set(MODELS)):
                print(f"--models: unknown {unknown}; known: {', '.join(MODELS)}", file=sys.stderr)
                return 2
            if missing := [m for m in MODELS if m not in models and m not in previous]:
                print(f"--models: no earlier result of {missing} to keep; measure it too", file=sys.stderr)
                return 2
            result[name] = measure_spa(args.quick, models, previous)
        else:
            result[name] = measure_generated(args.quick)
    result["parts_last_run"] = parts
    write_json(result, out)
    spa, gen = result.get("spa_eng", {}), result.get("generated", {})
    if spa.get("status") == "measured":
        print(
            f"spa-eng, {spa['budget_steps']} steps: transformer BLEU {spa['transformer']['test']['bleu']:.2f} "
            f"chrF {spa['transformer']['test']['chrf']:.2f} vs keras-io BLEU {spa['keras-io']['test']['bleu']:.2f} "
            f"chrF {spa['keras-io']['test']['chrf']:.2f} ({spa['bleu_gain_over_keras_io']:+.2f} BLEU)"
        )
    if gen.get("status") == "measured":
        print(
            f"generated: exact match {gen['transformer']['test']['exact_match']:.4f}, "
            f"BLEU {gen['transformer']['test']['bleu']:.2f}"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
