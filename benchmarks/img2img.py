"""Image-to-image GAN benchmark: pix2pix, CycleGAN and SRGAN against a ground truth, side by side in one run.

1. paired: MNIST edges -> digit at 32x32 (each digit padded from 28x28, its edge map by
   scikit-image's Canny: ``kerasdl.data.paired_images.digit_edges``). The app's ``pix2pix``
   and the same U-Net trained on L1 alone (``unet-l1``, the pix2pix paper's ablation) train on
   MNIST's training digits for the same steps and are scored on the first 2,000 test digits:
   PSNR/SSIM against the true digit (the app's own scoring, beside histogram matching), and,
   through a LeNet-5 judge trained on the real training digits (the generation benchmark's
   ``Judge``), the label accuracy of the outputs (the judge's reading against the true label)
   and the Fréchet distance of the outputs to the real test digits in the judge's F6 features.
2. unpaired: MNIST's training digits split into two disjoint halves; domain A is the first half
   as it is, domain B the second half dilated (disk of radius 1) then inverted
   (``digit_transform``, the app's default transform), which the model is never told. The
   app's ``cyclegan`` (16 filters, 6 blocks, 34x34 PatchGANs: the whole 32 px crop) learns
   A <-> B without pairs; the first 2,000 test digits translated
   A -> B are scored against the true transform of the same digits: PSNR/SSIM, the cycle
   A -> B -> A, and label accuracy and Fréchet distance through a second LeNet-5 judge trained
   on the transformed training digits (a classifier of domain B: the dilation cannot be
   undone, so the outputs are not mapped back for the first judge). In the same run:
   scikit-image's histogram matching of each test digit to domain B's pooled pixels (the
   classical answer, computed by the app's evaluation) and keras.io's ``cyclegan.py``
   configuration built with our builders through the same app at keras.io's settings
   (ResNet generators of 9 blocks and 64 filters, instance norm, its 70x70 PatchGAN of 64
   filters, least-squares GAN, cycle 10, identity 0.5, Adam 2e-4 with beta_1 0.5, batch size 1
   as keras.io trains), for the same steps.
3. srgan: x4 super-resolution on luminance, trained on ``train400``: the SR app's ``srresnet``
   (MSE) and ``srgan`` (adversarial fine-tuning of that SRResNet), scored on Set5 and Set14 as
   the SR benchmark scores (Y, border 4, bicubic-downscaled inputs) beside bicubic: PSNR, SSIM
   and NIQE (``kerasdl.metrics.perceptual``, the LIVE release's pristine model; lower is more
   natural). The paper's SRResNet reaches 32.05 dB on Set5 x4 after days of training on
   350,000 ImageNet images; this trains minutes on 400 grayscale crops.

Each model gets the same number of steps as the model it is compared with (not the same
minutes; SRGAN's adversarial steps come on top of its SRResNet's); the seconds and the CPU are
recorded beside them, and a time limit of 15 minutes per model is only a safety net. The step
counts come from short timed runs of each model's training step on the 2-core AVX-512 Xeon of
``make bench`` while other jobs shared it (load average 5-7): wall seconds per step as
measured there, CPU seconds per step (what the step costs), and the minutes the chosen steps
take at about 0.55x the shared wall time (the uncontended rate those CPU seconds imply on two
cores), with the shared-machine minutes in brackets:

=================  =====  =============  ==========  =====  ==========
model              batch  s/step shared  CPU-s/step  steps  minutes
=================  =====  =============  ==========  =====  ==========
pix2pix            16     0.061-0.070    0.041       10000  ~6 (10-12)
unet-l1            16     0.033-0.035    0.025       10000  ~3 (6)
cyclegan           16     0.55-0.95      0.47        1000   ~5 (8-9)
keras.io cyclegan  1      1.4-1.5        0.91        1000   ~13 (15: cap)
srresnet           16     0.55           0.39        1200   ~6 (11)
srgan              16     1.32           1.14        500    ~6 (11)
=================  =====  =============  ==========  =====  ==========

(CycleGAN's 1,000 steps were raised from 500 after a 180-step probe left its digits half
formed; on the shared machine keras.io's configuration then met the 15-minute cap at 900
steps. The app's recipe first had 16x16 PatchGANs, half the crop as pix2pix's, and bent the
digits: 8.9 dB, labels kept 63%.) (SRResNet and SRGAN on 24x24 low-resolution patches, the paper's 96x96 at x4. With 3,000
SRResNet steps, SRResNet read 29.36 dB / NIQE 8.30 on Set5, better than bicubic on both, and
SRGAN's 500 adversarial steps from it fell to 26.86 dB / NIQE 10.24: the longer pretraining
was not kept.) With the
judges, the Canny edges and the scoring (about 1-2.5 minutes per model: 2,000 test digits one
by one through the app's scoring; Set5 and Set14 with NIQE) the run takes about 45 minutes on
an unshared machine.

Figures go to ``benchmarks/results/img2img/``; results to ``benchmarks/results/img2img.json``
(``img2img_quick.json`` with ``--quick``, whose figures go to ``runs/bench/img2img/figures/``;
the parts run replace those already there).
"""

from __future__ import annotations

import json
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

# Steps per model (equal within a part); batch sizes are the apps' defaults (keras.io's 1 for its CycleGAN).
STEPS = {"paired": 10000, "unpaired": 1000, "srresnet": 1200, "srgan": 500}
QUICK_STEPS = {"paired": 20, "unpaired": 6, "srresnet": 10, "srgan": 10}
BATCH = {"pix2pix": 16, "unet-l1": 16, "cyclegan": 16, "keras-io-cyclegan": 1}
SAFETY_MINUTES = 15.0  # per model: the CPU limit; the budget is the step count
TEST_DIGITS = 2000  # the first 2,000 MNIST test digits
QUICK_TEST_DIGITS = 200
JUDGE_STEPS = 2000
QUICK_JUDGE_STEPS = 50
SIDE = 32  # MNIST's 28x28 padded by 2 pixels on each side
SR_SCALE = 4
SR_PATCH = 24  # low-resolution training patches: the paper's 96x96 high-resolution ones at x4
FIGURES = RESULTS / "img2img"
QUICK_FIGURES = ROOT / "runs" / "bench" / "img2img" / "figures"  # a smoke run leaves the committed figures alone
RUNS = ROOT / "runs" / "bench" / "img2img"
KERAS_IO_CYCLEGAN = {"filters": 64, "num_blocks": 9, "discriminator_filters": 64, "receptive_field": 70}
PAPER_SRRESNET_SET5_X4_DB = 32.05
GOALS = {
    "paired_fd_ratio_pix2pix_to_unet_l1_at_most": 0.5,
    "paired_pix2pix_label_accuracy_at_least": 0.95,
    "unpaired_psnr_gain_over_histogram_matching_db_at_least": 3.0,
    "unpaired_cyclegan_label_accuracy_at_least": 0.95,
    "unpaired_psnr_above_keras_io": 0.0,
    "srgan_psnr_gain_over_bicubic_db_at_least": 0.5,
}


# ---------------------------------------------------------------- data


def mnist32(quick: bool) -> dict:
    """MNIST padded to 32x32, float32 ``(n, 32, 32, 1)`` in [0, 1], with the test subset the parts are scored on."""
    import numpy as np

    path = shared_data() / "mnist" / "mnist.npz"
    if not path.is_file():
        raise SystemExit(f"error: {path} is missing (see ../shared/data/README.md)")
    pad = (SIDE - 28) // 2
    with np.load(path) as data:
        arrays = {k: data[k] for k in ("x_train", "y_train", "x_test", "y_test")}

    def pixels(x):
        return (np.pad(x, ((0, 0), (pad, pad), (pad, pad)))[..., None] / 255.0).astype(np.float32)

    count = QUICK_TEST_DIGITS if quick else TEST_DIGITS
    return {
        "train": pixels(arrays["x_train"]),
        "train_labels": arrays["y_train"].astype(np.int32),
        "test": pixels(arrays["x_test"][:count]),
        "test_labels": arrays["y_test"][:count].astype(np.int32),
        # as many other real test digits: the Fréchet distance two real samples of this size are apart
        "other_test": pixels(arrays["x_test"][count : 2 * count]),
    }


def image_pairs(a, b, *, paired: bool, source: str):
    """An app ``ImagePairs`` of two arrays of images."""
    from kerasdl.data.paired_images import ImagePairs

    names_a = [f"{i:05d}" for i in range(len(a))]
    names_b = list(names_a) if paired else [f"{i:05d}" for i in range(len(a), len(a) + len(b))]
    return ImagePairs(list(a), list(b), names_a, names_b, paired, source)


def translation_task(model: str, *, data: dict, run_dir, model_options=None):
    """The ``img2img`` app reading in-memory sets: ``train(name)`` takes ``data[name]`` (no folder of PNGs).

    Only where the data comes from differs from ``ImageTranslation``: the split into training
    and validation images, the crops, the model, the optimizer and the training step are the app's.
    """
    from kerasdl.apps import ImageTranslation

    class ArrayTranslation(ImageTranslation):
        def _read(self, name, *, channels=None):
            return data[str(name)]

    return ArrayTranslation(model, channels=1, model_options=model_options, run_dir=run_dir)


# ---------------------------------------------------------------- judging


def train_judge(images, labels, *, steps: int, what: str) -> tuple:
    """A LeNet-5 judge trained on ``images``; returns it and its JSON entry."""
    from kerasdl.apps.generation.judge import Judge

    start = time.monotonic()
    judge = Judge.train(images, labels, classes=10, steps=steps)
    return judge, {
        "model": "LeNet-5 (modern variant) at 32x32",
        "trained_on": what,
        "steps": steps,
        "train_seconds": round(time.monotonic() - start, 1),
    }


def judged(judge, outputs, labels, real) -> dict:
    """Label accuracy of ``outputs`` and their Fréchet distance to ``real`` in the judge's F6 features."""
    from kerasdl.apps.generation.judge import sample_quality

    quality = sample_quality(judge, outputs, real, generated_labels=labels)
    return {"label_accuracy": quality["label_accuracy"], "frechet_distance": quality["frechet_distance"]}


def train_app(task, data, *, steps, quick, patch_size, **options):
    """Trains an app task for ``steps`` on ``data`` (:func:`benchmarks.common.train_for_steps`); the entry names the model."""
    entry = train_for_steps(
        task, data, steps=steps, quick=quick, safety_minutes=SAFETY_MINUTES, patch_size=patch_size, **options
    )
    return {
        "model": task.model_name,
        "model_options": task.recipe.options,
        **entry,
        "images_seen": entry["steps"] * entry["batch_size"],
    }


def train_translator(task, data_name, *, steps, batch_size, quick):
    """Trains an img2img task on the named in-memory data; the entry adds the builder's arguments."""
    entry = train_app(task, data_name, steps=steps, quick=quick, patch_size=SIDE, batch_size=batch_size)
    arguments = {k: v for k, v in task._builder_arguments(SIDE).items() if k != "input_shape"}
    return {**entry, "model_options": task.model_options, "builder_arguments": arguments}


def app_scores(task, pairs, reference_b, *, back: bool):
    """The app's scoring (``evaluate_pairs``): PSNR/SSIM of the model, the input and histogram matching."""
    from kerasdl.apps.img2img.evaluation import HistogramMatcher, evaluate_pairs

    report, results = evaluate_pairs(
        task.generator("AtoB"),
        pairs,
        matcher=HistogramMatcher(reference_b),
        dataset=pairs.source,
        direction="AtoB",
        back=task.generator("BtoA") if back else None,
    )
    return report, results


def stacked(results, method):
    import numpy as np

    return np.stack([r.outputs[method] for r in results])


# ---------------------------------------------------------------- parts


def part_paired(quick) -> dict:
    from kerasdl.data.paired_images import digit_edges

    found = mnist32(quick)
    steps = QUICK_STEPS["paired"] if quick else STEPS["paired"]
    data = {"mnist-edges": image_pairs(digit_edges(found["train"]), found["train"], paired=True, source="MNIST train")}
    test = image_pairs(digit_edges(found["test"]), found["test"], paired=True, source="MNIST test")
    judge, judge_entry = train_judge(
        found["train"],
        found["train_labels"],
        steps=QUICK_JUDGE_STEPS if quick else JUDGE_STEPS,
        what="MNIST's 60,000 real training digits",
    )
    judge_entry["test_accuracy"] = judge.accuracy(found["test"], found["test_labels"])
    entry = {
        "data": (
            f"MNIST edges (Canny, sigma 1) -> digit, 32x32; trained on the training digits (every tenth held "
            f"out for validation by the app), scored on the first {len(found['test'])} test digits"
        ),
        "judge": judge_entry,
        "reference": {
            "real_test_digits": judged(judge, found["test"], found["test_labels"], found["other_test"]),
            "note": "the judge on the true digits, and the Fréchet distance between two real test samples of this size",
        },
        "models": {},
    }
    outputs = {}
    for model in ("unet-l1", "pix2pix"):
        task = translation_task(model, data=data, run_dir=RUNS / model)
        start = time.monotonic()
        model_entry = train_translator(task, "mnist-edges", steps=steps, batch_size=BATCH[model], quick=quick)
        report, results = app_scores(task, test, found["train"], back=False)
        outputs[model] = stacked(results, "model")
        model_entry["scores"] = {
            **report["mean"]["model"],
            **judged(judge, outputs[model], found["test_labels"], found["test"]),
        }
        model_entry["seconds_with_evaluation"] = round(time.monotonic() - start, 1)
        entry["models"][model] = model_entry
        entry["baselines"] = {m: report["mean"][m] for m in ("identity", "histogram")}
        print(json.dumps({model: model_entry["scores"], "train_seconds": model_entry["train_seconds"]}), flush=True)
    entry["figure"] = figure_path("paired.png", quick)
    paired_figure(test, found["test_labels"], outputs, ROOT / entry["figure"])
    return entry


def part_unpaired(quick) -> dict:
    import numpy as np

    from kerasdl.data.paired_images import digit_transform

    found = mnist32(quick)
    steps = QUICK_STEPS["unpaired"] if quick else STEPS["unpaired"]
    half = len(found["train"]) // 2
    domain_b = digit_transform(found["train"][half:])
    data = {"mnist-unpaired": image_pairs(found["train"][:half], domain_b, paired=False, source="MNIST train halves")}
    truth = digit_transform(found["test"])
    test = image_pairs(found["test"], truth, paired=True, source="MNIST test")
    judge, judge_entry = train_judge(
        np.concatenate([digit_transform(found["train"][:half]), domain_b]),
        found["train_labels"],
        steps=QUICK_JUDGE_STEPS if quick else JUDGE_STEPS,
        what="MNIST's 60,000 training digits dilated and inverted (a classifier of domain B)",
    )
    judge_entry["test_accuracy"] = judge.accuracy(truth, found["test_labels"])
    entry = {
        "data": (
            f"MNIST train halves: A = the first {half} digits, B = the other {len(found['train']) - half} dilated "
            f"(disk radius 1) and inverted; scored A -> B on the first {len(found['test'])} test digits against "
            "their true transform"
        ),
        "judge": judge_entry,
        "reference": {
            "true_transform": judged(judge, truth, found["test_labels"], digit_transform(found["other_test"])),
            "note": "the judge on the true transforms, and the Fréchet distance between two real samples of this size",
        },
        "models": {},
    }
    runs = {
        "cyclegan": ("cyclegan", None),
        "keras-io-cyclegan": ("cyclegan", KERAS_IO_CYCLEGAN),
    }
    outputs, cycles = {}, {}
    for name, (model, options) in runs.items():
        task = translation_task(model, data=data, run_dir=RUNS / name, model_options=options)
        start = time.monotonic()
        model_entry = train_translator(task, "mnist-unpaired", steps=steps, batch_size=BATCH[name], quick=quick)
        report, results = app_scores(task, test, domain_b, back=True)
        outputs[name] = stacked(results, "model")
        cycles[name] = stacked_cycles(results)
        model_entry["scores"] = {
            **report["mean"]["model"],
            **judged(judge, outputs[name], found["test_labels"], truth),
            "cycle": report["cycle"],
        }
        model_entry["seconds_with_evaluation"] = round(time.monotonic() - start, 1)
        entry["models"][name] = model_entry
        if "histogram_matching" not in entry:
            outputs["histogram"] = stacked(results, "histogram")
            entry["histogram_matching"] = {
                **report["mean"]["histogram"],
                **judged(judge, outputs["histogram"], found["test_labels"], truth),
                "how": "skimage.exposure.match_histograms of each test digit to domain B's pooled training pixels",
            }
            entry["identity"] = report["mean"]["identity"]
        print(json.dumps({name: model_entry["scores"], "train_seconds": model_entry["train_seconds"]}), flush=True)
    entry["models"]["keras-io-cyclegan"]["configuration"] = (
        "keras.io cyclegan.py at its settings, built with kerasdl's builders through the same app: ResNet "
        "generators (9 blocks, 64 filters, instance norm), 70x70 PatchGAN (64 filters, instance norm), "
        "least-squares GAN, cycle 10, identity 0.5, Adam 2e-4 beta_1 0.5, batch size 1 as keras.io trains (it "
        "sees 1/16 of the images ours sees in the same steps; at batch 16 its 28M parameters cost ~4x more per "
        "step, 5.5 s against 1.4 s measured, beyond the 15-minute cap); the app's cosine learning-rate decay and "
        "32x32 MNIST crops instead of keras.io's constant rate and 256x256 photos"
    )
    entry["figures"] = [figure_path(f, quick) for f in ("unpaired.png", "cycle.png")]
    unpaired_figure(found["test"], truth, found["test_labels"], outputs, ROOT / entry["figures"][0])
    cycle_figure(
        found["test"], found["test_labels"], outputs["cyclegan"], cycles["cyclegan"], ROOT / entry["figures"][1]
    )
    return entry


def sr_scores(model, folder):
    """The SR app's scoring (``evaluate_files``): Y PSNR/SSIM with a border of 4 beside bicubic, and NIQE."""
    from kerasdl.apps.super_resolution.evaluation import evaluate_files
    from kerasdl.data.images import find_images

    return evaluate_files(model, find_images(folder), dataset=str(folder), tile=128)


def train_sr(task, train_dir, *, steps, quick, **options):
    """Trains an SR app task for ``steps`` on LR patches of ``SR_PATCH`` pixels; returns the training entry."""
    return train_app(task, train_dir, steps=steps, quick=quick, patch_size=SR_PATCH, **options)


def part_srgan(quick) -> dict:
    from kerasdl.apps import SuperResolution

    data = shared_data()
    train_dir = data / "train400"
    sets = {"Set5": data / "sr" / "Set5", "Set14": data / "sr" / "Set14"}
    if quick:
        sets.pop("Set14")
    for folder in (train_dir, *sets.values()):
        if not folder.is_dir():
            raise SystemExit(f"error: {folder} is missing (see ../shared/data/README.md)")
    entry = {
        "data": f"train400 (400 grayscale 180x180 crops; every tenth held out) -> {', '.join(sets)}; x{SR_SCALE}, Y",
        "protocol": (
            f"the SR app's scoring: HR cropped to a multiple of {SR_SCALE}, antialiased bicubic downscaling to 8 "
            f"bits, Y (BT.601) PSNR/SSIM with a {SR_SCALE}-pixel border; NIQE as the app computes it (lower is "
            f"more natural; see niqe_protocol)"
        ),
        "models": {},
        "reference": {
            "paper_srresnet_set5_x4_psnr_db": PAPER_SRRESNET_SET5_X4_DB,
            "note": (
                "Ledig et al. 2017 train SRResNet for 10^6 steps on 350,000 ImageNet images (days on a GPU), "
                "16 blocks x 64 filters on RGB; here a compact SRResNet trains minutes on 400 grayscale crops"
            ),
        },
    }
    runs = {
        "srresnet": (RUNS / "srresnet", {}),
        "srgan": (RUNS / "srgan", {"generator": RUNS / "srresnet"}),
    }
    scored = {}
    for name, (run_dir, options) in runs.items():
        task = SuperResolution(name, scale=SR_SCALE, channels=1, run_dir=run_dir)
        start = time.monotonic()
        steps = (QUICK_STEPS if quick else STEPS)[name]
        model_entry = train_sr(task, train_dir, steps=steps, quick=quick, **options)
        if name == "srgan":
            model_entry["starts_from"] = "the srresnet above (its best checkpoint), fine-tuned adversarially"
        model_entry["scores"] = {}
        for set_name, folder in sets.items():
            report, results = sr_scores(task.model, folder)
            model_entry["scores"][set_name] = report["mean"]["model"]
            if name == "srresnet":  # bicubic and the ground truth are the same for every model
                entry.setdefault("bicubic", {})[set_name] = report["mean"]["bicubic"]
                entry.setdefault("ground_truth_niqe", {})[set_name] = report["mean"]["ground_truth"]["niqe"]
                entry["niqe_protocol"] = report["niqe_protocol"]
            model_entry.setdefault("images", {})[set_name] = {k: v["model"] for k, v in report["images"].items()}
            scored.setdefault(set_name, {})[name] = results
        model_entry["seconds_with_evaluation"] = round(time.monotonic() - start, 1)
        entry["models"][name] = model_entry
        print(json.dumps({name: model_entry["scores"], "train_seconds": model_entry["train_seconds"]}), flush=True)
    entry["reference"]["srresnet_set5_psnr_db_here"] = entry["models"]["srresnet"]["scores"]["Set5"]["psnr"]
    entry["figure"] = figure_path("srgan.png", quick)
    sr_figure(scored["Set5"], ROOT / entry["figure"])
    return entry


def stacked_cycles(results):
    import numpy as np

    return np.stack([r.cycle for r in results])


# ---------------------------------------------------------------- figures


def figure_path(name: str, quick: bool) -> str:
    """Where a figure goes, relative to the checkout (as the results JSON names it)."""
    return str(((QUICK_FIGURES if quick else FIGURES) / name).relative_to(ROOT))


def sr_figure(results, path, *, zoom=96):
    """Per Set5 image: the most detailed square of bicubic, SRResNet, SRGAN and the ground truth, with PSNR and NIQE."""
    from kerasdl.files import save_figure
    from kerasdl.image_panels import detail_rows, show_image

    srresnet, srgan = results["srresnet"], results["srgan"]
    fig, rows = detail_rows([r.hr for r in srresnet], columns=4, width=11, row_height=2.9, zoom=zoom)

    def title(label, scores):
        niqe = f", NIQE {scores['niqe']:.2f}" if "niqe" in scores else ""
        return f"{label}: {scores['psnr']:.2f} dB{niqe}"

    for (row, crop), a, b in zip(rows, srresnet, srgan):
        show_image(row[0], a.bicubic[crop], title(f"{a.name} bicubic", a.scores["bicubic"]))
        show_image(row[1], a.output[crop], title("SRResNet", a.scores["model"]))
        show_image(row[2], b.output[crop], title("SRGAN", b.scores["model"]))
        niqe = a.scores.get("ground_truth", {}).get("niqe")
        show_image(row[3], a.hr[crop], "ground truth" + ("" if niqe is None else f", NIQE {niqe:.2f}"))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, path, dpi=90)


def _examples(labels, count=10):
    """The index of the first test digit of each class 0-9."""
    import numpy as np

    return [int(np.flatnonzero(labels == c)[0]) for c in range(count) if (labels == c).any()]


def _strip(rows, columns, path, *, title=None):
    """A grid: one row per ``(label, images)`` in ``rows``, images at ``columns``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from kerasdl.files import save_figure

    fig = Figure(figsize=(1.0 * len(columns) + 1.6, 1.0 * len(rows) + (0.4 if title else 0.1)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(rows), len(columns), squeeze=False)
    for row, (label, images) in zip(axes, rows):
        for ax, index in zip(row, columns):
            ax.imshow(images[index][..., 0], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, path, dpi=90)


def paired_figure(test, labels, outputs, path):
    columns = _examples(labels)
    rows = [("edges (input)", test.a), ("unet-l1", outputs["unet-l1"]), ("pix2pix", outputs["pix2pix"])]
    rows.append(("target", test.b))
    return _strip(rows, columns, path, title="MNIST edges -> digit (test digits)")


def unpaired_figure(test, truth, labels, outputs, path):
    columns = _examples(labels)
    rows = [
        ("A (input)", test),
        ("histogram\nmatching", outputs["histogram"]),
        ("keras.io\ncyclegan", outputs["keras-io-cyclegan"]),
        ("cyclegan", outputs["cyclegan"]),
        ("true B", truth),
    ]
    return _strip(rows, columns, path, title="MNIST A -> B (dilate, invert; learnt without pairs)")


def cycle_figure(test, labels, forward, back, path):
    columns = _examples(labels)
    rows = [("A", test), ("A -> B", forward), ("A -> B -> A", back)]
    return _strip(rows, columns, path, title="CycleGAN's cycle on test digits")


# ---------------------------------------------------------------- goals


def goals(results) -> dict:
    """Each goal of the issue: the measured value and whether it was met."""
    found = {}

    def check(name, value, ok):
        found[name] = {"value": value, "met": bool(ok)}

    if "paired" in results:
        models = results["paired"]["models"]
        ratio = models["pix2pix"]["scores"]["frechet_distance"] / models["unet-l1"]["scores"]["frechet_distance"]
        check(
            "paired_fd_ratio_pix2pix_to_unet_l1_at_most",
            ratio,
            ratio <= GOALS["paired_fd_ratio_pix2pix_to_unet_l1_at_most"],
        )
        accuracy = models["pix2pix"]["scores"]["label_accuracy"]
        check(
            "paired_pix2pix_label_accuracy_at_least",
            accuracy,
            accuracy >= GOALS["paired_pix2pix_label_accuracy_at_least"],
        )
    if "unpaired" in results:
        part = results["unpaired"]
        ours, keras_io = part["models"]["cyclegan"]["scores"], part["models"]["keras-io-cyclegan"]["scores"]
        gain = ours["psnr"] - part["histogram_matching"]["psnr"]
        check(
            "unpaired_psnr_gain_over_histogram_matching_db_at_least",
            gain,
            gain >= GOALS["unpaired_psnr_gain_over_histogram_matching_db_at_least"],
        )
        check(
            "unpaired_cyclegan_label_accuracy_at_least",
            ours["label_accuracy"],
            ours["label_accuracy"] >= GOALS["unpaired_cyclegan_label_accuracy_at_least"],
        )
        margin = ours["psnr"] - keras_io["psnr"]
        check("unpaired_psnr_above_keras_io", margin, margin > GOALS["unpaired_psnr_above_keras_io"])
    if "srgan" in results:
        part = results["srgan"]
        for set_name, bicubic in part["bicubic"].items():
            srresnet = part["models"]["srresnet"]["scores"][set_name]
            srgan = part["models"]["srgan"]["scores"][set_name]
            check(
                f"srgan_niqe_below_srresnet_{set_name}",
                {"srgan": srgan["niqe"], "srresnet": srresnet["niqe"]},
                srgan["niqe"] < srresnet["niqe"],
            )
            check(
                f"srgan_niqe_below_bicubic_{set_name}",
                {"srgan": srgan["niqe"], "bicubic": bicubic["niqe"]},
                srgan["niqe"] < bicubic["niqe"],
            )
            gain = srgan["psnr"] - bicubic["psnr"]
            check(
                f"srgan_psnr_gain_over_bicubic_db_at_least_{set_name}",
                gain,
                gain >= GOALS["srgan_psnr_gain_over_bicubic_db_at_least"],
            )
        found["srresnet_set5_psnr_vs_paper"] = {
            "value": part["models"]["srresnet"]["scores"]["Set5"]["psnr"],
            "paper": PAPER_SRRESNET_SET5_X4_DB,
            "note": "reported, not a goal: the paper trains days on ImageNet",
        }
    return found


def main() -> int:
    runners = {
        "paired": lambda quick, _: part_paired(quick),
        "unpaired": lambda quick, _: part_unpaired(quick),
        "srgan": lambda quick, _: part_srgan(quick),
    }
    return run_parts(
        "img2img",
        __doc__,
        runners,
        goals,
        quick_help="a smoke run: a few steps, 200 test digits, a briefly trained judge",
    )


if __name__ == "__main__":
    sys.exit(main())
