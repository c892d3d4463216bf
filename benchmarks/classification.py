"""Image-classification benchmark, measured side by side in one run.

1. digits: the app's default model (``kerasdl classify train`` with its defaults) against the
   scikit-learn baselines (RBF SVC, the app's default, and logistic regression) on the same
   seeded 60/20/20 splits: split seed 0 (the app's) and two more, since 359 test images
   make one error worth 0.28 points.
2. MNIST: the default model's test error, when ``mnist.npz`` is available locally.
3. Build time of each vision builder against its keras.applications counterpart, as a
   ratio (median of a few builds, ``keras.backend.clear_session()`` between).
4. Training throughput of ``kerasdl.get_model("resnet50")`` against
   ``keras.applications.ResNet50`` on the same batches, as a ratio.

Builders not (yet) in the registry are skipped with a note. Writes
``benchmarks/results/classification.json`` (the parts run replace those already there).
"""

from __future__ import annotations

import json
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, kerasdl, machine, parts_parser, previous_results, selected_parts, shared_data  # noqa: E402

PARTS = ("digits", "mnist", "build", "throughput")
DIGITS_SEEDS = (0, 1, 2)
GOAL_BUILD_RATIO = 1.1
# registry name -> keras.applications class name
REFERENCES = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50": "ResNet50",
    "resnet101": "ResNet101",
    "resnet152": "ResNet152",
    "inception_v3": "InceptionV3",
    "mobilenet": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
}


def _registered(name) -> bool:
    from kerasdl.registry import list_models

    return name in list_models(family="vision")


def digits(quick: bool) -> dict:
    """The default model vs the baselines on the digits test split, for a few split seeds."""
    runs = []
    for seed in DIGITS_SEEDS[:1] if quick else DIGITS_SEEDS:
        run_dir = ROOT / "runs" / "bench" / "classify" / f"digits_seed{seed}"
        kerasdl(
            "classify",
            "train",
            "--run-dir",
            run_dir,
            "--split-seed",
            seed,
            "--restart",
            *(["--epochs", "2"] if quick else []),
        )
        summary = json.loads((run_dir / "train_summary.json").read_text())
        scores = {}
        for baseline in ("svc", "logistic"):
            out = run_dir / f"evaluation_{baseline}.json"
            kerasdl(
                "classify",
                "evaluate",
                "--run-dir",
                run_dir,
                "--baseline",
                baseline,
                "--output",
                out,
                "--figure",
                run_dir / "confusion_matrix.png",
            )
            scores[baseline] = json.loads(out.read_text())
        runs.append(
            {
                "split_seed": seed,
                "model_accuracy": scores["svc"]["model"]["accuracy"],
                "svc_accuracy": scores["svc"]["baseline"]["accuracy"],
                "logistic_accuracy": scores["logistic"]["baseline"]["accuracy"],
                "test_images": scores["svc"]["split"]["test"],
                "train_seconds": summary["train_seconds"],
            }
        )
    mean = {
        k: round(statistics.mean(r[k] for r in runs), 5)
        for k in ("model_accuracy", "svc_accuracy", "logistic_accuracy")
    }
    return {
        "data": "scikit-learn digits (1,797 8x8 images), stratified 60/20/20 per split seed",
        "model": summary["model"],
        "input": f"{summary['input_size']}x{summary['input_size']}x{summary['channels']}",
        "parameters": summary["parameters"],
        "train_config": summary["train_config"],
        "runs": runs,
        "mean": mean,
        "goal_model_above_svc": {
            "split_seed_0": runs[0]["model_accuracy"] > runs[0]["svc_accuracy"],
            "mean_over_seeds": mean["model_accuracy"] > mean["svc_accuracy"],
        },
    }


def _mnist_file() -> pathlib.Path | None:
    from kerasdl.data.classification import keras_home

    for path in (
        shared_data() / "mnist" / "mnist.npz",
        shared_data() / "keras_datasets" / "mnist.npz",
        keras_home() / "datasets" / "mnist.npz",
    ):
        if path.is_file():
            return path
    return None


def mnist(quick: bool, time_limit: float) -> dict:
    """The default model's MNIST test error, or a note that the data is not here."""
    path = _mnist_file()
    if path is None:
        return {
            "status": "not available",
            "note": f"no mnist.npz in {shared_data() / 'keras_datasets'} or ~/.keras/datasets",
        }
    run_dir = ROOT / "runs" / "bench" / "classify" / "mnist"
    kerasdl(
        "classify",
        "train",
        "--dataset",
        "mnist",
        "--dataset-file",
        path,
        "--run-dir",
        run_dir,
        "--restart",
        "--epochs",
        1 if quick else 10,
        "--time-limit",
        1 if quick else time_limit,
        "--batch-size",
        128,
    )
    out = run_dir / "evaluation.json"
    kerasdl("classify", "evaluate", "--run-dir", run_dir, "--dataset-file", path, "--output", out)
    report = json.loads(out.read_text())
    summary = json.loads((run_dir / "train_summary.json").read_text())
    return {
        "status": "measured",
        "file": str(path),
        "model": summary["model"],
        "test_error": report["model"]["error"],
        "baseline": report["baseline"],
        "train_seconds": summary["train_seconds"],
        "stopped_by_time_limit": summary["stopped_by_time_limit"],
        "reference": {"LeNet-5 (LeCun et al. 1998), no distortions": 0.0095},
    }


def build_times(repeats: int) -> dict:
    """Median build seconds of ours vs keras.applications' (weights=None, default input), as a ratio."""
    import keras

    import kerasdl

    results = {}
    for name, reference in REFERENCES.items():
        if not _registered(name):
            results[name] = {"status": "skipped", "note": f"{name} is not in the registry"}
            continue
        ours_fn = lambda name=name: kerasdl.get_model(name)
        ref_fn = lambda reference=reference: getattr(keras.applications, reference)(weights=None)
        times = {"ours": [], "keras": []}
        params = {}
        for _ in range(repeats):  # interleaved against drift
            for key, fn in (("ours", ours_fn), ("keras", ref_fn)):
                keras.backend.clear_session()
                start = time.perf_counter()
                model = fn()
                times[key].append(time.perf_counter() - start)
                params[key] = model.count_params()
                del model
        keras.backend.clear_session()
        med = {k: statistics.median(v) for k, v in times.items()}
        results[name] = {
            "reference": f"keras.applications.{reference}",
            "seconds_median": {k: round(v, 3) for k, v in med.items()},
            "ratio_ours_over_keras": round(med["ours"] / med["keras"], 3),
            "parameters": params,
            "same_parameter_count": params["ours"] == params["keras"],
        }
    ratios = [r["ratio_ours_over_keras"] for r in results.values() if "ratio_ours_over_keras" in r]
    return {
        "repeats": repeats,
        "models": results,
        "goal_all_ratios_le_1.1": bool(ratios) and all(r <= GOAL_BUILD_RATIO for r in ratios),
    }


def throughput(steps: int, batch: int = 16) -> dict:
    """Training images/s of kerasdl's resnet50 vs keras.applications.ResNet50 on the same batches."""
    import keras
    import numpy as np
    import tensorflow as tf

    import kerasdl

    if not _registered("resnet50"):
        return {"status": "skipped", "note": "resnet50 is not in the registry"}
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (4 * batch, 64, 64, 3)).astype(np.float32)
    y = rng.integers(0, 10, 4 * batch)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).repeat()
    builders = {
        "ours": lambda: kerasdl.get_model("resnet50", input_shape=(64, 64, 3), classes=10),
        "keras": lambda: keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=10),
    }
    rates = {}
    for key in ("ours", "keras", "ours", "keras"):  # interleaved, best of two each
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = builders[key]()
        model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", jit_compile=False)
        model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)  # trace and warm up
        start = time.perf_counter()
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
        rates[key] = max(rates.get(key, 0.0), steps * batch / (time.perf_counter() - start))
    keras.backend.clear_session()
    return {
        "input": "64x64x3 random images, 10 classes",
        "batch_size": batch,
        "steps_timed": steps,
        "images_per_s": {k: round(v, 2) for k, v in rates.items()},
        "ratio_ours_over_keras": round(rates["ours"] / rates["keras"], 3),
    }


def main() -> int:
    parser = parts_parser(__doc__, PARTS, "a smoke run: tiny training, few repeats")
    parser.add_argument("--time-limit", type=float, default=10.0, help="MNIST training budget in minutes (default 10)")
    args, _ = parser.parse_known_args()  # `benchmarks/run.py` passes its own flags to every script
    parts = selected_parts(args.parts, PARTS)
    if parts is None:
        return 2

    import kerasdl  # noqa: F401  (quiet TF logging)
    from kerasdl.files import write_json

    out, result = previous_results("classification", args.quick)
    result.update({"benchmark": "classification", "quick": args.quick, "machine": machine()})
    if "digits" in parts:
        result["digits"] = digits(args.quick)
    if "mnist" in parts:
        result["mnist"] = mnist(args.quick, args.time_limit)
    if "build" in parts:
        result["build_time"] = build_times(1 if args.quick else 3)
    if "throughput" in parts:
        result["resnet50_training_throughput"] = throughput(2 if args.quick else 20)
    result["parts_last_run"] = parts
    write_json(result, out)
    if "digits" in result:
        d = result["digits"]
        print(
            f"digits: {d['model']} {d['mean']['model_accuracy']:.4f} vs SVC {d['mean']['svc_accuracy']:.4f} "
            f"vs logistic {d['mean']['logistic_accuracy']:.4f} (mean of {len(d['runs'])} split seeds)"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
