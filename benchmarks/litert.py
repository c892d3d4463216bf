"""LiteRT benchmark: per app, the float32 file beside its quantized variants on the same inputs.

Each app's trained model is exported once with ``--quantize dynamic,float16,int8`` through the
one export path, which measures every variant the same way: file size, batch-1 latency (median,
XNNPACK with the number of threads stated in the JSON) beside Keras ``model.predict`` on the same
input, and the app's own metric on its evaluation data through ai-edge-litert (PSNR for SR and
denoising, accuracy for classification and sentiment, BLEU for translation, BLEU-4 for
captioning, the mean return for play...). The trained models are the app benchmarks' own runs
(``runs/bench/...``) where ``make bench`` has made them; a missing one is trained here on a short,
stated schedule (the loss a variant adds is measured against that same model).

Goals: SR x3 (the default model, Set5) and denoising (Set12): an int8 or float16 variant at
<= 0.2x Keras batch-1 latency (on a whole test image: Set5's baby at x3, LR 170x170, as the SR
benchmark measures; Set12's first image, 256x256) with <= 0.3 dB PSNR loss; classification (LeNet-5 on
MNIST) and sentiment (IMDB): int8 <= 1/3 of the float file's size with <= 1 point accuracy loss.

Writes ``benchmarks/results/litert.json``.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    ROOT,
    finish,
    kerasdl,
    machine,
    parts_parser,
    previous_results,
    selected_parts,
    shared_data,
    write_results,
)

RUNS = ROOT / "runs" / "bench"
EXPORTS = RUNS / "litert" / "saved_models"
VARIANTS = "dynamic,float16,int8"
GOAL_LATENCY_RATIO, GOAL_PSNR_LOSS_DB = 0.2, 0.3
GOAL_SIZE_RATIO, GOAL_ACCURACY_LOSS = 1 / 3, 1.0


def plans(data: pathlib.Path) -> dict:
    """Per part: the app, the app benchmark's run (if made), the short training that stands in for it, export flags."""
    mnist = data / "mnist" / "mnist.npz"
    return {
        "super_resolution": {
            "app": "sr",
            "run": RUNS / "super_resolution",
            "train": ["--data", data / "train400", "--epochs", "10", "--steps-per-epoch", "100"],
            "export": ["--quantize-data", data / "sr" / "Set5"],
            "scored_on": "Set5 x3 (Y-PSNR, border 3)",
        },
        "denoising": {
            "app": "denoise",
            "run": RUNS / "denoising",
            "train": ["--data", data / "train400", "--epochs", "10", "--steps-per-epoch", "100"],
            "export": ["--quantize-data", data / "denoise" / "Set12"],
            "scored_on": "Set12, Gaussian sigma 25 (PSNR)",
        },
        "classification": {
            "app": "classify",
            "run": RUNS / "litert" / "lenet5_mnist",  # the model: LeNet-5, not the app's default
            "own_run": True,
            "train": [
                *("--model", "lenet5", "--dataset", "mnist", "--dataset-file", mnist),
                *("--epochs", "3", "--batch-size", "128"),
            ],
            "export": [],
            "scored_on": "MNIST test part of the run's split (accuracy)",
        },
        "sentiment": {
            "app": "sentiment",
            "run": RUNS / "sentiment" / "imdb",
            "train": [
                *("--data", data / "sentiment" / "imdb" / "train.csv.gz"),
                *("--test-data", data / "sentiment" / "imdb" / "test.csv.gz"),
            ],
            "export": [],
            "scored_on": "IMDB test reviews (accuracy)",
        },
        "translation": {
            "app": "translate",
            "run": RUNS / "translation" / "spa_eng" / "transformer",
            "train": [
                *("--data", data / "translation" / "spa-eng" / "spa.txt"),
                *("--epochs", "4", "--steps-per-epoch", "250"),
            ],
            "export": [],
            "scored_on": "the run's held-out pairs (BLEU, greedy)",
        },
        "captioning": {
            "app": "caption",
            "run": RUNS / "captioning" / "scenes",
            "train": ["--epochs", "4", "--steps-per-epoch", "100"],
            "export": [],
            "scored_on": "the run's test scenes (BLEU-4, greedy)",
        },
        "generation": {  # its own run: a quick smoke run of the generative benchmark rewrites runs/bench/generative
            "app": "generate",
            "run": RUNS / "litert" / "generation",
            "own_run": True,
            "train": ["--epochs", "5"],
            "export": [],
            "scored_on": "the run's test images",
        },
        "play": {  # its own run, as generation's
            "app": "play",
            "run": RUNS / "litert" / "play",
            "own_run": True,
            "train": ["--env", "CartPole-v1", "--epochs", "6", "--steps-per-epoch", "2500"],
            "export": [],
            "scored_on": "greedy episodes (mean return)",
        },
    }


PARTS = tuple(plans(pathlib.Path(".")))


def _model_file(run: pathlib.Path) -> pathlib.Path:
    return run / "best.keras"


def measure(name: str, plan: dict, quick: bool) -> dict:
    """Trains the model if the app benchmark did not, exports it with every variant, returns what was measured."""
    own = plan["run"] if plan.get("own_run") else RUNS / "litert" / name
    if quick:  # a smoke run's tiny models never stand in for the real ones
        own = RUNS / "litert_quick" / name
    schedule = "this benchmark, short schedule: " + " ".join(map(str, plan["train"]))
    app_run = None if plan.get("own_run") else plan["run"]
    found = [(run, by) for run, by in ((app_run, "the app benchmark (runs/bench)"), (own, schedule)) if run]
    found = [(run, by) for run, by in found if _model_file(run).is_file()]
    if quick or not found:
        train = plan["train"] + (["--epochs", "1", "--steps-per-epoch", "5"] if quick else [])
        start = time.perf_counter()
        kerasdl(plan["app"], "train", *train, "--run-dir", own, "--restart")
        found = [(own, f"{schedule} ({time.perf_counter() - start:.0f} s)")]
    run, trained_by = found[0]
    if not _model_file(run).is_file():
        return {"status": "not available", "note": f"no model in {run}"}
    start = time.perf_counter()
    kerasdl(
        plan["app"],
        "export",
        "--run-dir",
        run,
        "--export-dir",
        EXPORTS,
        "--quantize",
        VARIANTS,
        "--max-loss",
        "1e9",  # measure every variant; the goals below judge them
        *plan["export"],
    )
    app_dir = EXPORTS / json.loads((run / "task.json").read_text()).get("app", name)
    latest = max((p for p in app_dir.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    metadata = json.loads((latest / "metadata.json").read_text())
    extra = {}
    if name in ("super_resolution", "denoising"):
        x = whole_image_input(name, shared_data())
        extra["latency_whole_image"] = whole_image_latency(run, latest, x, repeats=5 if quick else 20)
    return {
        "status": "measured",
        "model": metadata.get("model"),
        "trained_by": trained_by,
        "scored_on": plan["scored_on"],
        "export_seconds": round(time.perf_counter() - start, 1),
        "model_tflite_bytes": metadata["litert"]["variants"]["none"]["bytes"],
        "litert": metadata["litert"],
        **extra,
    }


def whole_image_input(name: str, data: pathlib.Path):
    """The whole-image batch-1 input of the image apps: Set5's baby at x3 (LR 170x170, the SR benchmark's latency
    input) and Set12's first image (256x256) with sigma-25 noise."""
    import numpy as np

    from kerasdl.data.images import find_images, load_image

    if name == "super_resolution":
        from kerasdl.data.sr_patches import downscale, modcrop

        baby = next(p for p in find_images(data / "sr" / "Set5") if p.stem.startswith("baby"))
        return np.asarray(downscale(modcrop(load_image(baby, channels=1), 3), 3), np.float32)[None]
    clean = load_image(find_images(data / "denoise" / "Set12")[0], channels=1)
    noisy = clean + np.random.default_rng(0).normal(0.0, 25 / 255, clean.shape)
    return noisy.astype(np.float32)[None]


def whole_image_latency(run: pathlib.Path, version: pathlib.Path, x, repeats: int) -> dict:
    """Batch-1 latency of Keras ``model.predict`` and of every LiteRT file of ``version`` on one whole image."""
    import kerasdl
    from kerasdl.export.quantize import FILES, LiteRTRunner, keras_latency_ms, runner_latency_ms

    keras_ms = keras_latency_ms(kerasdl.load_model(run / "best.keras"), x, repeats=repeats)
    result = {"input_shape": list(x.shape), "keras_predict_ms": round(keras_ms, 3)}
    for variant, name in FILES.items():
        if (version / name).is_file():
            ms = runner_latency_ms(LiteRTRunner(version / name), x, repeats=repeats)
            result[variant] = {"ms": round(ms, 3), "ratio_keras": round(ms / keras_ms, 4)}
    return result


def _best(result: dict, variants=("int8", "float16")) -> dict:
    """The variant among ``variants`` fastest on the whole image that keeps its PSNR within the goal, else the fastest."""
    whole = result["latency_whole_image"]
    found = {v: result["litert"]["variants"][v] for v in variants if v in result["litert"]["variants"]}
    good = [v for v, e in found.items() if e["loss"] <= GOAL_PSNR_LOSS_DB] or list(found)
    name = min(good, key=lambda v: whole[v]["ratio_keras"])
    return {"variant": name, "loss": found[name]["loss"], "ratio_keras": whole[name]["ratio_keras"]}


def goals(results: dict) -> dict:
    found = {}
    for name, label in (("super_resolution", "SR x3 on Set5"), ("denoising", "denoising on Set12")):
        if results.get(name, {}).get("status") == "measured":
            best = _best(results[name])
            shape = "x".join(map(str, results[name]["latency_whole_image"]["input_shape"][1:3]))
            found[f"{label}: int8 or float16 at <= {GOAL_LATENCY_RATIO}x Keras batch-1 latency ({shape} image)"] = (
                best["ratio_keras"] <= GOAL_LATENCY_RATIO
            )
            found[f"{label}: that variant ({best['variant']}) loses <= {GOAL_PSNR_LOSS_DB} dB"] = (
                best["loss"] <= GOAL_PSNR_LOSS_DB
            )
    for name, label in (("classification", "LeNet-5 on MNIST"), ("sentiment", "sentiment on IMDB")):
        if results.get(name, {}).get("status") == "measured":
            int8 = results[name]["litert"]["variants"]["int8"]
            found[f"{label}: int8 <= 1/3 of the float32 file"] = int8["size_ratio"] <= GOAL_SIZE_RATIO
            found[f"{label}: int8 loses <= {GOAL_ACCURACY_LOSS} point of accuracy"] = int8["loss"] <= GOAL_ACCURACY_LOSS
    return found


def main() -> int:
    parser = parts_parser(__doc__, PARTS, "a smoke run: tiny training for every part")
    args = parser.parse_args()
    chosen = selected_parts(args.parts, PARTS)
    if chosen is None:
        return 2
    data = shared_data()
    if not (data / "train400").is_dir():
        print(f"error: benchmark data not found at {data} (set KERASDL_SHARED_DATA)", file=sys.stderr)
        return 2
    out, results = previous_results("litert", args.quick)
    results.update({"benchmark": "litert", "quick": args.quick, "machine": machine(), "variants": VARIANTS})
    all_plans = plans(data)
    for name in chosen:
        print(f"--- {name}", flush=True)
        try:
            results[name] = measure(name, all_plans[name], args.quick)
        except Exception as error:  # noqa: BLE001 - one app failing must not lose the others' numbers
            results[name] = {"status": "failed", "error": f"{type(error).__name__}: {error}"[:500]}
        write_results(out, results)
    return finish(out, results, goals(results))


if __name__ == "__main__":
    sys.exit(main())
