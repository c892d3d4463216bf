"""The classification app's commands: train, evaluate, predict, export, and run (all in a row)."""

from __future__ import annotations

import argparse
import dataclasses
import math
import pathlib
import sys

from kerasdl.apps import common
from kerasdl.apps.common import builder_option, load_trained_model, model_path, positive_int, report
from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path, read_json, save_figure, write_json
from kerasdl.training.config import TrainConfig

APP = "classify"
DEFAULT_RUN_DIR = pathlib.Path("runs") / APP
FAMILY = "vision"
# LeNet-5 (its modern variant: ReLU, max pooling, full C3) on scikit-learn's digits,
# upsampled from 8x8 to LeNet's 32x32 input, 200 epochs: about 2 minutes on two CPU cores.
# Over three split seeds it tied the RBF-SVC twice and beat it once (80 epochs: below it on
# the mean; the 1998 variant with 40 epochs too). See `make bench`.
DEFAULTS = dict(model="lenet5", min_input_size=32, batch_size=32, baseline="svc")
DEFAULT_MODEL_OPTIONS = {"lenet5": {"variant": "modern"}}  # used when no --model-arg is given
TRAIN_DEFAULTS = dict(epochs=200, steps_per_epoch=None, learning_rate=2e-3)
CLASSES_FILE = "classes.json"
SPLIT_FILE = "split.json"


# ---------------------------------------------------------------- arguments


def _dataset(value):
    from kerasdl.data.classification import DATASETS

    if value not in DATASETS:
        raise argparse.ArgumentTypeError(f"unknown dataset {value!r}; choose one of {', '.join(DATASETS)}")
    return value


def add_data_arguments(p, *, what="training data"):
    g = p.add_mutually_exclusive_group()
    g.add_argument("--data", help=f"{what}: a folder with one subfolder of images per class")
    g.add_argument(
        "--dataset",
        type=_dataset,
        help="digits (scikit-learn, the default), mnist, fashion_mnist or cifar10 (Keras' cache)",
    )
    p.add_argument("--dataset-file", help="for --dataset mnist: an mnist.npz to read instead of Keras' cache")
    p.add_argument(
        "--split-seed", type=int, help="seed of the train/validation/test split (default: the run's, else 0)"
    )
    p.add_argument(
        "--baseline",
        choices=("svc", "logistic"),
        default=DEFAULTS["baseline"],
        help="scikit-learn baseline on flattened pixels (default: %(default)s)",
    )


def add_train_arguments(p):
    add_data_arguments(p)
    p.add_argument(
        "--model", default=DEFAULTS["model"], help="a vision builder from `kerasdl models list` (default: %(default)s)"
    )
    p.add_argument(
        "--model-arg",
        dest="model_args",
        type=builder_option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a builder option, repeatable (e.g. --model-arg variant=original); default for lenet5: variant=modern",
    )
    p.add_argument(
        "--input-size", type=positive_int, help="side the images are resized to (default: the data's, at least 32)"
    )
    p.add_argument("--channels", type=int, choices=(1, 3), help="1 = grayscale, 3 = RGB (default: the data's)")
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULTS["batch_size"],
        help="images per batch (default: %(default)s)",
    )
    p.add_argument(
        "--flip", action="store_true", help="also mirror training images left-right (not for digits or text)"
    )
    p.add_argument("--no-augment", dest="augment", action="store_false", help="no random shifts, rotations and zooms")
    p.add_argument(
        "--run-dir", default=str(DEFAULT_RUN_DIR), help="checkpoints, logs and figures (default: %(default)s)"
    )
    TrainConfig.add_arguments(p, **TRAIN_DEFAULTS)


def add_model_path(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)


def add_evaluate_arguments(p):
    add_model_path(p)
    add_data_arguments(p, what="data whose test split is scored (default: what the run trained on)")
    p.add_argument("--output", help="JSON report; default: <run-dir>/evaluation.json")
    p.add_argument("--figure", help="confusion-matrix PNG; default: <run-dir>/confusion_matrix.png")


def add_predict_arguments(p):
    add_model_path(p)
    p.add_argument("inputs", nargs="+", help="image files or folders to classify")
    p.add_argument("--output", help="predictions as .csv or .json; default: <run-dir>/predictions.csv")


def add_export_arguments(p):
    add_model_path(p)
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--version", type=positive_int, help="version number; default: the next free one")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


def add_run_arguments(p):
    add_train_arguments(p)
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


# ---------------------------------------------------------------- model and data


def check_vision_model(name: str) -> None:
    """Raises ``UserInputError`` unless ``name`` is a registered vision builder."""
    from kerasdl.registry import list_models, model_entry

    try:
        entry = model_entry(name)
    except ValueError as err:
        raise UserInputError(f"--model: {err}") from None
    if entry.family != FAMILY:
        raise UserInputError(
            f"--model {name} is a {entry.family} model, not an image classifier; choose one of: "
            + ", ".join(list_models(family=FAMILY))
        )


def build_classifier(name: str, *, input_size: int, channels: int, classes: int, options=None):
    """A registered vision builder behind a ``Rescaling(1/255)``: the model takes raw 0-255 pixels.

    Raises:
        UserInputError: the builder rejects the input size (too small for the architecture) or
            the other arguments; its message is passed on.
    """
    import keras

    from kerasdl.registry import get_model

    try:
        backbone = get_model(
            name,
            include_top=True,
            weights=None,
            input_shape=(input_size, input_size, channels),
            classes=classes,
            classifier_activation="softmax",
            **dict(options or {}),
        )
    except TypeError as err:  # an option the builder does not take
        raise UserInputError(f"--model-arg for {name}: {err}") from None
    except ValueError as err:
        raise UserInputError(
            f"--model {name} with --input-size {input_size} and {channels} channel(s): {err}"
        ) from None
    pixels = keras.Input((input_size, input_size, channels), name="pixels")
    scaled = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(pixels)
    return keras.Model(pixels, backbone(scaled), name=name)


def _source(args, recorded=None):
    """``(data, dataset)`` from the flags; else what the run recorded; else digits."""
    if args.data is not None or args.dataset is not None:
        return args.data, args.dataset
    if recorded and recorded.get("data") is not None:
        return recorded["data"], None
    return None, (recorded or {}).get("dataset") or "digits"


def load_data(args, *, size, channels, recorded=None):
    """The seeded train/validation/test split the flags (or the run's record) name."""
    from kerasdl.data.classification import SPLIT_SEED, load_split

    data, dataset = _source(args, recorded)
    if args.dataset_file and dataset != "mnist":
        raise UserInputError("--dataset-file is only for --dataset mnist")
    seed = args.split_seed if args.split_seed is not None else (recorded or {}).get("split_seed", SPLIT_SEED)
    return load_split(data=data, dataset=dataset, size=size, channels=channels, seed=seed, keras_path=args.dataset_file)


def check_classifier(model, source) -> None:
    """Raises ``UserInputError`` unless ``model`` maps square images to class probabilities."""
    shape, out = model.input_shape, model.output_shape
    ok = (
        isinstance(shape, tuple)
        and len(shape) == 4
        and shape[1] is not None
        and shape[1] == shape[2]
        and shape[3] in (1, 3)
        and isinstance(out, tuple)
        and len(out) == 2
        and (out[1] or 0) >= 2
    )
    if not ok:
        raise UserInputError(
            f"{source} is not an image classifier (needs (side, side, 1 or 3) pixels in, class probabilities out;"
            f" it maps {shape} to {out})"
        )


def _load_model(args):
    """The trained model and its run record (``classes.json`` beside it, or None)."""
    path = model_path(args)
    model = load_trained_model(path)
    check_classifier(model, path)
    record_path = path.parent / CLASSES_FILE
    record = read_json(record_path) if record_path.is_file() else None
    if record and len(record["class_names"]) != model.output_shape[-1]:
        raise UserInputError(
            f"{record_path} names {len(record['class_names'])} classes but {path} has {model.output_shape[-1]} outputs"
        )
    return model, record


def class_names_of(model, record) -> list[str]:
    """The run's class names, or ``"0" ... "k-1"`` for a model without a record."""
    return list(record["class_names"]) if record else [str(i) for i in range(model.output_shape[-1])]


# ---------------------------------------------------------------- commands


def train(args):
    """Trains a vision builder on a class folder or a named dataset; returns the FitResult."""
    import keras

    from kerasdl.data.classification import evaluation_dataset, native_shape, training_dataset
    from kerasdl.data.images import check_writable_dir
    from kerasdl.training import fit

    config = TrainConfig.from_args(args)
    check_vision_model(args.model)
    if args.dataset_file and args.dataset != "mnist":
        raise UserInputError("--dataset-file is only for --dataset mnist")
    data, dataset = _source(args)
    side, data_channels = native_shape(data=data, dataset=dataset)
    size = args.input_size or max(side or DEFAULTS["min_input_size"], DEFAULTS["min_input_size"])
    channels = args.channels or data_channels
    split = load_data(args, size=size, channels=channels)
    classes = len(split.class_names)
    options = dict(args.model_args) if args.model_args else DEFAULT_MODEL_OPTIONS.get(args.model, {})
    build_classifier(
        args.model, input_size=size, channels=channels, classes=classes, options=options
    )  # bad sizes fail before any file is written
    keras.backend.clear_session()
    run_dir = check_writable_dir(args.run_dir)  # only once data and model are known to be good
    if config.steps_per_epoch is None:  # one pass over the training images
        config.steps_per_epoch = math.ceil(len(split.train) / args.batch_size)
    write_json(split.record(), run_dir / SPLIT_FILE)
    record = {
        "class_names": split.class_names,
        "model": args.model,
        "model_options": options,
        "input_size": size,
        "channels": channels,
        "data": data,
        "dataset": dataset,
        "split_seed": split.seed,
    }
    write_json(record, run_dir / CLASSES_FILE)
    train_ds = training_dataset(
        split.train, batch_size=args.batch_size, augment=args.augment, flip=args.flip, seed=config.seed
    )
    val_ds = evaluation_dataset(split.val, batch_size=256)
    print(
        f"Training {args.model} on {len(split.train)} images ({len(split.val)} validation, {len(split.test)} test) of "
        f"{split.source}, {classes} classes, {size}x{size}x{channels}; {config.epochs} epochs x {config.steps_per_epoch} steps"
    )
    result = fit(
        lambda: build_classifier(args.model, input_size=size, channels=channels, classes=classes, options=options),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        train_data=train_ds,
        val_data=val_ds,
        run_dir=run_dir,
        config=config,
    )
    write_json(
        {
            **record,
            "augment": args.augment,
            "flip": args.flip,
            "batch_size": args.batch_size,
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
            "classes": run_dir / CLASSES_FILE,
            "split": run_dir / SPLIT_FILE,
            "summary": run_dir / "train_summary.json",
        },
    )
    return result


def evaluate(args, model=None, record=None):
    """Scores the model and the scikit-learn baseline on the test split; writes JSON and a figure."""
    from kerasdl.apps.classification.evaluation import confusion_figure, evaluate_split, format_summary
    from kerasdl.apps.classification.serving import model_input_size

    if model is None:
        model, record = _load_model(args)
    run_dir = pathlib.Path(args.run_dir)
    output = pathlib.Path(getattr(args, "output", None) or run_dir / "evaluation.json")
    figure = pathlib.Path(getattr(args, "figure", None) or run_dir / "confusion_matrix.png")
    size, channels = model_input_size(model)
    split = load_data(args, size=size, channels=channels, recorded=record)
    if record and list(record["class_names"]) != split.class_names:
        raise UserInputError(
            f"the model was trained on classes {record['class_names']}, but {split.source} has {split.class_names}"
        )
    if model.output_shape[-1] != len(split.class_names):
        raise UserInputError(
            f"the model has {model.output_shape[-1]} outputs, but {split.source} has {len(split.class_names)} classes"
        )
    report_data, details = evaluate_split(model, split, baseline=args.baseline, model_name=(record or {}).get("model"))
    print(details["report_text"])
    print(format_summary(report_data))
    fig = confusion_figure(
        details["confusion_matrix"],
        split.class_names,
        title=f"{report_data['model']['name']} on {split.source} (test accuracy {report_data['model']['accuracy']:.4f})",
    )
    write_json(report_data, output)
    save_figure(fig, figure)
    report("Evaluation", {"report": output, "confusion matrix": figure})
    return report_data


def predict(args, model=None, record=None):
    """Classifies image files; prints ``file: label (probability)`` and writes a CSV or JSON."""
    import csv

    import numpy as np

    from kerasdl.apps.classification.evaluation import predict_probabilities
    from kerasdl.apps.classification.serving import model_input_size
    from kerasdl.data.classification import to_model_input
    from kerasdl.data.images import find_images, load_image

    if model is None:
        model, record = _load_model(args)
    output = pathlib.Path(args.output or pathlib.Path(args.run_dir) / "predictions.csv")
    if output.suffix.lower() not in (".csv", ".json"):
        raise UserInputError(f"--output must end in .csv or .json; got {output}")
    names = class_names_of(model, record)
    size, channels = model_input_size(model)
    files = [f for item in args.inputs for f in find_images(item)]
    pixels = np.stack(
        [to_model_input(load_image(f), size=size, channels=channels).numpy() for f in files]
    )  # all checked first
    probabilities = predict_probabilities(model, pixels)
    rows = []
    for f, p in zip(files, probabilities):
        k = int(p.argmax())
        rows.append({"file": str(f), "label": names[k], "probability": round(float(p[k]), 6)})
        print(f"{f}: {names[k]} ({p[k]:.3f})")
    with atomic_path(output) as tmp:
        if output.suffix.lower() == ".json":
            write_json({"class_names": names, "predictions": rows}, tmp)
        else:
            with tmp.open("w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=["file", "label", "probability"])
                writer.writeheader()
                writer.writerows(rows)
    report(f"Classified {len(rows)} image(s)", {"predictions": output})
    return rows


def export(args, model=None, record=None, metrics=None):
    """Exports to ``<export-dir>/classify/<version>/``: SavedModel (bytes and float), LiteRT, metadata."""
    import numpy as np
    import tensorflow as tf

    from kerasdl.apps.classification.serving import image_bytes_endpoint_fn, model_input_size
    from kerasdl.export import Endpoint, export_model

    if model is None:
        model, record = _load_model(args)
    run_dir = pathlib.Path(args.run_dir)
    if metrics is None and (run_dir / "evaluation.json").is_file():
        metrics = read_json(run_dir / "evaluation.json")
    names = class_names_of(model, record)
    size, channels = model_input_size(model)
    rng = np.random.default_rng(0)
    sample = rng.uniform(0, 255, (2, size, size, channels)).astype(np.float32)
    sample_bytes = tf.stack(
        [
            tf.io.encode_png(rng.integers(0, 256, (size + 5, size + 3, 3), dtype=np.uint8)),
            tf.io.encode_png(rng.integers(0, 256, (max(size // 2, 1), size, 1), dtype=np.uint8)),
        ]
    )
    endpoint = Endpoint(
        name="serving_default",
        fn=image_bytes_endpoint_fn(model, names),
        input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
        sample_inputs=[sample_bytes],
        compare="float",  # probabilities within atol; labels must be equal
    )
    result = export_model(
        model,
        app=APP,
        root=args.export_dir,
        version=args.version if args.command == "export" else None,
        float_input_signature=tf.TensorSpec([None, size, size, channels], tf.float32, name="pixels"),
        sample_inputs=sample,
        endpoints=[endpoint],
        tflite=args.tflite,
        metadata={
            "command": getattr(args, "command_line", None) or " ".join(sys.argv),
            "model": (record or {}).get("model") or model.name,
            "class_names": names,
            "input": {"size": [size, size], "channels": channels, "pixels": "raw, 0-255 (the model rescales)"},
            "parameters": model.count_params(),
            "metrics": metrics,
            "usage": {
                "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> label: [batch] string, "
                f"probability: [batch] float32, probabilities: [batch, {len(names)}] float32",
                "serving_float": f"pixels: [batch, {size}, {size}, {channels}] float32 on 0-255 -> output: [batch, {len(names)}] probabilities",
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
    run_dir = pathlib.Path(args.run_dir)
    record = read_json(run_dir / CLASSES_FILE)
    args.output = args.figure = None
    metrics = evaluate(args, model=result.model, record=record)
    exported = export(args, model=result.model, record=record, metrics=metrics)
    report(
        f"Done: test accuracy {metrics['model']['accuracy']:.4f} vs baseline {metrics['baseline']['accuracy']:.4f}"
        f" ({metrics['accuracy_gain_over_baseline']:+.4f})",
        {
            "model": result.checkpoint,
            "learning curves": result.learning_curve,
            "evaluation": run_dir / "evaluation.json",
            "confusion matrix": run_dir / "confusion_matrix.png",
            "SavedModel": exported.path,
            "LiteRT": exported.tflite_path or "skipped",
        },
    )
    return 0


COMMANDS = {
    "train": (add_train_arguments, train, "train a vision builder on a class folder or a dataset"),
    "evaluate": (
        add_evaluate_arguments,
        evaluate,
        "test accuracy, per-class report and confusion matrix vs a scikit-learn baseline",
    ),
    "predict": (add_predict_arguments, predict, "classify image files"),
    "export": (add_export_arguments, export, "SavedModel (TF Serving layout) + LiteRT, parity-checked"),
    "run": (add_run_arguments, run, "train, evaluate and export in one go"),
}


def add_commands(subparsers):
    """Adds this app's sub-commands to an argparse sub-parser group."""
    common.add_commands(subparsers, COMMANDS)
