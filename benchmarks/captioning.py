"""Captioning benchmark: the app's default recipe against nearest-neighbour retrieval, one run.

1. Generated scenes (the embedded default): ``kerasdl caption train`` with its defaults (at most
   10 minutes of CPU training), then ``evaluate`` on the 500 held-out scenes: BLEU-1..4 with all
   four references, beside the retrieval baseline (the caption of the closest training image in
   the trained encoder's feature space). Goal: BLEU-4 >= 0.90.
2. Flickr8k subset (``../shared/data/captioning/flickr8k_subset1000``, 1,000 real images):
   train on its official-train images (753), validate on official-dev (113), test on
   official-test (125), encoder trained from scratch, at most 8 minutes of training; BLEU-1..4
   beside retrieval. Goal: above retrieval on BLEU-4. Show, Attend and Tell reports 19.5
   BLEU-4 on the full Flickr8k (6,000 training images) with an ImageNet encoder.

Every command runs in a fresh process, as a user would run it. BLEU is sacreBLEU's corpus BLEU
(13a tokenizer) with every reference, on lower-cased captions without punctuation, in [0, 1].
Writes ``benchmarks/results/captioning.json`` (the parts run replace those already there).
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, kerasdl, machine, parts_parser, previous_results, selected_parts, shared_data  # noqa: E402

PARTS = ("scenes", "flickr8k_subset")
GOAL_SCENES_BLEU4 = 0.90
REFERENCES = {
    "Show, Attend and Tell (Xu et al. 2015), soft attention, full Flickr8k test, ImageNet (Oxford VGG) encoder": {
        "bleu1": 0.67,
        "bleu2": 0.448,
        "bleu3": 0.299,
        "bleu4": 0.195,
    },
}
PLANS = {
    "scenes": dict(
        budget_minutes=10,
        flags=[],
        quick=["--scenes", "400", "--epochs", "1", "--steps-per-epoch", "5"],
        description="generated scenes: 8,000 training, 500 validation, 500 test images (seed 0), 4 references each",
    ),
    "flickr8k_subset": dict(
        budget_minutes=8,
        flags=["--data", "captioning/flickr8k_subset1000", "--split-lists", "captioning/flickr8k_text"],
        quick=["--epochs", "1", "--steps-per-epoch", "3"],
        description="Flickr8k subset: official train 753 / dev 113 / test 125 images of the 1,000, 5 references each",
    ),
}


def measure(name: str, quick: bool) -> dict:
    plan = PLANS[name]
    flags = [str(shared_data() / f) if f.startswith("captioning/") else f for f in plan["flags"]]
    if name != "scenes" and not pathlib.Path(flags[1]).is_dir():
        return {"status": "not available", "note": f"missing {flags[1]}"}
    run_dir = ROOT / "runs" / "bench" / "captioning" / name
    limit = ["--time-limit", str(plan["budget_minutes"])]
    start = time.perf_counter()
    kerasdl("caption", "train", *flags, "--run-dir", run_dir, "--restart", *limit, *(plan["quick"] if quick else []))
    train_wall = time.perf_counter() - start
    out = run_dir / "evaluation.json"
    kerasdl("caption", "evaluate", "--run-dir", run_dir, "--output", out)
    report = json.loads(out.read_text())
    summary = json.loads((run_dir / "train_summary.json").read_text())
    return {
        "status": "measured",
        "data": plan["description"],
        "model": {
            "name": summary["model"],
            "parameters": summary["parameters"],
            "model_kwargs": summary["model_kwargs"],
            "vocabulary_size": summary["vocabulary_size"],
            "train_config": summary["train_config"],
            "batch_size_images": summary["batch_size"],
            "captions_per_image": summary["captions_per_image"],
            "fit_seconds": summary["train_seconds"],
            "train_command_seconds": round(train_wall, 1),
            "stopped_by_time_limit": summary["stopped_by_time_limit"],
            **{k: report["model"][k] for k in ("bleu1", "bleu2", "bleu3", "bleu4", "distinct_captions", "seconds")},
        },
        "retrieval": report["retrieval"],
        "bleu4_gain_over_retrieval": report["bleu4_gain_over_retrieval"],
        "test_images": report["images"],
        "decoding": report["decoding"],
        "bleu": report["bleu"],
        "examples": report["examples"][:4],
    }


def main() -> int:
    parser = parts_parser(__doc__, PARTS, "a smoke run: a few training steps")
    args, _ = parser.parse_known_args()  # `benchmarks/run.py` passes its own flags to every script
    parts = selected_parts(args.parts, PARTS)
    if parts is None:
        return 2

    import kerasdl  # noqa: F401  (quiet TF logging)
    from kerasdl.files import write_json

    out, result = previous_results("captioning", args.quick)
    result.update({"benchmark": "captioning", "quick": args.quick, "machine": machine(), "references": REFERENCES})
    for name in parts:
        result[name] = measure(name, args.quick)
    goals = {}
    scenes, flickr = result.get("scenes", {}), result.get("flickr8k_subset", {})
    if scenes.get("status") == "measured":
        goals[f"scenes_bleu4_ge_{GOAL_SCENES_BLEU4}"] = scenes["model"]["bleu4"] >= GOAL_SCENES_BLEU4
        goals["scenes_fit_within_10_min"] = scenes["model"]["fit_seconds"] <= 10 * 60 + 5
    if flickr.get("status") == "measured":
        goals["flickr_bleu4_above_retrieval"] = flickr["bleu4_gain_over_retrieval"] > 0
        goals["flickr_fit_within_8_min"] = flickr["model"]["fit_seconds"] <= 8 * 60 + 5
    result["goals"] = goals
    result["parts_last_run"] = parts
    write_json(result, out)
    for name in PARTS:
        r = result.get(name, {})
        if r.get("status") == "measured":
            m, b = r["model"], r["retrieval"]
            print(
                f"{name}: BLEU-1..4 "
                + "/".join(f"{m[f'bleu{n}']:.3f}" for n in (1, 2, 3, 4))
                + " vs retrieval "
                + "/".join(f"{b[f'bleu{n}']:.3f}" for n in (1, 2, 3, 4))
                + f"; fit {m['fit_seconds']:.0f} s"
            )
    print(f"goals: {goals}\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
