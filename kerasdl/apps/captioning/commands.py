"""The captioning app's commands: train, evaluate, predict, export, and run (all in a row)."""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys

from kerasdl.apps import common
from kerasdl.apps.common import load_trained_model, model_path, positive_int, report
from kerasdl.errors import UserInputError
from kerasdl.files import read_json, write_json
from kerasdl.training.config import TrainConfig

APP = "captioning"
DEFAULT_RUN_DIR = pathlib.Path("runs") / APP
RECORD_FILE = "captioning.json"
MODELS = ("show_attend_tell", "transformer_captioner")
SCENE_IMAGE_SIZE, FILE_IMAGE_SIZE = 64, 128
MAX_CAPTION_WORDS = 22  # longer captions are cut (Flickr8k: 99% have at most 22 words)
TRAIN_DEFAULTS = dict(epochs=None, steps_per_epoch=None, learning_rate=2e-3)
# Epochs when --epochs is not given: the scenes reached BLEU-4 0.96 after 3 epochs (4 minutes on
# two CPU cores); for image files, 14 epochs is sized (not yet measured) for the 753 training
# images of the Flickr8k subset at 128x128 within 8 minutes.
DEFAULT_EPOCHS = {"scenes": 5, "files": 14}


# ---------------------------------------------------------------- arguments


def _beam_width(value):
    width = positive_int(value)
    if width > 16:
        raise argparse.ArgumentTypeError(f"must be at most 16, got {value!r}")
    return width


def add_data_arguments(p):
    p.add_argument(
        "--data",
        help="a Flickr8k folder (Flickr8k.token.txt + split lists + images), an image,caption CSV "
        "(images/ beside it) or a COCO captions JSON; default: the generated scenes",
    )
    p.add_argument("--images", help="the image folder, when it is not where the layout expects it")
    p.add_argument(
        "--split-lists",
        help="CSV layout: a folder with the Flickr_8k.{train,dev,test}Images.txt lists "
        "(default: a seeded 80/10/10 split by image)",
    )
    p.add_argument(
        "--scenes", type=positive_int, default=8000, help="generated scenes: training images (default: %(default)s)"
    )
    p.add_argument(
        "--split-seed", type=int, default=0, help="seed of the scenes and of seeded splits (default: %(default)s)"
    )


def add_train_arguments(p):
    add_data_arguments(p)
    p.add_argument("--model", choices=MODELS, default=MODELS[0], help="architecture (default: %(default)s)")
    p.add_argument(
        "--encoder",
        default="small_cnn",
        help="small_cnn, a registered vision builder (resnet18, mobilenet_v2, "
        "vgg11 ...) or a keras.applications name (default: %(default)s)",
    )
    p.add_argument(
        "--encoder-weights", help="imagenet or a weights file for the encoder (default: random initialisation)"
    )
    p.add_argument("--freeze-encoder", action="store_true", help="keep the encoder's weights fixed")
    p.add_argument(
        "--image-size",
        type=positive_int,
        help=f"square input side (default: {SCENE_IMAGE_SIZE} for the scenes, {FILE_IMAGE_SIZE} for image files)",
    )
    p.add_argument("--max-tokens", type=positive_int, default=5000, help="vocabulary size cap (default: %(default)s)")
    p.add_argument(
        "--min-count", type=positive_int, default=3, help="drop words seen fewer times (default: %(default)s)"
    )
    p.add_argument(
        "--embed-dim", type=positive_int, default=128, help="word embedding / model width (default: %(default)s)"
    )
    p.add_argument(
        "--units", type=positive_int, default=256, help="LSTM width (show_attend_tell) (default: %(default)s)"
    )
    p.add_argument("--dropout", type=float, help="dropout rate (default: 0 for the scenes, 0.3 for image files)")
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        help="images per batch, each with all its reference captions (default: %(default)s)",
    )
    p.add_argument(
        "--run-dir", default=str(DEFAULT_RUN_DIR), help="checkpoints, logs and figures (default: %(default)s)"
    )
    TrainConfig.add_arguments(p, **TRAIN_DEFAULTS)


def _add_decoding(p):
    p.add_argument(
        "--beam-width", type=_beam_width, default=1, help="1 = greedy search, more = beam search (default: %(default)s)"
    )


def add_evaluate_arguments(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    add_data_arguments(p)
    _add_decoding(p)
    p.add_argument(
        "--no-baseline", dest="baseline", action="store_false", help="skip the nearest-neighbour retrieval baseline"
    )
    p.add_argument("--output", help="JSON report; default: <run-dir>/evaluation.json")


def add_predict_arguments(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    _add_decoding(p)
    p.add_argument("inputs", nargs="+", help="image files or folders to caption")
    p.add_argument("--output", help="also write the captions as JSON")


def _add_export_flags(p):
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file (the encoder)")


def add_export_arguments(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)
    _add_decoding(p)
    _add_export_flags(p)
    p.add_argument("--version", type=positive_int, help="version number; default: the next free one")


def add_run_arguments(p):
    add_train_arguments(p)
    _add_decoding(p)
    _add_export_flags(p)


# ---------------------------------------------------------------- data and model


def _source(args, recorded=None) -> dict:
    keys = ("data", "images", "split_lists", "scenes", "split_seed")
    given = {k: getattr(args, k, None) for k in keys}
    if args.command in ("evaluate",) and given["data"] is None and recorded:
        return dict(recorded["source"])
    return given


def load_splits(source: dict, image_size: int) -> dict:
    """Train/val/test :class:`CaptionSplit` the source names, images read at ``image_size``."""
    from kerasdl.data.captions import load_captions, scene_splits

    if source.get("data") is None:
        sizes = {"train": source["scenes"], "val": max(50, source["scenes"] // 16), "test": 500}
        return scene_splits(sizes=sizes, seed=source["split_seed"], image_size=SCENE_IMAGE_SIZE)
    return load_captions(
        source["data"],
        images=source.get("images"),
        split_lists=source.get("split_lists"),
        seed=source.get("split_seed") or 0,
    )


def describe_source(source) -> str:
    if source.get("data") is None:
        return f"generated scenes ({source['scenes']} training images, seed {source['split_seed']})"
    return str(source["data"])


def model_kwargs(args, *, vocabulary_size, max_length, image_size, files):
    dropout = args.dropout if args.dropout is not None else (0.3 if files else 0.0)
    if not 0 <= dropout < 1:
        raise UserInputError(f"--dropout must be in [0, 1); got {dropout}")
    kwargs = dict(
        vocabulary_size=vocabulary_size,
        image_shape=(image_size, image_size, 3),
        encoder=args.encoder,
        encoder_weights=args.encoder_weights,
        train_encoder=not args.freeze_encoder,
        embed_dim=args.embed_dim,
        dropout=dropout,
    )
    if args.model == "show_attend_tell":
        kwargs.update(units=args.units)
    else:
        heads = 4 if args.embed_dim % 4 == 0 else 1
        kwargs.update(sequence_length=max_length, intermediate_dim=2 * args.embed_dim, num_heads=heads)
    return kwargs


def _check_model_arguments(args, kwargs):
    """Builds the model once on the side, so bad --encoder values fail before data work and training."""
    from kerasdl.registry import get_model

    if args.encoder_weights not in (None, "imagenet") and not pathlib.Path(args.encoder_weights).is_file():
        raise UserInputError(f"--encoder-weights: no such file: {args.encoder_weights}")
    try:
        get_model(args.model, **kwargs)
    except ValueError as err:
        raise UserInputError(f"cannot build {args.model}: {str(err).splitlines()[0]}") from None


def load_run(args):
    """The trained model and its record (vocabulary, caption length, image size, data source)."""
    import kerasdl.apps.captioning.training  # noqa: F401  (registers the caption-grouping layer)
    import kerasdl.models.captioning  # noqa: F401  (registers the preprocessing layer)

    path = model_path(args)
    record_path = path.parent / RECORD_FILE
    model = load_trained_model(path)
    if not record_path.is_file():
        raise UserInputError(f"no {RECORD_FILE} beside {path} (the vocabulary of the run); train with this app first")
    record = read_json(record_path)
    try:
        model.get_layer("encoder"), model.get_layer("decoder")
    except ValueError:
        raise UserInputError(f"{path} is not a captioning model (no nested encoder and decoder)") from None
    return model, record


def make_captioner(model, record, beam_width):
    from kerasdl.apps.captioning.decoding import Captioner

    return Captioner(model, record["vocabulary"], max_length=record["max_length"], beam_width=beam_width)


# ---------------------------------------------------------------- commands


def train(args):
    """Trains a captioner; returns ``(FitResult, record, splits)``."""
    import keras
    import numpy as np

    from kerasdl.apps.captioning.training import caption_dataset, captions_per_image, grouped_model
    from kerasdl.data.captions import build_vocabulary
    from kerasdl.data.captions.loaders import read_images
    from kerasdl.data.captions.vocabulary import normalize_caption
    from kerasdl.data.images import check_writable_dir
    from kerasdl.registry import get_model
    from kerasdl.training import fit

    config = TrainConfig.from_args(args)
    source = _source(args)
    files = source["data"] is not None
    image_size = args.image_size or (FILE_IMAGE_SIZE if files else SCENE_IMAGE_SIZE)
    if image_size < 32:
        raise UserInputError(f"--image-size must be at least 32; got {image_size}")
    splits = load_splits(source, image_size)
    train_split = splits["train"]
    val_split = splits["val"] if len(splits["val"]) else (splits["test"] if len(splits["test"]) else train_split)
    vocabulary = build_vocabulary(
        [c for cs in train_split.captions for c in cs], max_tokens=args.max_tokens, min_count=args.min_count
    )
    if len(vocabulary) <= 4:
        raise UserInputError(
            f"no word is seen --min-count={args.min_count} times in the training captions of {describe_source(source)}"
        )
    longest = max(len(normalize_caption(c).split()) for cs in train_split.captions for c in cs)
    max_length = min(longest, MAX_CAPTION_WORDS) + 1  # the decoder input: start + words
    kwargs = model_kwargs(
        args, vocabulary_size=len(vocabulary), max_length=max_length, image_size=image_size, files=files
    )
    _check_model_arguments(args, kwargs)
    train_images, val_images = read_images(train_split, image_size), read_images(val_split, image_size)
    run_dir = check_writable_dir(args.run_dir)  # only once the data is known to be good
    per_image = captions_per_image(train_split.captions)
    train_ds = caption_dataset(
        train_images,
        train_split.captions,
        vocabulary,
        max_length=max_length,
        per_image=per_image,
        batch_size=args.batch_size,
        shuffle=True,
        seed=args.seed,
    )
    val_ds = caption_dataset(
        val_images,
        val_split.captions,
        vocabulary,
        max_length=max_length,
        per_image=per_image,
        batch_size=args.batch_size,
        shuffle=False,
    )
    pairs = sum(min(len(c), per_image) for c in train_split.captions)
    if config.steps_per_epoch is None:
        config.steps_per_epoch = max(1, len(train_split) // args.batch_size)
    if config.epochs is None:
        config.epochs = DEFAULT_EPOCHS["files" if files else "scenes"]
    record = {
        "model": args.model,
        "model_kwargs": kwargs,
        "vocabulary": vocabulary,
        "max_length": max_length,
        "image_size": image_size,
        "source": source,
    }
    write_json(record, run_dir / RECORD_FILE)
    print(
        f"Training {args.model} ({args.encoder} encoder, {image_size}x{image_size}) on {len(train_split)} images, "
        f"{pairs} captions from {describe_source(source)}; vocabulary {len(vocabulary)} words; "
        f"{config.epochs} epochs x {config.steps_per_epoch} steps"
    )
    result = fit(
        lambda: grouped_model(get_model(args.model, **kwargs), per_image),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        train_data=train_ds,
        val_data=val_ds,
        run_dir=run_dir,
        config=config,
    )
    write_json(
        {
            "model": args.model,
            "model_kwargs": kwargs,
            "data": describe_source(source),
            "train_images": len(train_split),
            "train_captions": pairs,
            "captions_per_image": per_image,
            "vocabulary_size": len(vocabulary),
            "max_length": max_length,
            "train_config": dataclasses.asdict(config),
            "batch_size": args.batch_size,
            "train_seconds": round(result.seconds, 1),
            "stopped_by_time_limit": result.stopped_by_time_limit,
            "jit_compile": result.jit_compile,
            "parameters": result.model.count_params(),
            "keras": keras.__version__,
            "best_val_loss": float(np.nanmin(result.history["val_loss"])) if result.history.get("val_loss") else None,
        },
        run_dir / "train_summary.json",
    )
    report(
        f"Trained in {result.seconds / 60:.1f} min" + (" (resumed)" if result.resumed else ""),
        {
            "best model": result.checkpoint,
            "vocabulary and settings": run_dir / RECORD_FILE,
            "training log": run_dir / "training_log.csv",
            "learning curves": result.learning_curve,
            "summary": run_dir / "train_summary.json",
        },
    )
    return result, record, {"train": (train_split, train_images)}


def evaluate(args, model=None, record=None, loaded=None):
    """BLEU-1..4 of the model and the retrieval baseline on the test split; JSON and figures."""
    from kerasdl.apps.captioning.evaluation import evaluate_split, format_table
    from kerasdl.apps.captioning.figures import attention_figure, caption_grid
    from kerasdl.data.captions.loaders import read_images
    from kerasdl.data.captions.vocabulary import normalize_caption

    if model is None:
        model, record = load_run(args)
    source = _source(args, record)
    splits = load_splits(source, record["image_size"])
    test = splits["test"]
    if not len(test):
        raise UserInputError(f"no test images in {describe_source(source)}")
    run_dir = pathlib.Path(args.run_dir)
    output = pathlib.Path(getattr(args, "output", None) or run_dir / "evaluation.json")
    test_images = read_images(test, record["image_size"])
    train_images = None
    if getattr(args, "baseline", True):
        train_images = (loaded or {}).get("train", (None, None))[1]
        if train_images is None:
            train_images = read_images(splits["train"], record["image_size"])
    captioner = make_captioner(model, record, args.beam_width)
    result, outputs = evaluate_split(
        captioner, test_images, test.captions, train_images=train_images, train_captions=splits["train"].captions
    )
    result.update(
        dataset=describe_source(source),
        split="test",
        model_name=record["model"],
        examples=[
            {
                "image": test.names[i],
                "model": outputs["model"][i],
                **({"retrieval": outputs["retrieval"][i]} if "retrieval" in outputs else {}),
                "references": [normalize_caption(c) for c in test.captions[i]],
            }
            for i in range(min(8, len(test)))
        ],
    )
    print(format_table(result))
    write_json(result, output)
    rows = [
        {
            "model": outputs["model"][i],
            **({"retrieval": outputs["retrieval"][i]} if "retrieval" in outputs else {}),
            "reference": normalize_caption(test.captions[i][0]),
        }
        for i in range(len(test))
    ]
    outputs_written = {"report": output, "captions figure": caption_grid(test_images, rows, run_dir / "captions.png")}
    if record["model"] == "show_attend_tell":
        outputs_written["attention figure"] = attention_figure(captioner, test_images, run_dir / "attention.png")
    report("Evaluation", outputs_written)
    return result


def predict(args, model=None, record=None):
    """Captions image files; prints ``file: caption`` lines (and writes JSON with --output)."""
    import tensorflow as tf

    from kerasdl.data.captions.images import decode_and_resize
    from kerasdl.data.images import find_images
    from kerasdl.files import write_json as write

    if model is None:
        model, record = load_run(args)
    files = [f for item in args.inputs for f in find_images(item)]
    images = []
    for f in files:  # every input is checked before anything is written
        try:
            images.append(decode_and_resize(tf.constant(f.read_bytes()), record["image_size"]).numpy())
        except tf.errors.InvalidArgumentError as err:
            raise UserInputError(
                f"cannot read image {f}: corrupt or not an image ({err.message.splitlines()[0]})"
            ) from None
    import numpy as np

    captions = make_captioner(model, record, args.beam_width).caption(np.stack(images))
    result = {str(f): c for f, c in zip(files, captions)}
    for f, c in result.items():
        print(f"{f}: {c}")
    if args.output:
        write(result, args.output)
    return result


def export(args, model=None, record=None, metrics=None):
    """Exports to ``<export-dir>/captioning/<version>/``: bytes-in/caption-out SavedModel, LiteRT encoder, metadata."""
    import numpy as np
    import tensorflow as tf

    from kerasdl.apps.captioning.serving import bytes_endpoint_fn, encoder_model
    from kerasdl.export import Endpoint, export_model

    if model is None:
        model, record = load_run(args)
    run_dir = pathlib.Path(args.run_dir)
    if metrics is None and (run_dir / "evaluation.json").is_file():
        metrics = {k: v for k, v in read_json(run_dir / "evaluation.json").items() if k != "examples"}
    captioner = make_captioner(model, record, args.beam_width)
    size = record["image_size"]
    rng = np.random.default_rng(0)
    sample = rng.random((2, size, size, 3), dtype=np.float32)
    sample_bytes = tf.stack(
        [tf.io.encode_png(tf.constant((rng.random((40 + 8 * i, 48, 3)) * 255).astype(np.uint8))) for i in range(2)]
    )
    if record["source"].get("data") is None:  # a real scene too, so the parity check compares a real caption
        from kerasdl.data.captions import generate_scenes

        sample_bytes = tf.concat([sample_bytes, [tf.io.encode_png(generate_scenes(1, seed=12345)[0][0])]], axis=0)
    endpoint = Endpoint(
        name="serving_default",
        fn=bytes_endpoint_fn(captioner),
        input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
        sample_inputs=[sample_bytes],
    )
    result = export_model(
        encoder_model(model),
        app=APP,
        root=args.export_dir,
        version=args.version if args.command == "export" else None,
        float_input_signature=tf.TensorSpec([None, size, size, 3], tf.float32, name="image"),
        sample_inputs=sample,
        endpoints=[endpoint],
        tflite=args.tflite,
        metadata={
            "command": getattr(args, "command_line", None) or " ".join(sys.argv),
            "model": record["model"],
            "image_size": size,
            "vocabulary_size": len(record["vocabulary"]),
            "max_length": record["max_length"],
            "decoding": "greedy" if args.beam_width == 1 else f"beam search, {args.beam_width} beams",
            "parameters": model.count_params(),
            "metrics": metrics,
            "usage": {
                "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> caption: [batch] string",
                "serving_float": f"image: [batch, {size}, {size}, 3] float32 in [0, 1] -> output: the encoder's feature grid",
                "model.tflite": "the encoder: the same as serving_float",
            },
        },
    )
    parity = result.metadata["parity"]["max_abs_diff"]
    report(
        f"Exported version {result.version} (parity max |diff|: "
        + ", ".join(f"{k} {v:.1e}" for k, v in parity.items())
        + "; captions compared as exact strings)",
        {
            "SavedModel": result.path,
            "LiteRT (encoder)": result.tflite_path or "skipped",
            "metadata": result.path / "metadata.json",
            "inspect": f"saved_model_cli show --dir {result.path} --all",
        },
    )
    return result


def run(args):
    """train, evaluate, export in one go: the end-to-end demo."""
    result, record, loaded = train(args)
    metrics = evaluate(args, model=result.model, record=record, loaded=loaded)
    exported = export(
        args, model=result.model, record=record, metrics={k: v for k, v in metrics.items() if k != "examples"}
    )
    run_dir = pathlib.Path(args.run_dir)
    line = f"Done: BLEU-4 {metrics['model']['bleu4']:.4f}"
    if "retrieval" in metrics:
        line += f" vs retrieval {metrics['retrieval']['bleu4']:.4f}"
    report(
        line,
        {
            "model": result.checkpoint,
            "learning curves": result.learning_curve,
            "evaluation": run_dir / "evaluation.json",
            "captions": run_dir / "captions.png",
            "SavedModel": exported.path,
            "LiteRT": exported.tflite_path or "skipped",
        },
    )
    return 0


COMMANDS = {
    "train": (add_train_arguments, train, "train a captioner (default: on the generated scenes)"),
    "evaluate": (add_evaluate_arguments, evaluate, "BLEU-1..4 on the test split beside the nearest-neighbour baseline"),
    "predict": (add_predict_arguments, predict, "caption image files"),
    "export": (
        add_export_arguments,
        export,
        "SavedModel (image bytes in, caption out) + LiteRT encoder, parity-checked",
    ),
    "run": (add_run_arguments, run, "train, evaluate and export in one go"),
}


def add_commands(subparsers):
    """Adds this app's sub-commands to an argparse sub-parser group."""
    common.add_commands(subparsers, COMMANDS)
