"""Segmentation benchmark: the segment app's U-Net beside the classical segmenter on MNIST digit scenes.

Data: ``kerasdl.data.digit_scenes`` on ``../shared/data/mnist/mnist.npz``: 128x128 black
canvases with two to six MNIST digits each, rescaled 0.8-1.6x and overlapping up to an IoU of
0.3 between boxes; 10,000 training and 1,000 validation scenes from MNIST's training digits
(split 5:1 per class), 1,000 test scenes from MNIST's test digits. The mask holds ``1 + d``
where digit ``d`` is visible (11 classes with the background).

Methods, scored by the app's ``evaluate`` on every pixel of the 1,000 whole test scenes:

- the app's default recipe (``unet``: 3 levels from 16 filters, batch norm, softmax), trained
  for ``STEPS`` steps of 16 random 64x64 crops (the scenes are 128x128: crops keep the digits'
  scale; the model runs on the whole scenes at test time);
- the classical segmenter the app fits in the same run on the same 10,000 training scenes:
  Otsu's threshold, connected components, HOG features of each component and an RBF SVC.

Goal (issue 19): mean IoU >= the classical segmenter's + 10 points. The seconds and the CPU
are recorded beside the scores; a 15-minute limit on training is a safety net, the budget is
the step count.

Results: ``benchmarks/results/segmentation.json`` (``segmentation_quick.json`` with ``--quick``)
and the overlay figure in ``benchmarks/results/segmentation/``.
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    RESULTS,
    ROOT,
    run_parts,
    shared_data,
    train_for_steps,
)

STEPS = 3000
QUICK_STEPS = 20
PATCH = 64
SAFETY_MINUTES = 15.0
GOAL_MEAN_IOU_GAIN = 0.10
FIGURES = RESULTS / "segmentation"
QUICK_FIGURES = ROOT / "runs" / "bench" / "segmentation" / "figures"
RUNS = ROOT / "runs" / "bench" / "segmentation"


def part_mnist_scenes(quick: bool) -> dict:
    from kerasdl.apps import Segmentation

    mnist = shared_data() / "mnist" / "mnist.npz"
    if not mnist.is_file():
        raise SystemExit(f"error: {mnist} is missing (see ../shared/data/README.md)")
    task = Segmentation(run_dir=RUNS / "unet")
    training = train_for_steps(
        task,
        steps=QUICK_STEPS if quick else STEPS,
        quick=quick,
        safety_minutes=SAFETY_MINUTES,
        dataset="mnist",
        dataset_file=mnist,
        patch_size=PATCH,
    )
    start = time.monotonic()
    figures = QUICK_FIGURES if quick else FIGURES
    evaluation = task.evaluate(figure=figures / "segmentation.png")
    metrics = evaluation.metrics
    print(evaluation.table, flush=True)
    return {
        "data": (
            "digit scenes from ../shared/data/mnist/mnist.npz: 128x128, 2-6 digits rescaled 0.8-1.6x, box IoU <= 0.3; "
            "10,000 train + 1,000 val scenes (MNIST train digits), 1,000 test scenes (MNIST test digits)"
        ),
        "model": {
            "recipe": task.model_name,
            "options": task.recipe.options,
            **training,
            "patch_size": PATCH,
        },
        "baseline": metrics["baseline"],
        "protocol": metrics["protocol"],
        "images_scored": metrics["images_scored"],
        "methods": metrics["methods"],
        "mean_iou_gain_over_classical": metrics["mean_iou_gain_over_classical"],
        "evaluation_seconds": round(time.monotonic() - start, 1),
        "figure": str(evaluation.files.get("overlay figure", figures / "segmentation.png")),
    }


def goals(results) -> dict:
    found = {}
    if "mnist_scenes" in results:
        gain = results["mnist_scenes"]["mean_iou_gain_over_classical"]
        found["mean_iou_gain_over_classical_at_least"] = {
            "value": gain,
            "goal": GOAL_MEAN_IOU_GAIN,
            "met": gain is not None and gain >= GOAL_MEAN_IOU_GAIN,
        }
    return found


def main() -> int:
    runners = {"mnist_scenes": lambda quick, _: part_mnist_scenes(quick)}
    return run_parts("segmentation", __doc__, runners, goals, quick_help="a smoke run: 20 training steps")


if __name__ == "__main__":
    sys.exit(main())
