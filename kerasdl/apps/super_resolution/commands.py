"""The SR app's commands: train, evaluate, predict, export, and run (all four in a row)."""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys

from kerasdl.apps import common
from kerasdl.apps.common import load_trained_model, model_path, positive_int, report
from kerasdl.files import read_json, write_json
from kerasdl.training.config import TrainConfig

APP = "super_resolution"
DEFAULT_RUN_DIR = pathlib.Path("runs") / APP
MODELS = ("edsr", "espcn", "srcnn")
# The default model: a compact EDSR on luminance with a bicubic global skip. Chosen so the
# default training (see `make bench`) beats bicubic by > 2.8 dB on Set5 x3 on two CPU cores.
DEFAULTS = dict(model="edsr", blocks=8, filters=32, channels=1, scale=3)
TRAIN_DEFAULTS = dict(epochs=25, steps_per_epoch=180, learning_rate=2e-3)


def model_kwargs(model, *, scale, channels, blocks=DEFAULTS["blocks"], filters=DEFAULTS["filters"]):
    """Builder arguments for ``model`` as the app trains it (EDSR: bicubic skip, zero-init residuals)."""
    kwargs = dict(scale=scale, channels=channels)
    if model == "edsr":
        kwargs.update(num_blocks=blocks, filters=filters, bicubic_skip=True, zero_init_residual=True)
    return kwargs


# ---------------------------------------------------------------- arguments


def _scale(value):
    from kerasdl.models.restoration import SUPPORTED_SCALES

    try:
        scale = int(value)
    except ValueError:
        scale = None
    if scale not in SUPPORTED_SCALES:
        raise argparse.ArgumentTypeError(
            f"unsupported scale {value!r}; choose one of {', '.join(map(str, SUPPORTED_SCALES))}"
        )
    return scale


def add_train_arguments(p):
    d = DEFAULTS
    p.add_argument("--data", help="folder of HR training images (recursive); default: scikit-learn's sample photos")
    p.add_argument("--val-data", help="folder of validation images; default: held out from --data")
    p.add_argument("--model", choices=MODELS, default=d["model"], help="architecture (default: %(default)s)")
    p.add_argument("--scale", type=_scale, default=d["scale"], help="upscaling factor 2, 3 or 4 (default: %(default)s)")
    p.add_argument(
        "--channels",
        type=int,
        choices=(1, 3),
        default=d["channels"],
        help="1 = luminance (Y), 3 = RGB (default: %(default)s)",
    )
    p.add_argument(
        "--blocks", type=positive_int, default=d["blocks"], help="EDSR residual blocks (default: %(default)s)"
    )
    p.add_argument("--filters", type=positive_int, default=d["filters"], help="EDSR width (default: %(default)s)")
    p.add_argument("--patch-size", type=positive_int, default=32, help="LR training patch side (default: %(default)s)")
    p.add_argument("--batch-size", type=positive_int, default=16, help="patches per batch (default: %(default)s)")
    p.add_argument(
        "--run-dir", default=str(DEFAULT_RUN_DIR), help="checkpoints, logs and figures (default: %(default)s)"
    )
    TrainConfig.add_arguments(p, **TRAIN_DEFAULTS)


def add_model_path(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    p.add_argument(
        "--tile", type=positive_int, default=128, help="tile side in LR pixels for large images (default: %(default)s)"
    )


def add_evaluate_arguments(p):
    add_model_path(p)
    p.add_argument("--data", help="folder of HR test images; default: the sample photos' test strips")
    p.add_argument("--output", help="JSON report; default: <run-dir>/evaluation.json")
    p.add_argument("--figure", help="before/after PNG; default: <run-dir>/before_after.png")


def add_predict_arguments(p):
    add_model_path(p)
    p.add_argument("inputs", nargs="+", help="image files or folders to upscale")
    p.add_argument(
        "--output-dir",
        default=str(DEFAULT_RUN_DIR / "predictions"),
        help="where upscaled PNGs go (default: %(default)s)",
    )


def add_export_arguments(p):
    add_model_path(p)
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--version", type=positive_int, help="version number; default: the next free one")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


def add_run_arguments(p):
    add_train_arguments(p)
    p.add_argument("--test-data", help="folder of HR test images; default: the sample photos' test strips")
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--tile", type=positive_int, default=128, help=argparse.SUPPRESS)
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


# ---------------------------------------------------------------- data


def training_files(args):
    """(training files, validation files) as the flags say; nothing is decoded yet."""
    from kerasdl.data.embedded import sample_photos
    from kerasdl.data.images import find_images, training_and_validation_files

    if args.data is None:
        folders = sample_photos()
        return find_images(folders["train"]), find_images(args.val_data or folders["val"])
    return training_and_validation_files(args.data, args.val_data)


def _load(files, channels):
    from kerasdl.data.images import load_image

    return [load_image(f, channels=channels) for f in files]


def _load_model(args):
    from kerasdl.apps.super_resolution.upscale import check_sr_model

    path = model_path(args)
    model = load_trained_model(path)
    check_sr_model(model, path)
    return model


def _test_files(args):
    """HR test files and how to name them: --data/--test-data, else the default test set.

    ``run`` with ``--data`` but no ``--test-data`` scores the held-out validation images.
    """
    from kerasdl.data.embedded import sample_photos
    from kerasdl.data.images import find_images

    folder = args.data if args.command == "evaluate" else args.test_data
    if folder:
        return find_images(folder), str(folder)
    if args.command == "run" and args.data:
        return training_files(args)[1], f"held-out validation images of {args.data}"
    folder = sample_photos()["test"]
    return find_images(folder), f"scikit-learn sample photos, test strips ({folder})"


# ---------------------------------------------------------------- commands


def train(args):
    """Trains an SR model on a folder of images; returns the FitResult."""
    import keras

    from kerasdl.data import sr_patches
    from kerasdl.data.images import check_writable_dir
    from kerasdl.metrics.image_quality import psnr
    from kerasdl.registry import get_model
    from kerasdl.training import fit

    config = TrainConfig.from_args(args)
    run_dir = pathlib.Path(args.run_dir)
    train_files, val_files = training_files(args)
    train_images, val_images = _load(train_files, args.channels), _load(val_files, args.channels)
    patch = args.patch_size * args.scale
    sr_patches.check_patchable(train_images, train_files, patch)
    sr_patches.check_patchable(val_images, val_files, patch)
    check_writable_dir(run_dir)  # only once the data is known to be good: no empty run folder otherwise
    kwargs = model_kwargs(
        args.model, scale=args.scale, channels=args.channels, blocks=args.blocks, filters=args.filters
    )
    train_ds = sr_patches.training_dataset(
        train_images, scale=args.scale, lr_patch_size=args.patch_size, batch_size=args.batch_size, seed=args.seed
    )
    val_ds = sr_patches.validation_dataset(
        val_images, scale=args.scale, lr_patch_size=args.patch_size, batch_size=args.batch_size
    )
    print(
        f"Training {args.model} x{args.scale} ({'Y' if args.channels == 1 else 'RGB'}) on {len(train_images)} images"
        f" from {args.data or 'scikit-learn sample photos'}; {config.epochs} epochs x {config.steps_per_epoch} steps"
    )
    result = fit(
        lambda: get_model(args.model, **kwargs),
        loss="mean_absolute_error",
        metrics=[psnr],
        train_data=train_ds,
        val_data=val_ds,
        run_dir=run_dir,
        config=config,
    )
    write_json(
        {
            "model": args.model,
            "model_kwargs": kwargs,
            "data": args.data,
            "train_config": dataclasses.asdict(config),
            "train_seconds": round(result.seconds, 1),
            "stopped_by_time_limit": result.stopped_by_time_limit,
            "jit_compile": result.jit_compile,
            "parameters": result.model.count_params(),
            "keras": keras.__version__,
        },
        run_dir / "train_summary.json",
    )
    report(
        f"Trained in {result.seconds / 60:.1f} min" + (" (resumed)" if result.resumed else ""),
        {
            "best model": result.checkpoint,
            "training log": run_dir / "training_log.csv",
            "learning curves": result.learning_curve,
            "summary": run_dir / "train_summary.json",
        },
    )
    return result


def evaluate(args, model=None):
    """Scores the model and bicubic on a folder of HR images; writes JSON and a figure."""
    from kerasdl.apps.super_resolution.evaluation import evaluate_files, format_table
    from kerasdl.apps.super_resolution.figures import before_after_figure

    model = model or _load_model(args)
    files, dataset = _test_files(args)
    run_dir = pathlib.Path(args.run_dir)
    output = pathlib.Path(getattr(args, "output", None) or run_dir / "evaluation.json")
    figure = pathlib.Path(getattr(args, "figure", None) or run_dir / "before_after.png")
    report_data, results = evaluate_files(model, files, dataset=dataset, tile=args.tile)
    report_data["model"] = model.name
    print(format_table(report_data))
    write_json(report_data, output)
    before_after_figure(results, figure, model_name=model.name)
    report("Evaluation", {"report": output, "before/after figure": figure})
    return report_data


def predict(args, model=None):
    """Upscales image files; writes ``<name>_x<scale>.png`` files."""
    from kerasdl.apps.super_resolution.upscale import model_scale, upscale_image
    from kerasdl.data.images import check_writable_dir, find_images, load_image, save_png

    model = model or _load_model(args)
    scale = model_scale(model)
    files = [f for item in args.inputs for f in find_images(item)]
    images = [load_image(f) for f in files]  # every input is checked before anything is written
    out_dir = check_writable_dir(args.output_dir)
    written = {}
    for f, image in zip(files, images):
        out = save_png(upscale_image(model, image, tile=args.tile), out_dir / f"{f.stem}_x{scale}.png")
        written[f.name] = out
        print(f"{f} ({image.shape[1]}x{image.shape[0]}) -> {out}")
    return written


def export(args, model=None, metrics=None):
    """Exports to ``<export-dir>/super_resolution/<version>/``: SavedModel, LiteRT, metadata."""
    import numpy as np
    import tensorflow as tf

    from kerasdl.apps.super_resolution.serving import encode_png, png_endpoint_fn
    from kerasdl.apps.super_resolution.upscale import model_channels, model_scale
    from kerasdl.export import Endpoint, export_model

    model = model or _load_model(args)
    run_dir = pathlib.Path(args.run_dir)
    if metrics is None and (run_dir / "evaluation.json").is_file():
        metrics = read_json(run_dir / "evaluation.json")
    scale, channels = model_scale(model), model_channels(model)
    rng = np.random.default_rng(0)
    sample = rng.random((2, 24, 32, channels), dtype=np.float32)
    sample_png = tf.stack(
        [encode_png(tf.constant(rng.random((20 + 4 * i, 28, 3), dtype=np.float32))) for i in range(2)]
    )
    png = Endpoint(
        name="serving_default",
        fn=png_endpoint_fn(model),
        input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
        sample_inputs=[sample_png],
        compare="png",
    )
    result = export_model(
        model,
        app=APP,
        root=args.export_dir,
        version=args.version if args.command == "export" else None,
        float_input_signature=tf.TensorSpec([None, None, None, channels], tf.float32, name="lr"),
        sample_inputs=sample,
        endpoints=[png],
        tflite=args.tflite,
        metadata={
            "command": getattr(args, "command_line", None) or " ".join(sys.argv),
            "model": model.name,
            "scale": scale,
            "channels": "luminance (full-range BT.601 Y)" if channels == 1 else "RGB",
            "parameters": model.count_params(),
            "metrics": metrics,
            "usage": {
                "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> image_png: [batch] upscaled RGB PNG",
                "serving_float": f"lr: [batch, h, w, {channels}] float32 in [0, 1] -> output: [batch, {scale}h, {scale}w, {channels}]",
            },
        },
    )
    parity = result.metadata["parity"]["max_abs_diff"]
    report(
        f"Exported version {result.version} (parity max |diff|: "
        + ", ".join(f"{k} {v:.1e}" for k, v in parity.items())
        + ")",
        {
            "SavedModel": result.path,
            "LiteRT": result.tflite_path or "skipped",
            "metadata": result.path / "metadata.json",
            "inspect": f"saved_model_cli show --dir {result.path} --all",
        },
    )
    return result


def run(args):
    """train, evaluate, export in one go: the end-to-end demo."""
    result = train(args)
    metrics = evaluate(args, model=result.model)
    exported = export(args, model=result.model, metrics=metrics)
    run_dir = pathlib.Path(args.run_dir)
    report(
        f"Done: x{metrics['scale']} {metrics['mean']['model']['psnr']:.2f} dB vs bicubic "
        f"{metrics['mean']['bicubic']['psnr']:.2f} dB ({metrics['psnr_gain_db']:+.2f} dB)",
        {
            "model": result.checkpoint,
            "learning curves": result.learning_curve,
            "evaluation": run_dir / "evaluation.json",
            "before/after": run_dir / "before_after.png",
            "SavedModel": exported.path,
            "LiteRT": exported.tflite_path or "skipped",
        },
    )
    return 0


COMMANDS = {
    "train": (add_train_arguments, train, "train a model on a folder of images"),
    "evaluate": (add_evaluate_arguments, evaluate, "PSNR/SSIM on Y vs bicubic on a folder of HR images"),
    "predict": (add_predict_arguments, predict, "upscale image files to PNGs"),
    "export": (add_export_arguments, export, "SavedModel (TF Serving layout) + LiteRT, parity-checked"),
    "run": (add_run_arguments, run, "train, evaluate and export in one go"),
}


def add_commands(subparsers):
    """Adds this app's sub-commands to an argparse sub-parser group."""
    common.add_commands(subparsers, COMMANDS)
