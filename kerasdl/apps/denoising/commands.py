"""The denoising app's commands: train, evaluate, predict, export, and run (all in a row)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import sys

from kerasdl.apps import common
from kerasdl.apps.common import load_trained_model, model_path, positive_int, report
from kerasdl.errors import UserInputError
from kerasdl.files import read_json, write_json
from kerasdl.training.config import TrainConfig

APP = "denoising"
DEFAULT_RUN_DIR = pathlib.Path("runs") / APP
MODELS = ("unet", "dncnn")
SUMMARY_FILE = "train_summary.json"
DEFAULT_NOISE = "gaussian:25"
# The app's version of each architecture. The default, a U-Net of 4 levels from 16 filters,
# was the fastest to learn on two CPU cores: at an equal time it beat the 32-filter 3-level
# U-Net, and DnCNN (17 layers, batch norm, even at half resolution) learned far slower
# (22.7 dB on Set12 at sigma 25 where the U-Net had 28.7). DnCNN keeps the paper's shape.
ARCHITECTURES = {
    "unet": dict(depth=4, filters=16),
    "dncnn": dict(depth=17, filters=64),
}
DEFAULTS = dict(model="unet", channels=1, patch_size=64, batch_size=16)
# 9,000 steps: about 18 minutes on two free CPU cores (see `make bench`, which stops at 20).
TRAIN_DEFAULTS = dict(epochs=45, steps_per_epoch=200, learning_rate=2e-3)


def model_kwargs(model, *, channels, depth=None, filters=None):
    """Builder arguments for ``model`` as the app trains it: residual, the last layer zero-initialised."""
    arch = dict(ARCHITECTURES[model])
    arch.update({k: v for k, v in (("depth", depth), ("filters", filters)) if v is not None})
    if model == "dncnn":
        return dict(channels=channels, **arch, zero_init_output=True)
    return dict(input_shape=(None, None, channels), classes=channels, **arch, residual=True, zero_init_output=True)


# ---------------------------------------------------------------- arguments


def _noise(value):
    from kerasdl.data.noise import NoiseModel

    try:
        return NoiseModel.parse(value)
    except UserInputError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _sigma(value):
    return _noise(f"gaussian:{value}")


def _methods(value):
    from kerasdl.apps.denoising.baselines import METHODS, SCIKIT_IMAGE

    names = [v.strip() for v in value.split(",") if v.strip()]
    if names == ["all"]:
        return METHODS
    if names == ["none"]:
        return ()
    if names == ["scikit-image"]:
        return SCIKIT_IMAGE
    unknown = [n for n in names if n not in METHODS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown method {', '.join(unknown) or repr(value)}; use all, none, scikit-image or a comma list of {', '.join(METHODS)}"
        )
    return tuple(names)


def add_noise_arguments(p, default_help):
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--noise",
        type=_noise,
        help="gaussian:SIGMA, gaussian:LOW-HIGH (blind), poisson:PEAK or "
        f"salt_pepper:AMOUNT; sigma on the 0-255 scale ({default_help})",
    )
    g.add_argument("--sigma", dest="noise", type=_sigma, metavar="SIGMA", help="shorthand for --noise gaussian:SIGMA")


def add_train_arguments(p):
    d = DEFAULTS
    p.add_argument(
        "--data", help="folder of clean training images (recursive); default: scikit-learn's sample photos and digits"
    )
    p.add_argument("--val-data", help="folder of validation images; default: held out from --data")
    add_noise_arguments(p, f"default: {DEFAULT_NOISE}")
    p.add_argument("--model", choices=MODELS, default=d["model"], help="architecture (default: %(default)s)")
    p.add_argument(
        "--depth",
        type=positive_int,
        help="DnCNN layers or U-Net levels (default: "
        + ", ".join(f"{m} {a['depth']}" for m, a in ARCHITECTURES.items())
        + ")",
    )
    p.add_argument(
        "--filters",
        type=positive_int,
        help="width (default: " + ", ".join(f"{m} {a['filters']}" for m, a in ARCHITECTURES.items()) + ")",
    )
    p.add_argument(
        "--channels",
        type=int,
        choices=(1, 3),
        default=d["channels"],
        help="1 = grayscale, 3 = RGB (default: %(default)s)",
    )
    p.add_argument(
        "--patch-size", type=positive_int, default=d["patch_size"], help="training patch side (default: %(default)s)"
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=d["batch_size"], help="patches per batch (default: %(default)s)"
    )
    p.add_argument(
        "--run-dir", default=str(DEFAULT_RUN_DIR), help="checkpoints, logs and figures (default: %(default)s)"
    )
    TrainConfig.add_arguments(p, **TRAIN_DEFAULTS)


def add_tile(p):
    p.add_argument("--tile", type=positive_int, default=256, help="tile side for large images (default: %(default)s)")


def add_evaluation_arguments(p):
    p.add_argument(
        "--baselines",
        type=_methods,
        default="all",
        metavar="METHODS",
        help="classical methods to compare: all (default), none, scikit-image, or a comma list of "
        "nl_means, tv_chambolle, wavelet, bm3d",
    )
    p.add_argument(
        "--noise-seed",
        type=int,
        default=0,
        help="seed of the test noise: the same seed, the same noisy images (default: 0)",
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="processes for the classical methods, which run beside the network (default: %(default)s, the CPUs)",
    )


def add_evaluate_arguments(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    add_tile(p)
    p.add_argument("--data", help="folder of clean test images; default: the sample photos' and digits' test images")
    add_noise_arguments(p, "default: the noise the model was trained with")
    add_evaluation_arguments(p)
    p.add_argument("--output", help="JSON report; default: <run-dir>/evaluation.json")
    p.add_argument("--figure", help="comparison PNG; default: <run-dir>/comparison.png")


def add_predict_arguments(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    add_tile(p)
    p.add_argument("inputs", nargs="+", help="noisy image files or folders to denoise")
    p.add_argument(
        "--output-dir",
        default=str(DEFAULT_RUN_DIR / "predictions"),
        help="where denoised PNGs go (default: %(default)s)",
    )
    p.add_argument(
        "--sigma",
        type=lambda v: _sigma(v).low,
        metavar="SIGMA",
        help="the inputs' Gaussian noise level (0-255) when it differs from the level the model was trained "
        "for: the images are contrast-scaled to the model's level and back (denoiser scaling)",
    )


def add_export_arguments(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--version", type=positive_int, help="version number; default: the next free one")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


def add_run_arguments(p):
    add_train_arguments(p)
    p.add_argument(
        "--test-data", help="folder of clean test images; default: the sample photos' and digits' test images"
    )
    add_evaluation_arguments(p)
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--tile", type=positive_int, default=256, help=argparse.SUPPRESS)
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


# ---------------------------------------------------------------- data and model


def training_files(args):
    """(training files, validation files) as the flags say; nothing is decoded yet."""
    from kerasdl.data.denoise_patches import default_images
    from kerasdl.data.images import find_images, training_and_validation_files

    if args.data is None:
        default = default_images()
        return default["train"], (find_images(args.val_data) if args.val_data else default["val"])
    return training_and_validation_files(args.data, args.val_data)


def _load(files, channels):
    from kerasdl.data.images import load_image

    return [load_image(f, channels=channels) for f in files]


def _load_model(args):
    import kerasdl.models  # noqa: F401  (registers the denoisers' layers for safe-mode loading)
    from kerasdl.apps.denoising.denoise import check_denoising_model

    path = model_path(args)
    model = load_trained_model(path)
    check_denoising_model(model, path)
    return model


def _trained_noise(args):
    """The noise recorded beside the model by ``train``, or None."""
    from kerasdl.data.noise import NoiseModel

    path = model_path(args).parent / SUMMARY_FILE
    if not path.is_file():
        return None
    spec = read_json(path).get("noise")
    return NoiseModel.parse(spec) if spec else None


def _test_files(args):
    """Clean test files and how to name them: --data/--test-data, else the default test images.

    ``run`` with ``--data`` but no ``--test-data`` scores the held-out validation images.
    """
    from kerasdl.data.denoise_patches import default_images
    from kerasdl.data.images import find_images

    folder = args.data if args.command == "evaluate" else args.test_data
    if folder:
        return find_images(folder), str(folder)
    if args.command == "run" and args.data:
        return training_files(args)[1], f"held-out validation images of {args.data}"
    return default_images()["test"], "scikit-learn sample photos (test strips) and digits (test mosaic)"


# ---------------------------------------------------------------- commands


def train(args):
    """Trains a denoiser on a folder of clean images with noise drawn on the fly; returns the FitResult."""
    import keras

    from kerasdl.data import denoise_patches
    from kerasdl.data.images import check_writable_dir
    from kerasdl.data.noise import NoiseModel
    from kerasdl.metrics.image_quality import psnr
    from kerasdl.registry import get_model
    from kerasdl.training import fit

    config = TrainConfig.from_args(args)
    noise = args.noise or NoiseModel.parse(DEFAULT_NOISE)
    run_dir = pathlib.Path(args.run_dir)
    train_files, val_files = training_files(args)
    train_images, val_images = _load(train_files, args.channels), _load(val_files, args.channels)
    denoise_patches.check_patchable(train_images, train_files, args.patch_size)
    denoise_patches.check_patchable(val_images, val_files, args.patch_size)
    check_writable_dir(run_dir)  # only once the data is known to be good: no empty run folder otherwise
    kwargs = model_kwargs(args.model, channels=args.channels, depth=args.depth, filters=args.filters)
    try:
        get_model(args.model, **kwargs)  # bad widths/depths fail here, before the run folder fills
    except ValueError as err:
        raise UserInputError(f"--model {args.model}: {err}") from None
    train_ds = denoise_patches.training_dataset(
        train_images, noise=noise, patch_size=args.patch_size, batch_size=args.batch_size, seed=args.seed
    )
    val_ds = denoise_patches.validation_dataset(
        val_images, noise=noise, patch_size=args.patch_size, batch_size=args.batch_size
    )
    print(
        f"Training {args.model} ({'grayscale' if args.channels == 1 else 'RGB'}) for {noise.describe()} noise on "
        f"{len(train_images)} images from {args.data or 'scikit-learn sample photos and digits'}; "
        f"{config.epochs} epochs x {config.steps_per_epoch} steps"
    )
    result = fit(
        lambda: get_model(args.model, **kwargs),
        loss="mean_squared_error",
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
            "noise": noise.spec,
            "data": args.data,
            "patch_size": args.patch_size,
            "batch_size": args.batch_size,
            "train_config": dataclasses.asdict(config),
            "train_seconds": round(result.seconds, 1),
            "stopped_by_time_limit": result.stopped_by_time_limit,
            "jit_compile": result.jit_compile,
            "parameters": result.model.count_params(),
            "keras": keras.__version__,
        },
        run_dir / SUMMARY_FILE,
    )
    report(
        f"Trained in {result.seconds / 60:.1f} min" + (" (resumed)" if result.resumed else ""),
        {
            "best model": result.checkpoint,
            "training log": run_dir / "training_log.csv",
            "learning curves": result.learning_curve,
            "summary": run_dir / SUMMARY_FILE,
        },
    )
    return result


def evaluate(args, model=None):
    """Scores the model and the classical denoisers on a folder of clean images with seeded noise."""
    from kerasdl.apps.denoising.evaluation import evaluate_files, format_table
    from kerasdl.apps.denoising.figures import comparison_figure
    from kerasdl.data.noise import NoiseModel

    model = model or _load_model(args)
    trained = _trained_noise(args) if args.command == "evaluate" else (args.noise or NoiseModel.parse(DEFAULT_NOISE))
    noise = args.noise or trained or NoiseModel.parse(DEFAULT_NOISE)
    files, dataset = _test_files(args)
    run_dir = pathlib.Path(args.run_dir)
    output = pathlib.Path(getattr(args, "output", None) or run_dir / "evaluation.json")
    figure = pathlib.Path(getattr(args, "figure", None) or run_dir / "comparison.png")
    report_data, results = evaluate_files(
        model,
        files,
        noise=noise,
        dataset=dataset,
        seed=args.noise_seed,
        methods=args.baselines,
        tile=args.tile,
        workers=args.workers,
        trained_noise=trained,
    )
    report_data["model"] = model.name
    print(format_table(report_data))
    write_json(report_data, output)
    comparison_figure(results, figure, model_name=model.name)
    report("Evaluation", {"report": output, "comparison figure": figure})
    return report_data


def predict(args, model=None):
    """Denoises image files; writes ``<name>_denoised.png`` files."""
    from kerasdl.apps.denoising.denoise import denoise_image, level_scale, minimum_side
    from kerasdl.data.images import check_writable_dir, find_images, load_image, save_png

    model = model or _load_model(args)
    files = [f for item in args.inputs for f in find_images(item)]
    images = [load_image(f) for f in files]  # every input is checked before anything is written
    side = minimum_side(model)
    for f, image in zip(files, images):
        if min(image.shape[:2]) < side:
            raise UserInputError(
                f"image {f} is {image.shape[1]}x{image.shape[0]}, smaller than the {side}x{side} this model needs"
            )
    trained = _trained_noise(args)
    if args.sigma is not None and (trained is None or trained.kind != "gaussian" or trained.low != trained.high):
        what = f"was trained on {trained.describe()} noise" if trained else f"has no {SUMMARY_FILE} beside it"
        raise UserInputError(f"--sigma is for a model trained on one Gaussian level; {model_path(args)} {what}")
    scale = level_scale(trained, args.sigma)
    out_dir = check_writable_dir(args.output_dir)
    written = {}
    for f, image in zip(files, images):
        out = save_png(denoise_image(model, image, tile=args.tile, scale=scale), out_dir / f"{f.stem}_denoised.png")
        written[f.name] = out
        print(f"{f} ({image.shape[1]}x{image.shape[0]}) -> {out}")
    return written


def export(args, model=None, metrics=None):
    """Exports to ``<export-dir>/denoising/<version>/``: SavedModel, LiteRT, metadata."""
    import numpy as np
    import tensorflow as tf

    from kerasdl.apps.denoising.denoise import model_channels
    from kerasdl.apps.denoising.serving import encode_png, png_endpoint_fn
    from kerasdl.export import Endpoint, export_model

    model = model or _load_model(args)
    run_dir = pathlib.Path(args.run_dir)
    if metrics is None and (run_dir / "evaluation.json").is_file():
        metrics = read_json(run_dir / "evaluation.json")
    summary = read_json(run_dir / SUMMARY_FILE) if (run_dir / SUMMARY_FILE).is_file() else {}
    channels = model_channels(model)
    rng = np.random.default_rng(0)
    sample = rng.random((2, 24, 32, channels), dtype=np.float32)
    sample_png = tf.stack(
        [
            encode_png(tf.constant(rng.random((20, 28, 3), dtype=np.float32))),
            encode_png(tf.repeat(tf.constant(rng.random((24, 20, 1), dtype=np.float32)), 3, axis=-1)),
        ]
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
        float_input_signature=tf.TensorSpec([None, None, None, channels], tf.float32, name="noisy"),
        sample_inputs=sample,
        endpoints=[png],
        tflite=args.tflite,
        metadata={
            "command": getattr(args, "command_line", None) or " ".join(sys.argv),
            "model": model.name,
            "channels": "grayscale" if channels == 1 else "RGB",
            "noise": summary.get("noise"),
            "parameters": model.count_params(),
            "metrics": metrics,
            "usage": {
                "serving_default": "image_bytes: [batch] encoded noisy PNG/JPEG/BMP/GIF -> image_png: [batch] denoised PNG "
                "(grayscale for gray inputs, else RGB)",
                "serving_float": f"noisy: [batch, h, w, {channels}] float32, about [0, 1] -> output: [batch, h, w, {channels}]",
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
    mean = metrics["mean"]
    line = f"Done: {metrics['noise_description']}: model {mean['model']['psnr']:.2f} dB, noisy {mean['noisy']['psnr']:.2f} dB"
    if "best_classical" in metrics:
        best = metrics["best_classical"]
        line += f", best classical ({best}) {mean[best]['psnr']:.2f} dB"
    report(
        line,
        {
            "model": result.checkpoint,
            "learning curves": result.learning_curve,
            "evaluation": run_dir / "evaluation.json",
            "comparison": run_dir / "comparison.png",
            "SavedModel": exported.path,
            "LiteRT": exported.tflite_path or "skipped",
        },
    )
    return 0


COMMANDS = {
    "train": (add_train_arguments, train, "train a denoiser on a folder of clean images, noise drawn on the fly"),
    "evaluate": (add_evaluate_arguments, evaluate, "PSNR/SSIM vs scikit-image's denoisers and BM3D, seeded noise"),
    "predict": (add_predict_arguments, predict, "denoise image files to PNGs"),
    "export": (add_export_arguments, export, "SavedModel (TF Serving layout) + LiteRT, parity-checked"),
    "run": (add_run_arguments, run, "train, evaluate and export in one go"),
}


def add_commands(subparsers):
    """Adds this app's sub-commands to an argparse sub-parser group."""
    common.add_commands(subparsers, COMMANDS)
