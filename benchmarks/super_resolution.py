"""Super-resolution benchmark, measured side by side in one run.

1. Quality: the default model trained with its default schedule on ``train400`` (25 epochs x
   180 steps: a step count, so a slow machine takes longer but trains the same model; a
   time limit is only a safety net), then Set5 and Set14 x3 Y-PSNR/SSIM beside bicubic.
2. Export: SavedModel and LiteRT parity with Keras.
3. Latency: LiteRT batch-1 vs Keras ``model.predict`` on the same input, as a ratio.
4. Throughput: training patches/s with XLA on vs off on the same batches, as a ratio.

Writes ``benchmarks/results/super_resolution.json``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, ROOT, kerasdl, machine, median_seconds, shared_data  # noqa: E402

GOAL_SET5_GAIN_DB = 2.8
SAFETY_MINUTES = 90.0  # the budget is the default's 4,500 steps; this only stops a runaway run


def xla_throughput(train_images, *, steps, scale=3):
    """Training patches/s of the default model with jit_compile on and off, same batches."""
    import keras

    from kerasdl.apps import SuperResolution
    from kerasdl.data.sr_patches import training_dataset

    batch = 16
    result = {}
    for jit in (False, True, False, True):  # interleaved, best of two each, against drift
        keras.utils.set_random_seed(0)
        data = training_dataset(train_images, scale=scale, batch_size=batch, seed=0)
        model = SuperResolution(scale=scale).build_model()  # the default recipe, untrained
        model.compile(keras.optimizers.Adam(1e-4), "mean_absolute_error", jit_compile=jit)
        model.fit(data, steps_per_epoch=10, epochs=1, verbose=0, shuffle=False)  # compile and warm up
        start = time.perf_counter()
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
        rate = steps * batch / (time.perf_counter() - start)
        key = "xla_on" if jit else "xla_off"
        result[key] = max(result.get(key, 0.0), rate)
    return {
        "patches_per_s": {k: round(v, 1) for k, v in result.items()},
        "ratio_on_over_off": round(result["xla_on"] / result["xla_off"], 3),
        "steps_timed": steps,
        "batch_size": batch,
    }


def latency(model_path, tflite_path, lr_image, repeats):
    """Median batch-1 latency of LiteRT and of Keras ``model.predict`` on the same LR image."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    import kerasdl

    model = kerasdl.load_model(model_path)
    x = lr_image[None].astype(np.float32)
    keras_s = median_seconds(lambda: model.predict(x, verbose=0), repeats=repeats)
    interpreter = Interpreter(model_path=str(tflite_path), num_threads=2)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, x.shape)
    interpreter.allocate_tensors()
    out_index = interpreter.get_output_details()[0]["index"]

    def run_tflite():
        interpreter.set_tensor(index, x)
        interpreter.invoke()
        return interpreter.get_tensor(out_index)

    tflite_s = median_seconds(run_tflite, repeats=repeats)
    diff = float(np.abs(run_tflite() - model.predict(x, verbose=0)).max())
    return {
        "input_shape": list(x.shape),
        "keras_predict_ms": round(keras_s * 1e3, 2),
        "tflite_ms": round(tflite_s * 1e3, 2),
        "ratio_tflite_over_keras": round(tflite_s / keras_s, 3),
        "max_abs_diff": diff,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--time-limit",
        type=float,
        default=SAFETY_MINUTES,
        help=f"safety net in minutes, not the budget (default {SAFETY_MINUTES:g})",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny training, few repeats")
    args = parser.parse_args()

    data = shared_data()
    train_dir, set5, set14 = data / "train400", data / "sr" / "Set5", data / "sr" / "Set14"
    if not train_dir.is_dir():
        print(f"error: benchmark data not found at {data} (set KERASDL_SHARED_DATA)", file=sys.stderr)
        return 2
    run_dir = ROOT / "runs" / "bench" / "super_resolution"
    export_dir = ROOT / "runs" / "bench" / "saved_models"
    quick = ["--epochs", "1", "--steps-per-epoch", "5"] if args.quick else []

    kerasdl(
        "sr", "train", "--data", train_dir, "--run-dir", run_dir, "--time-limit", args.time_limit, "--restart", *quick
    )
    train_summary = json.loads((run_dir / "train_summary.json").read_text())
    scores = {}
    for name, folder in (("Set5", set5), ("Set14", set14)):
        out = run_dir / f"eval_{name}.json"
        kerasdl(
            "sr",
            "evaluate",
            "--run-dir",
            run_dir,
            "--data",
            folder,
            "--output",
            out,
            "--figure",
            run_dir / f"before_after_{name}.png",
        )
        scores[name] = json.loads(out.read_text())
    kerasdl("sr", "export", "--run-dir", run_dir, "--export-dir", export_dir)
    versions = sorted(
        (export_dir / "super_resolution").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else -1
    )
    exported = versions[-1]
    metadata = json.loads((exported / "metadata.json").read_text())

    import kerasdl as _kerasdl  # noqa: F401  (quiet TF logging)
    from kerasdl.data.images import find_images, load_image
    from kerasdl.data.sr_patches import downscale, modcrop
    from kerasdl.files import write_json

    baby = modcrop(load_image(next(p for p in find_images(set5) if p.stem.startswith("baby")), channels=1), 3)
    lat = latency(
        run_dir / "best.keras", exported / "model.tflite", downscale(baby, 3).numpy(), repeats=5 if args.quick else 30
    )
    train_images = [load_image(p, channels=1) for p in find_images(train_dir)[:100]]
    xla = xla_throughput(train_images, steps=10 if args.quick else 60)

    set5_gain = scores["Set5"]["psnr_gain_db"]
    result = {
        "benchmark": "super_resolution",
        "quick": args.quick,
        "machine": machine(),
        "training": {
            "data": "train400 (400 grayscale 180x180 BSD crops; 10% held out for validation)",
            "seconds": train_summary["train_seconds"],
            "minutes": round(train_summary["train_seconds"] / 60, 2),
            "stopped_by_time_limit": train_summary["stopped_by_time_limit"],
            "model": train_summary["model"],
            "model_kwargs": train_summary["model_kwargs"],
            "parameters": train_summary["parameters"],
            "config": train_summary["train_config"],
        },
        "quality_x3": {
            name: {"mean": s["mean"], "psnr_gain_db": s["psnr_gain_db"], "images": s["images"]}
            for name, s in scores.items()
        },
        "export_parity_max_abs_diff": metadata["parity"]["max_abs_diff"],
        "latency_batch1": lat,
        "xla_training_throughput": xla,
        "goals": {
            f"set5_x3_gain_db >= {GOAL_SET5_GAIN_DB}": set5_gain >= GOAL_SET5_GAIN_DB,
            "trained every step (not stopped by the safety net)": not train_summary["stopped_by_time_limit"],
            "export parity <= 1e-4": all(
                v <= 1e-4 for k, v in metadata["parity"]["max_abs_diff"].items() if k != "serving_default"
            ),
        },
        "reference": {"ESPCN paper Set5 x3": {"espcn": 33.13, "bicubic": 30.39, "gain_db": 2.74}},
    }
    out = RESULTS / ("super_resolution_quick.json" if args.quick else "super_resolution.json")
    write_json(result, out)
    print(json.dumps({k: result[k] for k in ("goals", "latency_batch1", "xla_training_throughput")}, indent=2))
    print(
        f"Set5 x3: {scores['Set5']['mean']['model']['psnr']:.2f} dB vs bicubic {scores['Set5']['mean']['bicubic']['psnr']:.2f} "
        f"({set5_gain:+.2f} dB); Set14: {scores['Set14']['psnr_gain_db']:+.2f} dB; trained {result['training']['minutes']} min"
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
