"""Text-generation benchmark: the textgen app's GPT beside keras.io's configuration and a Kneser-Ney 5-gram, on IMDB.

Data: ``../shared/data/sentiment/imdb``: training text = the 50,000 unlabelled and 25,000
training reviews (``unsup.csv.gz``, ``train.csv.gz``; 100 of them held out for validation);
scored text = a seeded sample of ``TEST_DOCUMENTS`` of the 25,000 test reviews
(``test.csv.gz``), never trained on.

Methods, all on the same tokens (a 5,000-piece WordPiece vocabulary learned by the app from
3,000 training reviews; both runs learn the same one, which is checked):

- ``gpt``: the app's default recipe, trained for ``STEPS`` steps of 64 windows of 128 tokens;
- ``keras-io``: keras.io's ``text_generation_gpt.py`` configuration (width 256, feed-forward
  128, 3 heads, 2 post-norm blocks, batch 64, Adam 1e-3), trained by the same code for the
  same steps;
- NLTK's interpolated Kneser-Ney 5-gram (``nltk.lm.KneserNeyInterpolated``), fitted on
  ``KN_TRAIN_TOKENS`` training tokens and scored on test reviews of ``KN_TEST_TOKENS`` tokens
  in all (NLTK's queries scan its n-gram tables: 0.03 s a token fitted on 100,000 tokens, 0.07 s
  on 300,000, growing with the model, so it cannot read the 26M training tokens); both GPTs are
  scored on exactly those reviews beside it, and a smaller KN fit shows how it grows with data.

Goals (issue 20): the default's test perplexity <= 0.9 x the keras.io configuration's, and
below the Kneser-Ney 5-gram's on the same tokens. Samples (greedy and top-p) go in the JSON.
The step count is the budget (both GPT runs together ~25 minutes on 2 CPU cores); a time
limit is only a safety net.

Results: ``benchmarks/results/textgen.json`` (``textgen_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    ROOT,
    run_parts,
    shared_data,
    train_for_steps,
)

STEPS = 300
QUICK_STEPS = 4
TEST_DOCUMENTS = 2000
QUICK_TEST_DOCUMENTS = 40
KN_TRAIN_TOKENS = (300_000, 1_000_000)  # the last is the baseline of the goal
QUICK_KN_TRAIN_TOKENS = (5_000, 20_000)
KN_TEST_TOKENS = 1500
QUICK_KN_TEST_TOKENS = 200
SAFETY_MINUTES = 20.0
GOAL_RATIO_TO_KERAS_IO = 0.9
PROMPTS = ["this movie was", "i went to see this film because", "the acting is", "worst movie"]
RUNS = ROOT / "runs" / "bench" / "textgen"


def _quick_slice(imdb: pathlib.Path, folder: pathlib.Path) -> pathlib.Path:
    """The first reviews of each IMDB table, in the same layout: a smoke run reads the same code path in seconds."""
    import csv
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in (("unsup", 300), ("train", 100), ("test", 100)):
        with gzip.open(imdb / f"{split}.csv.gz", "rt", encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            kept = [row["text"] for _, row in zip(range(rows), reader)]
        with gzip.open(folder / f"{split}.csv.gz", "wt", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text"])
            writer.writerows([t] for t in kept)
    return folder


def _samples(task, quick: bool) -> dict:
    length = 10 if quick else 40
    greedy = task.generate(PROMPTS, max_length=length).texts
    top_p = task.generate(PROMPTS, sampler="top_p", top_p=0.9, seed=0, max_length=length).texts
    return [{"prompt": p, "greedy": g, "top_p_0.9": t} for p, g, t in zip(PROMPTS, greedy, top_p)]


def part_imdb(quick: bool) -> dict:
    from kerasdl.apps import TextGeneration
    from kerasdl.apps.textgen import data as text_data
    from kerasdl.apps.textgen import evaluation
    from kerasdl.files import read_json

    imdb = shared_data() / "sentiment" / "imdb"
    if not (imdb / "unsup.csv.gz").is_file():
        raise SystemExit(f"error: {imdb / 'unsup.csv.gz'} is missing (see ../shared/data/README.md)")
    if quick:
        imdb = _quick_slice(imdb, RUNS / "quick" / "imdb_slice")
    steps = QUICK_STEPS if quick else STEPS
    test_documents = QUICK_TEST_DOCUMENTS if quick else TEST_DOCUMENTS
    kn_test_tokens = QUICK_KN_TEST_TOKENS if quick else KN_TEST_TOKENS
    runs = RUNS / ("quick" if quick else "full")
    methods, tasks = {}, {}
    for name in ("gpt", "keras-io"):
        task = TextGeneration(name, run_dir=runs / name)
        training = train_for_steps(
            task, str(imdb), steps=steps, quick=quick, safety_minutes=SAFETY_MINUTES, dataset="imdb"
        )
        start = time.monotonic()
        report = task.evaluate(max_documents=test_documents, baseline=False, samples=0)
        print(report.table, flush=True)
        methods[name] = {
            "recipe": name,
            "options": dict(task.recipe.options),
            **training,
            "test_perplexity": report.metrics["model"]["perplexity"],
            "test_tokens": report.metrics["model"]["tokens"],
            "evaluation_seconds": round(time.monotonic() - start, 1),
            "samples": _samples(task, quick),
        }
        tasks[name] = task
    same_vocabulary = tasks["gpt"].vocabulary == tasks["keras-io"].vocabulary
    if not same_vocabulary:
        raise SystemExit("error: the two runs learned different vocabularies; their perplexities would not compare")

    # The Kneser-Ney baseline, and both GPTs on exactly the documents it scores.
    gpt = tasks["gpt"]
    split, _, _ = gpt._corpus(None, dataset=None, test_data=None, text_column=None, split_seed=None, recorded=gpt.state)
    test_ids = text_data.encode(gpt.tokenizer, split.test)
    subset = [test_ids[i] for i in evaluation.sample_documents(test_ids, kn_test_tokens, seed=0)]
    baselines = []
    for budget in QUICK_KN_TRAIN_TOKENS if quick else KN_TRAIN_TOKENS:
        print(f"Kneser-Ney 5-gram (NLTK) on {budget:,} training tokens ...", flush=True)
        kn = evaluation.kneser_ney(evaluation.training_sample(gpt.tokenizer, split.train, budget), subset)
        baselines.append({k: v for k, v in kn.items() if k != "nll"})
        print(f"  perplexity {kn['perplexity']:.2f} on {kn['tokens']:,} tokens", flush=True)
    on_subset = {
        name: evaluation.perplexity_of_documents(task.model, subset, sequence_length=task.sequence_length)["perplexity"]
        for name, task in tasks.items()
    }
    return {
        "data": (
            f"{imdb}: train on unsup + train reviews (75,000, 100 held out for validation); score a seeded "
            f"{test_documents:,} of the 25,000 test reviews"
        ),
        "tokens": {
            "tokenizer": f"WordPiece (keras-hub), {len(gpt.vocabulary):,} pieces, lower case, learned from "
            f"{text_data.VOCABULARY_DOCUMENTS:,} training reviews",
            "same_vocabulary_for_both_gpts": same_vocabulary,
            "sequence_length": gpt.sequence_length,
            "train_tokens": read_json(gpt.run_dir / "train_summary.json")["tokens"]["train"],
        },
        "steps": steps,
        "methods": methods,
        "kneser_ney": {
            "runs": baselines,
            "scored_documents": len(subset),
            "scored_tokens": baselines[-1]["tokens"],
            "gpt_perplexity_on_these_documents": on_subset,
        },
        "perplexity_ratio_gpt_to_keras_io": methods["gpt"]["test_perplexity"] / methods["keras-io"]["test_perplexity"],
        "perplexity_ratio_gpt_to_kneser_ney": on_subset["gpt"] / baselines[-1]["perplexity"],
    }


def goals(results) -> dict:
    found = {}
    if "imdb" in results:
        part = results["imdb"]
        ratio = part["perplexity_ratio_gpt_to_keras_io"]
        found["perplexity_at_most_0.9_x_keras_io"] = {
            "value": round(ratio, 4),
            "goal": GOAL_RATIO_TO_KERAS_IO,
            "gpt": round(part["methods"]["gpt"]["test_perplexity"], 2),
            "keras_io": round(part["methods"]["keras-io"]["test_perplexity"], 2),
            "met": ratio <= GOAL_RATIO_TO_KERAS_IO,
        }
        kn = part["kneser_ney"]
        gpt = kn["gpt_perplexity_on_these_documents"]["gpt"]
        found["perplexity_below_kneser_ney_5gram"] = {
            "gpt": round(gpt, 2),
            "kneser_ney": round(kn["runs"][-1]["perplexity"], 2),
            "kneser_ney_train_tokens": kn["runs"][-1]["train_tokens"],
            "scored_tokens": kn["scored_tokens"],
            "met": gpt < kn["runs"][-1]["perplexity"],
        }
    return found


def main() -> int:
    runners = {"imdb": lambda quick, _: part_imdb(quick)}
    return run_parts(
        "textgen", __doc__, runners, goals, quick_help=f"a smoke run: {QUICK_STEPS} training steps, tiny scoring"
    )


if __name__ == "__main__":
    sys.exit(main())
