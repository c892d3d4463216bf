"""The sentiment app's commands: train, evaluate, predict, export, and run (all in a row)."""

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

APP = "sentiment"
DEFAULT_RUN_DIR = pathlib.Path("runs") / APP
RECORD_FILE = "sentiment.json"
SPLIT_FILE = "split.json"
EXPORT_SAMPLES = [
    "There is nothing to like in this movie.",
    "A wonderful film: the acting is superb and the story gripping!",
    "Not bad at all.",
    "",
]


# ---------------------------------------------------------------- arguments


def _recipe_name(value):
    from kerasdl.apps.sentiment.recipes import RECIPES

    if value not in RECIPES:
        raise argparse.ArgumentTypeError(f"unknown model {value!r}; choose one of {', '.join(RECIPES)}")
    return value


def _dataset(value):
    from kerasdl.data.text import DATASETS

    if value not in DATASETS:
        raise argparse.ArgumentTypeError(f"unknown dataset {value!r}; choose one of {', '.join(DATASETS)}")
    return value


def add_data_arguments(p, *, what="training data"):
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--data",
        help=f"{what}: an aclImdb folder (train/ and test/), a folder with neg/ and pos/ .txt "
        "files, or a CSV/TSV file (optionally .gz) with text and label columns",
    )
    g.add_argument(
        "--dataset",
        type=_dataset,
        help="reviews (the embedded set, the default) or imdb (keras.datasets.imdb from Keras' cache)",
    )
    p.add_argument(
        "--test-data", help="test texts (folder or CSV/TSV); default: the source's test set, else 10%% held out"
    )
    p.add_argument(
        "--dataset-file",
        help="for --dataset imdb: an imdb.npz to read instead of Keras' cache (imdb_word_index.json beside it)",
    )
    p.add_argument("--text-column", help="CSV/TSV: the text column's name or 0-based index (default: found by name)")
    p.add_argument(
        "--label-column", help="CSV/TSV: the label column's name or index (labels 0/1, neg/pos, negative/positive)"
    )
    p.add_argument(
        "--split-seed", type=int, help="seed of the validation (and test) hold-out (default: the run's, else 0)"
    )


def add_train_arguments(p):
    from kerasdl.apps.sentiment.recipes import DEFAULT_RECIPE, RECIPES

    add_data_arguments(p)
    models = "; ".join(f"{name}: {r.summary}" for name, r in RECIPES.items())
    p.add_argument("--model", type=_recipe_name, default=DEFAULT_RECIPE, help=f"{models} (default: %(default)s)")
    p.add_argument(
        "--model-arg",
        dest="model_args",
        type=builder_option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a builder option, repeatable (e.g. --model-arg units=128)",
    )
    p.add_argument(
        "--preset",
        help="fine-tune a keras-hub text-classifier preset instead (a name such as "
        "bert_tiny_en_uncased, downloaded on first use, or a local preset folder)",
    )
    p.add_argument(
        "--tokenizer",
        choices=("words", "wordpiece", "ngrams"),
        help="sequence models: words (TextVectorization) or wordpiece (learned from the training texts)",
    )
    p.add_argument("--max-tokens", type=positive_int, help="vocabulary size (default: the model's)")
    p.add_argument("--sequence-length", type=positive_int, help="tokens per text for sequence models (default: 400)")
    p.add_argument("--ngrams", type=positive_int, help="bag models: word n-grams of 1 to this many words")
    p.add_argument("--batch-size", type=positive_int, help="texts per batch (default: the model's)")
    p.add_argument(
        "--run-dir", default=str(DEFAULT_RUN_DIR), help="checkpoints, logs and figures (default: %(default)s)"
    )
    TrainConfig.add_arguments(p, epochs=None, steps_per_epoch=None, learning_rate=None)


def add_model_path(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)


def add_evaluate_arguments(p):
    add_model_path(p)
    add_data_arguments(p, what="data whose test split is scored (default: what the run trained on)")
    p.add_argument(
        "--no-baseline", dest="baseline", action="store_false", help="skip the TF-IDF + logistic-regression baseline"
    )
    p.add_argument("--output", help="JSON report; default: <run-dir>/evaluation.json")
    p.add_argument("--figure", help="confusion-matrix PNG; default: <run-dir>/confusion_matrix.png")


def add_predict_arguments(p):
    add_model_path(p)
    p.add_argument("texts", nargs="*", help="texts to classify; '-' or none (with no --file): read lines from stdin")
    p.add_argument("--file", help="a text file with one text per line (blank lines skipped)")
    p.add_argument("--output", help="also write the predictions as .csv or .json")


def _add_export_flags(p):
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


def add_export_arguments(p):
    add_model_path(p)
    _add_export_flags(p)
    p.add_argument("--version", type=positive_int, help="version number; default: the next free one")


def add_run_arguments(p):
    add_train_arguments(p)
    _add_export_flags(p)


# ---------------------------------------------------------------- data and model


def _source(args, recorded=None) -> dict:
    """The data flags, else what the run recorded, else the embedded reviews."""
    keys = ("data", "test_data", "dataset", "dataset_file", "text_column", "label_column")
    given = {k: getattr(args, k, None) for k in keys}
    if given["data"] is not None or given["dataset"] is not None:
        return given
    if recorded and recorded.get("source"):
        source = dict(recorded["source"])
        for k in ("test_data", "dataset_file", "text_column", "label_column"):
            source[k] = given[k] if given[k] is not None else source.get(k)
        return source
    return {**given, "dataset": "reviews"}


def load_data(args, recorded=None):
    """The seeded split the flags (or the run's record) name, and the source flags."""
    from kerasdl.data.text import SPLIT_SEED, load_split

    source = _source(args, recorded)
    if source.get("dataset_file") and source.get("dataset") != "imdb":
        raise UserInputError("--dataset-file is only for --dataset imdb")
    seed = args.split_seed if args.split_seed is not None else (recorded or {}).get("split_seed", SPLIT_SEED)
    return load_split(**source, seed=seed), source


def _load_model(args):
    """The trained model and its run record (``sentiment.json`` beside it, or None)."""
    path = model_path(args)
    model = _as_text_model(load_trained_model(path))
    if model.input.dtype != "string" or len(model.output_shape) != 2:
        raise UserInputError(f"{path} is not a sentiment model (needs raw strings in, class probabilities out)")
    record_path = path.parent / RECORD_FILE
    record = read_json(record_path) if record_path.is_file() else None
    return model, record


def class_names_of(model, record) -> list[str]:
    from kerasdl.data.text import CLASS_NAMES

    if record:
        return list(record["class_names"])
    return list(CLASS_NAMES) if model.output_shape[-1] == 2 else [str(i) for i in range(model.output_shape[-1])]


def text_dataset(texts, labels, *, batch_size, shuffle_seed=None):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((tf.constant(list(texts), tf.string), labels))
    if shuffle_seed is not None:
        ds = ds.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True).repeat()
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def prepare_model(args, split):
    """``(build_model, description)``: a function building the untrained text model, and what it is.

    Learns the tokenizer's vocabulary (and NBSVM's ratios) from the training split only.
    """
    import keras

    from kerasdl.apps.sentiment import presets, recipes

    classes = len(split.class_names)
    if args.preset:
        flags = {
            "model_args": "--model-arg",
            "tokenizer": "--tokenizer",
            "max_tokens": "--max-tokens",
            "sequence_length": "--sequence-length",
            "ngrams": "--ngrams",
        }
        for attribute, flag in flags.items():
            if getattr(args, attribute):
                raise UserInputError(
                    f"{flag} does not apply to --preset (the preset brings its own tokenizer and architecture)"
                )
        presets.load_classifier(args.preset, classes=classes)  # fails early, before any file is written
        keras.backend.clear_session()
        description = {"model": "preset", "preset": args.preset, "epochs": 2, "learning_rate": 2e-5, "batch_size": 16}
        return (lambda: presets.load_classifier(args.preset, classes=classes)), description
    r = recipes.recipe(
        args.model,
        tokenizer=args.tokenizer,
        max_tokens=args.max_tokens,
        sequence_length=args.sequence_length,
        ngrams=args.ngrams,
    )
    options = dict(args.model_args)
    print(
        f"Learning the {r.tokenizer} vocabulary (up to {r.max_tokens:,} tokens) from {len(split.train)} training texts ...",
        flush=True,
    )
    spec = recipes.learn_tokenizer(r, split.train.texts)
    vocabulary_size = len(spec["vocabulary"])
    token_weights = None
    if r.naive_bayes:
        ratios = recipes.naive_bayes_ratios(
            recipes.make_tokenizer(spec),
            split.train.texts,
            split.train.y,
            classes=classes,
            vocabulary_size=vocabulary_size,
        )
        token_weights = ratios / recipes.NB_RATIO_SCALE
    recipes.build_core(
        r, vocabulary_size=vocabulary_size, classes=classes, token_weights=token_weights, options=options
    )  # bad options fail before any file is written
    keras.backend.clear_session()
    description = {
        "model": args.model,
        "builder": r.builder,
        "model_options": {**r.options, **options},
        "tokenizer": {k: v for k, v in spec.items() if k != "vocabulary"} | {"vocabulary_size": vocabulary_size},
        "naive_bayes": r.naive_bayes,
        "epochs": r.epochs,
        "learning_rate": r.learning_rate,
        "batch_size": r.batch_size,
    }

    def build():
        core = recipes.build_core(
            r, vocabulary_size=vocabulary_size, classes=classes, token_weights=token_weights, options=options
        )
        return recipes.text_model(recipes.make_tokenizer(spec), core, name=args.model)

    return build, description


def _as_text_model(model):
    """The app's view of a trained model: a keras-hub task gets its string-in, probabilities-out wrapper."""
    from kerasdl.apps.sentiment import presets

    return presets.text_model(model) if presets.is_task(model) else model


# ---------------------------------------------------------------- commands


def train(args):
    """Trains a text model on the training split (validation held out); returns the FitResult."""
    import keras

    from kerasdl.data.images import check_writable_dir
    from kerasdl.training import fit

    split, source = load_data(args)
    build_model, description = prepare_model(args, split)
    for name in ("epochs", "learning_rate"):
        if getattr(args, name) is None:
            setattr(args, name, description[name])
    batch_size = args.batch_size or description["batch_size"]
    config = TrainConfig.from_args(args)
    run_dir = check_writable_dir(args.run_dir)  # only once data and model are known to be good
    if config.steps_per_epoch is None:  # one pass over the training texts
        config.steps_per_epoch = math.ceil(len(split.train) / batch_size)
    write_json(split.record(), run_dir / SPLIT_FILE)
    record = {"class_names": split.class_names, **description, "source": source, "split_seed": split.seed}
    write_json(record, run_dir / RECORD_FILE)
    counts = split.counts()
    print(
        f"Training {description['model'] if not args.preset else args.preset} on {counts['train']} texts "
        f"({counts['val']} validation, {counts['test']} test) of {split.source}; "
        f"{config.epochs} epochs x {config.steps_per_epoch} steps of {batch_size}",
        flush=True,
    )
    result = fit(
        build_model,
        # keras-hub classifiers give logits; the app's models give probabilities
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=bool(args.preset)),
        metrics=["accuracy"],
        train_data=text_dataset(split.train.texts, split.train.y, batch_size=batch_size, shuffle_seed=config.seed),
        val_data=text_dataset(split.val.texts, split.val.y, batch_size=256),
        run_dir=run_dir,
        config=config,
    )
    write_json(
        {
            **record,
            "batch_size": batch_size,
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
            "record": run_dir / RECORD_FILE,
            "split": run_dir / SPLIT_FILE,
            "summary": run_dir / "train_summary.json",
        },
    )
    return result


def evaluate(args, model=None, record=None):
    """Scores the model and the TF-IDF baseline on the test split; writes JSON and a confusion matrix."""
    from kerasdl.apps.sentiment.evaluation import confusion_figure, evaluate_split, format_summary

    if model is None:
        model, record = _load_model(args)
    run_dir = pathlib.Path(args.run_dir)
    output = pathlib.Path(getattr(args, "output", None) or run_dir / "evaluation.json")
    figure = pathlib.Path(getattr(args, "figure", None) or run_dir / "confusion_matrix.png")
    split, _ = load_data(args, recorded=record)
    names = class_names_of(model, record)
    if model.output_shape[-1] != len(split.class_names) or names != split.class_names:
        raise UserInputError(f"the model predicts {names}, but {split.source} has classes {split.class_names}")
    name = (record or {}).get("preset") or (record or {}).get("model") or model.name
    report_data, details = evaluate_split(model, split, model_name=name, baseline=getattr(args, "baseline", True))
    print(details["report_text"])
    print(format_summary(report_data))
    fig = confusion_figure(
        details["confusion_matrix"],
        split.class_names,
        title=f"{name} on {split.source} (test accuracy {report_data['model']['accuracy']:.4f})",
    )
    write_json(report_data, output)
    save_figure(fig, figure)
    report("Evaluation", {"report": output, "confusion matrix": figure})
    return report_data


def _read_inputs(args) -> list[str]:
    from kerasdl.data.text import decode_text

    texts = [t for t in args.texts if t != "-"]
    lines = []
    if args.file:
        path = pathlib.Path(args.file)
        if not path.is_file():
            raise UserInputError(f"no such file: {path}")
        lines += decode_text(path.read_bytes()).splitlines()
    if "-" in args.texts or (not args.texts and not args.file):
        if sys.stdin is None or sys.stdin.isatty():
            raise UserInputError("no texts: pass them as arguments, with --file, or on stdin")
        lines += sys.stdin.read().splitlines()
    texts += [line.strip() for line in lines if line.strip()]
    if not texts:
        raise UserInputError("no texts to classify (the input is empty)")
    return texts


def predict(args, model=None, record=None):
    """Classifies texts; prints ``label probability  text`` per line, optionally writes CSV/JSON."""
    import csv

    from kerasdl.apps.sentiment.evaluation import predict_probabilities

    output = pathlib.Path(args.output) if getattr(args, "output", None) else None
    if output is not None and output.suffix.lower() not in (".csv", ".json"):
        raise UserInputError(f"--output must end in .csv or .json; got {output}")
    texts = _read_inputs(args)
    if model is None:
        model, record = _load_model(args)
    names = class_names_of(model, record)
    probabilities = predict_probabilities(model, texts)
    rows = []
    for text, p in zip(texts, probabilities):
        k = int(p.argmax())
        rows.append({"text": text, "label": names[k], "probability": round(float(p[k]), 6)})
        shown = text if len(text) <= 100 else text[:97] + "..."
        print(f"{names[k]:<8}  {p[k]:.3f}  {shown}")
    if output is not None:
        with atomic_path(output) as tmp:
            if output.suffix.lower() == ".json":
                write_json({"class_names": names, "predictions": rows}, tmp)
            else:
                with tmp.open("w", newline="", encoding="utf-8") as fh:
                    writer = csv.DictWriter(fh, fieldnames=["text", "label", "probability"])
                    writer.writeheader()
                    writer.writerows(rows)
        report(f"Classified {len(rows)} text(s)", {"predictions": output})
    return rows


def _tflite_usage(record, length, vocabulary_size):
    tokenizer = (record or {}).get("tokenizer") or {}
    if (record or {}).get("preset"):
        how = f"the preset's tokenizer (keras_hub.tokenizers.Tokenizer.from_preset({record['preset']!r})), padded"
    elif tokenizer.get("kind") == "wordpiece":
        how = "keras-hub WordPieceTokenizer(vocabulary=vocabulary.txt, lowercase=True, strip_accents=True)"
    else:
        n = tokenizer.get("ngrams", 1)
        how = (
            "kerasdl.layers.standardize_review, split on whitespace"
            + (f", word n-grams of 1..{n} joined by spaces" if n > 1 else "")
            + "; id = line number in vocabulary.txt (0 padding, 1 unknown)"
        )
    shape = f"[batch, {length}]" if length else "[batch, any length]"
    return (
        f"token_ids: {shape} float32 (whole numbers < {vocabulary_size}; 0 = padding) -> "
        f"output: [batch, classes] probabilities. Tokenize with {how}"
    )


def export(args, model=None, record=None, metrics=None):
    """Exports to ``<export-dir>/sentiment/<version>/``: SavedModel (raw strings and token ids), LiteRT, vocabulary."""
    import numpy as np
    import tensorflow as tf

    from kerasdl.apps.sentiment import serving
    from kerasdl.export import Endpoint, export_model, run_tflite
    from kerasdl.export.saved_model import load_serving_signature

    if model is None:
        model, record = _load_model(args)
    run_dir = pathlib.Path(args.run_dir)
    if metrics is None and (run_dir / "evaluation.json").is_file():
        metrics = read_json(run_dir / "evaluation.json")
    names = class_names_of(model, record)
    samples = tf.constant(EXPORT_SAMPLES)
    endpoint = Endpoint(
        name="serving_default",
        fn=serving.text_endpoint_fn(model, names),
        input_signature=[tf.TensorSpec([None], tf.string, name="text")],
        sample_inputs=[samples],
        compare="float",
    )
    ids_model = serving.token_ids_model(model)
    length = ids_model.input_shape[1]
    sample_ids = serving.tokenize(model, EXPORT_SAMPLES)
    vocabulary = serving.vocabulary(model)
    result = export_model(
        ids_model,
        app=APP,
        root=args.export_dir,
        version=args.version if args.command == "export" else None,
        float_input_signature=tf.TensorSpec([None, length], tf.float32, name="token_ids"),
        sample_inputs=sample_ids,
        endpoints=[endpoint],
        tflite=args.tflite,
        metadata={
            "command": getattr(args, "command_line", None) or " ".join(sys.argv),
            "model": (record or {}).get("model") or model.name,
            "class_names": names,
            "tokenizer": (record or {}).get("tokenizer"),
            "parameters": model.count_params(),
            "metrics": metrics,
            "usage": {
                "serving_default": "text: [batch] UTF-8 strings (raw reviews) -> label: [batch] string, "
                f"probability: [batch] float32, probabilities: [batch, {len(names)}] float32",
                "serving_float": _tflite_usage(record, length, len(vocabulary)),
                "tflite": "model.tflite: the same as serving_float; vocabulary.txt beside it, one token per line",
            },
        },
    )
    with atomic_path(result.path / serving.VOCABULARY_FILE) as tmp:
        tmp.write_text("".join(v.replace("\n", " ") + "\n" for v in vocabulary), encoding="utf-8")
    outputs = {
        "SavedModel": result.path,
        "LiteRT": result.tflite_path or "skipped",
        "vocabulary": result.path / serving.VOCABULARY_FILE,
        "metadata": result.path / "metadata.json",
        "inspect": f"saved_model_cli show --dir {result.path} --all",
    }
    parity = result.metadata["parity"]["max_abs_diff"]
    if args.tflite:  # text -> (Python tokenizer) -> LiteRT against text -> SavedModel
        served = load_serving_signature(result.path)(samples)["probabilities"].numpy()
        lite = run_tflite(result.tflite_path, sample_ids.numpy())
        parity["text_to_tflite_vs_saved_model"] = float(np.max(np.abs(served - lite)))
    report(
        "Exported version "
        + f"{result.version} (parity max |diff|: "
        + ", ".join(f"{k} {v:.1e}" for k, v in parity.items())
        + ")",
        outputs,
    )
    return result


def run(args):
    """train, evaluate, export in one go: the end-to-end demo."""
    result = train(args)
    model = _as_text_model(result.model)
    run_dir = pathlib.Path(args.run_dir)
    record = read_json(run_dir / RECORD_FILE)
    args.output = args.figure = None
    metrics = evaluate(args, model=model, record=record)
    exported = export(args, model=model, record=record, metrics=metrics)
    from kerasdl.apps.sentiment.evaluation import predict_probabilities

    probabilities = predict_probabilities(model, EXPORT_SAMPLES[:3])
    names = record["class_names"]
    examples = {
        f"{text!r}": f"{names[int(p.argmax())]} ({p.max():.3f})" for text, p in zip(EXPORT_SAMPLES[:3], probabilities)
    }
    report("Examples", examples)
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
    "train": (
        add_train_arguments,
        train,
        "train a text classifier on reviews (validation held out of the training data)",
    ),
    "evaluate": (
        add_evaluate_arguments,
        evaluate,
        "test accuracy, F1 and confusion matrix vs TF-IDF + logistic regression",
    ),
    "predict": (add_predict_arguments, predict, "classify texts from arguments, a file (one per line) or stdin"),
    "export": (add_export_arguments, export, "SavedModel taking raw strings (TF Serving layout) + LiteRT on token ids"),
    "run": (add_run_arguments, run, "train, evaluate and export in one go"),
}


def add_commands(subparsers):
    """Adds this app's sub-commands to an argparse sub-parser group."""
    common.add_commands(subparsers, COMMANDS)
