"""The translation app's commands: train, evaluate, predict, export, and run (all in a row)."""

from __future__ import annotations

import argparse
import dataclasses
import math
import pathlib
import shutil
import sys

from kerasdl.apps import common
from kerasdl.apps.common import builder_option, load_trained_model, model_path, positive_int, report
from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path, read_json, write_json
from kerasdl.training.config import TrainConfig

APP = "translation"
DEFAULT_RUN_DIR = pathlib.Path("runs") / APP
RECORD_FILE = "translation.json"
ATTENTION_SENTENCES = 3
EXPORT_SAMPLES = {
    "generated": ["i have twenty-one houses", "we bought one hundred books", "there is one tree here"],
    "data": ["I have two dogs.", "Where is the station?", "She bought a red car yesterday."],
}


# ---------------------------------------------------------------- arguments


def _recipe_name(value):
    from kerasdl.apps.translation.recipes import RECIPES

    if value not in RECIPES:
        raise argparse.ArgumentTypeError(f"unknown model {value!r}; choose one of {', '.join(RECIPES)}")
    return value


def add_data_arguments(p, *, what="sentence pairs"):
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--data",
        help=f"{what}: a tab-separated file, source TAB target per line (the Anki/Tatoeba "
        "spa.txt layout; extra columns ignored)",
    )
    g.add_argument("--source", dest="source_file", help="source sentences, one per line (with --target)")
    g.add_argument(
        "--pairs",
        type=positive_int,
        help="with no data: how many pairs of the generated English-Spanish corpus (default: 30000)",
    )
    p.add_argument("--target", dest="target_file", help="their translations, line by line (with --source)")
    p.add_argument(
        "--split-seed", type=int, help="seed of the train/validation/test split (default: the run's, else 0)"
    )


def add_decoding_arguments(p, *, sampling=True):
    g = p.add_mutually_exclusive_group()
    g.add_argument("--beam-width", type=positive_int, help="beam search with this many beams (default: greedy)")
    if sampling:  # the exported signature is deterministic, so its strings can be checked exactly
        g.add_argument(
            "--top-k", type=positive_int, help="sample each piece from the k most likely (seeded; default: greedy)"
        )


def add_train_arguments(p):
    from kerasdl.apps.translation.recipes import DEFAULT_RECIPE, RECIPES

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
        help="a builder option, repeatable (e.g. --model-arg num_heads=8)",
    )
    p.add_argument(
        "--vocabulary-size",
        type=positive_int,
        help="SentencePiece pieces shared by both languages (default: the model's, 8000)",
    )
    p.add_argument("--source-length", type=positive_int, help="longest source in pieces (default: 40)")
    p.add_argument("--target-length", type=positive_int, help="longest output in pieces, start included (default: 40)")
    p.add_argument("--batch-size", type=positive_int, help="pairs per batch (default: the model's)")
    p.add_argument(
        "--run-dir", default=str(DEFAULT_RUN_DIR), help="checkpoints, logs, split and figures (default: %(default)s)"
    )
    TrainConfig.add_arguments(p, epochs=None, steps_per_epoch=None, learning_rate=None, warmup_steps=None)


def add_model_path(p):
    common.add_model_path(p, DEFAULT_RUN_DIR)


def add_evaluate_arguments(p):
    add_model_path(p)
    add_data_arguments(p, what="pairs whose seeded test split is scored (default: the split the run wrote)")
    add_decoding_arguments(p)
    p.add_argument("--max-sentences", type=positive_int, help="score only the first N test sources (default: all)")
    p.add_argument("--output", help="JSON report; default: <run-dir>/evaluation.json")


def add_predict_arguments(p):
    add_model_path(p)
    add_decoding_arguments(p)
    p.add_argument(
        "texts", nargs="*", help="sentences to translate; '-' or none (with no --file): read lines from stdin"
    )
    p.add_argument("--file", help="a text file with one sentence per line (blank lines skipped)")


def _add_export_flags(p):
    p.add_argument("--export-dir", default="saved_models", help="TF Serving model base folder (default: %(default)s)")
    p.add_argument("--no-tflite", dest="tflite", action="store_false", help="skip the LiteRT file")


def add_export_arguments(p):
    add_model_path(p)
    add_decoding_arguments(p, sampling=False)
    _add_export_flags(p)
    p.add_argument("--version", type=positive_int, help="version number; default: the next free one")


def add_run_arguments(p):
    add_train_arguments(p)
    add_decoding_arguments(p, sampling=False)
    _add_export_flags(p)


# ---------------------------------------------------------------- data, model, decoding


def _source(args) -> dict:
    """The data the flags name: a TSV file, two aligned files, or the generated corpus."""
    source = {
        "data": getattr(args, "data", None),
        "source_file": getattr(args, "source_file", None),
        "target_file": getattr(args, "target_file", None),
    }
    if bool(source["source_file"]) != bool(source["target_file"]):
        raise UserInputError("--source and --target go together: two files aligned line by line")
    if not any(source.values()):
        from kerasdl.apps.translation.data import GENERATED_PAIRS

        return {"generated": getattr(args, "pairs", None) or GENERATED_PAIRS}
    return {k: v for k, v in source.items() if v}


def _given_source(args) -> bool:
    return any(getattr(args, k, None) for k in ("data", "source_file", "target_file", "pairs"))


class Translator:
    """A trained model with its tokenizer and lengths: what predict, evaluate and export share."""

    def __init__(self, model, proto: bytes, record: dict):
        self.model, self.proto, self.record = model, proto, record
        self.source_length = int(record["source_length"])
        self.target_length = int(record["target_length"])
        self._functions = {}

    def translate(self, sampler_name="greedy", **options):
        """The in-graph translate ``tf.function`` for a sampler (built once per setting)."""
        from kerasdl.apps.translation import serving

        key = (sampler_name, tuple(sorted(options.items())))
        if key not in self._functions:
            self._functions[key] = serving.translate_fn(
                self.model,
                self.proto,
                source_length=self.source_length,
                target_length=self.target_length,
                sampler=serving.sampler_of(sampler_name, **options),
            )
        return self._functions[key]

    def check_lengths(self, texts):
        """Raises a one-line error for a sentence longer than the model reads."""
        from kerasdl.apps.translation.data import piece_ids
        from kerasdl.data.subword import tokenizer

        for number, ids in enumerate(piece_ids(tokenizer(self.proto), texts), start=1):
            if len(ids) > self.source_length:
                shown = texts[number - 1] if len(texts[number - 1]) <= 60 else texts[number - 1][:57] + "..."
                raise UserInputError(
                    f"sentence {number} is {len(ids)} subword pieces long; this model reads at most "
                    f"{self.source_length} (split it): {shown!r}"
                )


def decoding_of(args) -> tuple[str, dict]:
    """The sampler the flags ask for: ``("greedy", {})``, ``("beam", {"beam_width": n})`` or ``("top_k", {"top_k": k})``."""
    if getattr(args, "beam_width", None):
        return "beam", {"beam_width": args.beam_width}
    if getattr(args, "top_k", None):
        return "top_k", {"top_k": args.top_k}
    return "greedy", {}


def _describe_decoding(name, options) -> str:
    return {
        "greedy": "greedy",
        "beam": f"beam search, width {options.get('beam_width')}",
        "top_k": f"top-{options.get('top_k')} sampling (seed 0)",
    }[name]


def _load(args) -> Translator:
    """The trained model, its SentencePiece model and run record (beside the model file)."""
    from kerasdl.apps.translation import recipes  # noqa: F401  (registers the loss and metric)
    from kerasdl.apps.translation.data import TOKENIZER_FILE

    path = model_path(args)
    model = load_trained_model(path)
    names = {getattr(i, "name", "").split(":")[0] for i in model.inputs}
    if len(model.inputs) != 2 or len(model.output_shape) != 3:
        raise UserInputError(
            f"{path} is not a translation model (needs source and decoder token ids in, logits out); "
            f"inputs: {sorted(names)}"
        )
    record_path, proto_path = path.parent / RECORD_FILE, path.parent / TOKENIZER_FILE
    for needed in (record_path, proto_path):
        if not needed.is_file():
            raise UserInputError(
                f"{needed} is missing: a translation model needs its run record and SentencePiece model beside it"
            )
    return Translator(model, proto_path.read_bytes(), read_json(record_path))


# ---------------------------------------------------------------- commands


def train(args):
    """Splits the pairs, learns the tokenizer, trains the model; returns ``(FitResult, Translator)``."""
    import keras

    from kerasdl.apps.translation import data, recipes
    from kerasdl.data.images import check_writable_dir
    from kerasdl.data.sentence_pairs import split_pairs, write_split
    from kerasdl.data.subword import tokenizer
    from kerasdl.training import fit

    r = recipes.recipe(
        args.model,
        vocabulary_size=args.vocabulary_size,
        source_length=args.source_length,
        target_length=args.target_length,
        batch_size=args.batch_size,
    )
    if r.vocabulary_size < data.MIN_VOCABULARY:
        raise UserInputError(
            f"--vocabulary-size must be at least {data.MIN_VOCABULARY} (256 byte pieces and the "
            f"special ones); got {r.vocabulary_size}"
        )
    options = dict(args.model_args)
    source = _source(args)
    seed = args.split_seed if args.split_seed is not None else data.SPLIT_SEED
    pairs, description = data.load_pairs(source)  # bad data fails before any file is written
    split = split_pairs(pairs, seed=seed)
    if args.epochs is None:
        args.epochs = r.epochs
    if args.learning_rate is None:
        args.learning_rate = r.learning_rate
    config = TrainConfig.from_args(args)
    recipes.build_model(r, vocabulary_size=300, options=options)  # bad options fail early too
    keras.backend.clear_session()

    run_dir = check_writable_dir(args.run_dir)
    write_split(split, run_dir / data.SPLIT_FOLDER)
    print(
        f"Learning a SentencePiece vocabulary (up to {r.vocabulary_size:,} pieces) from {len(split['train']):,} "
        "training pairs ...",
        flush=True,
    )
    proto = data.learn_tokenizer(split["train"], vocabulary_size=r.vocabulary_size, seed=seed)
    with atomic_path(run_dir / data.TOKENIZER_FILE) as tmp:
        tmp.write_bytes(proto)
    tok = tokenizer(proto)
    vocabulary_size = int(tok.vocabulary_size())
    train_ids = data.tokenize_pairs(tok, split["train"], source_length=r.source_length, target_length=r.target_length)
    val_ids = data.tokenize_pairs(
        tok,
        data.fit_validation(split["validation"], seed=seed),
        source_length=r.source_length,
        target_length=r.target_length,
    )
    if not len(train_ids) or not len(val_ids):
        raise UserInputError(
            f"no training or validation pair fits {r.source_length} source / {r.target_length} target "
            "pieces; raise --source-length / --target-length"
        )
    if config.steps_per_epoch is None:
        config.steps_per_epoch = math.ceil(len(train_ids) / r.batch_size)
    if config.warmup_steps is None:  # the recipe's warm-up, at most a tenth of a short run
        config.warmup_steps = min(r.warmup_steps, config.epochs * config.steps_per_epoch // 10)
    record = {
        "model": args.model,
        "builder": r.builder,
        "model_options": {**r.options, **options},
        "vocabulary_size": vocabulary_size,
        "requested_vocabulary_size": r.vocabulary_size,
        "source_length": r.source_length,
        "target_length": r.target_length,
        "batch_size": r.batch_size,
        "label_smoothing": r.label_smoothing,
        "source": {k: str(v) for k, v in source.items()},
        "data": description,
        "split_seed": seed,
        "split": {name: len(pairs) for name, pairs in split.items()},
        "too_long_left_out": {"train": train_ids.dropped, "validation": val_ids.dropped},
    }
    write_json(record, run_dir / RECORD_FILE)
    print(
        f"Training {args.model} ({r.builder}) on {len(train_ids):,} pairs of {description} "
        f"({len(val_ids):,} validation scored per epoch, {len(split['test']):,} test; {train_ids.dropped} too long left out), "
        f"{vocabulary_size:,} pieces; {config.epochs} epochs x {config.steps_per_epoch} steps of {r.batch_size}"
        + (f", stopping after {config.time_limit:g} min" if config.time_limit else ""),
        flush=True,
    )
    result = fit(
        lambda: recipes.build_model(
            r, vocabulary_size=vocabulary_size, options=options, name=args.model.replace("-", "_")
        ),
        loss=recipes.MaskedCrossEntropy(label_smoothing=r.label_smoothing),
        metrics=[recipes.MaskedAccuracy()],
        train_data=data.dataset(train_ids, batch_size=r.batch_size, seed=config.seed),
        val_data=data.dataset(val_ids, batch_size=256),
        run_dir=run_dir,
        config=config,
    )
    history = result.history
    write_json(
        {
            **record,
            "train_config": dataclasses.asdict(config),
            "train_seconds": round(result.seconds, 1),
            "epochs_run": len(history.get("epoch", [])),
            "stopped_by_time_limit": result.stopped_by_time_limit,
            "best_val_loss": min(history.get("val_loss", [float("nan")])),
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
            "SentencePiece model": run_dir / data.TOKENIZER_FILE,
            "training log": run_dir / "training_log.csv",
            "learning curves": result.learning_curve,
            "split": run_dir / data.SPLIT_FOLDER,
            "record": run_dir / RECORD_FILE,
            "summary": run_dir / "train_summary.json",
        },
    )
    return result, Translator(result.model, proto, record)


def _test_pairs(args, translator) -> tuple[list, str]:
    from kerasdl.apps.translation import data
    from kerasdl.data.sentence_pairs import split_pairs

    if _given_source(args):
        source = _source(args)
        seed = args.split_seed if args.split_seed is not None else translator.record.get("split_seed", data.SPLIT_SEED)
        pairs, description = data.load_pairs(source)
        return split_pairs(pairs, seed=seed)["test"], f"the test split (seed {seed}) of {description}"
    run_dir = model_path(args).parent
    return data.read_run_split(run_dir)["test"], f"{run_dir / data.SPLIT_FOLDER / 'test.tsv'}"


def evaluate(args, translator=None):
    """BLEU and chrF on the test split, a sample table, attention heatmaps; writes JSON and TSV."""
    from kerasdl.apps.translation import evaluation, figures
    from kerasdl.data.subword import tokenizer
    from kerasdl.training.curves import plot_learning_curves

    if translator is None:
        translator = _load(args)
    run_dir = pathlib.Path(args.run_dir) if not getattr(args, "model_path", None) else model_path(args).parent
    output = pathlib.Path(getattr(args, "output", None) or run_dir / "evaluation.json")
    pairs, description = _test_pairs(args, translator)
    if args.max_sentences:
        keep = set(evaluation.sample(evaluation.references_by_source(pairs)[0], args.max_sentences))
        pairs = [p for p in pairs if p[0] in keep]
    name, options = decoding_of(args)
    translate = translator.translate(name, **options)
    print(
        f"Translating the {len({s for s, _ in pairs}):,} distinct sources of {description} ({_describe_decoding(name, options)}) ...",
        flush=True,
    )
    scores = evaluation.evaluate_pairs(translate, pairs)
    rows = scores.pop("_rows")
    samples_path = output.with_name(output.stem + "_translations.tsv")
    with atomic_path(samples_path) as tmp:
        tmp.write_text(
            "source\treference\toutput\n" + "".join(f"{r['source']}\t{r['reference']}\t{r['output']}\n" for r in rows),
            encoding="utf-8",
        )
    figure = output.with_name("attention.png")
    sentences = [r["source"] for r in scores["samples"][:ATTENTION_SENTENCES]]
    try:
        figures.attention_figure(
            translator.model,
            tokenizer(translator.proto),
            translate,
            sentences,
            figure,
            source_length=translator.source_length,
            title=f"{translator.record.get('model', translator.model.name)}: "
            + (
                "cross-attention of the last decoder layer (mean over heads)"
                if translator.record.get("builder") == "transformer_seq2seq"
                else "attention"
            ),
        )
    except ValueError as err:  # an RNN built without attention
        print(f"no attention figure: {err}")
        figure = None
    curves = plot_learning_curves(run_dir / "training_log.csv", run_dir / "learning_curves.png")
    report_data = {
        "model": translator.record.get("model"),
        "test_data": description,
        "decoding": {"sampler": name, **options},
        **scores,
    }
    write_json(report_data, output)
    print(evaluation.format_table(scores["samples"]))
    report(
        f"BLEU {scores['bleu']:.2f}, chrF {scores['chrf']:.2f}, exact match {scores['exact_match']:.4f} "
        f"on {scores['sources']:,} test sources",
        {
            "report": output,
            "all translations": samples_path,
            "attention": figure or "none",
            "learning curves": curves or "no training log",
        },
    )
    return report_data


def _read_inputs(args) -> list[str]:
    from kerasdl.data.text import decode_text

    texts = [t for t in args.texts if t != "-"]
    lines = []
    if args.file:
        path = pathlib.Path(args.file)
        if not path.is_file():
            raise UserInputError(f"{path}: no such file")
        lines += decode_text(path.read_bytes()).splitlines()
    if "-" in args.texts or (not args.texts and not args.file):
        if sys.stdin is None or sys.stdin.isatty():
            raise UserInputError("no sentences: pass them as arguments, with --file, or on stdin")
        lines += sys.stdin.read().splitlines()
    texts = [t.strip() for t in texts if t.strip()] + [line.strip() for line in lines if line.strip()]
    if not texts:
        raise UserInputError("no sentences to translate (the input is empty)")
    return texts


def predict(args, translator=None):
    """Translates sentences; prints one translation per line (source, tab, translation)."""
    from kerasdl.apps.translation.evaluation import translate_all

    texts = _read_inputs(args)
    if translator is None:
        translator = _load(args)
    translator.check_lengths(texts)
    name, options = decoding_of(args)
    outputs = translate_all(translator.translate(name, **options), texts)
    for text, out in zip(texts, outputs):
        print(f"{text}\t{out}")
    sys.stdout.flush()
    return outputs


def export(args, translator=None, metrics=None):
    """Exports to ``<export-dir>/translation/<version>/``: SavedModel (strings in and out), LiteRT, SentencePiece."""
    import numpy as np
    import tensorflow as tf

    from kerasdl.apps.translation import serving
    from kerasdl.apps.translation.data import TOKENIZER_FILE, piece_ids
    from kerasdl.data.subword import START_ID, tokenizer
    from kerasdl.export import Endpoint, export_model
    from kerasdl.export.saved_model import load_serving_signature

    if translator is None:
        translator = _load(args)
    run_dir = model_path(args).parent
    if metrics is None and (run_dir / "evaluation.json").is_file():
        metrics = {k: v for k, v in read_json(run_dir / "evaluation.json").items() if k not in ("samples",)}
    S, T = translator.source_length, translator.target_length
    name, options = decoding_of(args)
    translate = translator.translate(name, **options)
    generated = "generated" in translator.record.get("source", {})
    samples = EXPORT_SAMPLES["generated" if generated else "data"]
    texts = tf.constant(samples)
    endpoint = Endpoint(
        name="serving_default",
        fn=translate,
        input_signature=[tf.TensorSpec([None], tf.string, name=serving.TEXT_INPUT)],
        sample_inputs=[texts],
        compare="float",
    )  # strings: compared for exact equality
    ids_model = serving.token_ids_model(translator.model, source_length=S, target_length=T, translate=translate)
    # LiteRT sample: the sources and, as decoder input, the in-process translations (teacher forcing)
    tok = tokenizer(translator.proto)
    outputs = [t.decode("utf-8") for t in translate(texts)[serving.OUTPUT_KEY].numpy()]
    sample_ids = np.zeros((len(samples), S + T), np.float32)
    for i, (src, out) in enumerate(zip(piece_ids(tok, samples), piece_ids(tok, outputs))):
        src, dec = src[:S], np.concatenate([[START_ID], out])[:T]
        sample_ids[i, : len(src)] = src
        sample_ids[i, S : S + len(dec)] = dec
    result = export_model(
        ids_model,
        app=APP,
        root=args.export_dir,
        version=args.version if args.command == "export" else None,
        float_input_signature=tf.TensorSpec([None, S + T], tf.float32, name="token_ids"),
        sample_inputs=sample_ids,
        endpoints=[endpoint],
        tflite=args.tflite,
        atol=1e-3,
        metadata={
            "command": getattr(args, "command_line", None) or " ".join(sys.argv),
            "model": translator.record.get("model") or translator.model.name,
            "builder": translator.record.get("builder"),
            "decoding": {"sampler": name, **options},
            "tokenizer": {
                "kind": "sentencepiece",
                "file": TOKENIZER_FILE,
                "vocabulary_size": translator.record.get("vocabulary_size"),
                "pad_id": 0,
                "unknown_id": 1,
                "start_id": START_ID,
                "end_id": 3,
                "shared": True,
            },
            "source_length": S,
            "target_length": T,
            "parameters": translator.model.count_params(),
            "metrics": metrics,
            "usage": {
                "serving_default": f"text: [batch] UTF-8 strings -> translation: [batch] strings "
                f"({_describe_decoding(name, options)}; sources beyond {S} pieces are cut)",
                "serving_float": f"token_ids: [batch, {S + T}] float32 = source piece ids 0-padded to {S}, then the "
                f"decoder input [{START_ID}, pieces...] 0-padded to {T} -> output: [batch, {T}, "
                f"{translator.record.get('vocabulary_size')}] next-piece logits",
                "tflite": f"model.tflite: the same as serving_float; {TOKENIZER_FILE} beside it (SentencePiece: "
                "0 pad, 1 unknown, 2 start, 3 end). Decode: start with [2], append the best piece at the "
                "last filled position until 3",
            },
        },
    )
    with atomic_path(result.path / TOKENIZER_FILE) as tmp:
        tmp.write_bytes(translator.proto)
    parity = result.metadata["parity"]["max_abs_diff"]
    served = [t.decode("utf-8") for t in load_serving_signature(result.path)(texts)[serving.OUTPUT_KEY].numpy()]
    checks = {"saved_model_strings_equal_in_process": served == outputs}
    if args.tflite and name == "greedy":  # text -> Python SentencePiece -> LiteRT greedy loop against the SavedModel
        lite = serving.tflite_greedy(result.tflite_path, translator.proto, samples, source_length=S, target_length=T)
        checks["tflite_greedy_equal_saved_model"] = lite == served
    outputs_report = {
        "SavedModel": result.path,
        "LiteRT": result.tflite_path or "skipped",
        "SentencePiece model": result.path / TOKENIZER_FILE,
        "metadata": result.path / "metadata.json",
        "inspect": f"saved_model_cli show --dir {result.path} --all",
    }
    report(
        f"Exported version {result.version} (parity: logits max |diff| "
        + ", ".join(f"{k} {v:.1e}" for k, v in parity.items() if k != "serving_default")
        + "; "
        + ", ".join(f"{k} {v}" for k, v in checks.items())
        + ")",
        outputs_report,
    )
    report("Served translations", dict(zip(samples, served)))
    if not checks["saved_model_strings_equal_in_process"]:  # export_model checked it already; belt and braces
        from kerasdl.errors import ExportParityError

        shutil.rmtree(result.path, ignore_errors=True)
        raise ExportParityError(f"exported translations differ from the in-process ones: {served} != {outputs}")
    if not checks.get("tflite_greedy_equal_saved_model", True):  # logits agree to 1e-3; a near-tie can flip a piece
        print(f"warning: the LiteRT greedy loop gave {lite}, the SavedModel {served}", file=sys.stderr)
    return result


def run(args):
    """train, evaluate, export in one go: the end-to-end demo."""
    result, translator = train(args)
    args.output, args.max_sentences, args.model_path = None, None, None
    metrics = evaluate(args, translator=translator)
    metrics = {k: v for k, v in metrics.items() if k != "samples"}
    exported = export(args, translator=translator, metrics=metrics)
    run_dir = pathlib.Path(args.run_dir)
    report(
        f"Done: test BLEU {metrics['bleu']:.2f}, chrF {metrics['chrf']:.2f}, exact match {metrics['exact_match']:.4f}",
        {
            "model": result.checkpoint,
            "learning curves": result.learning_curve,
            "evaluation": run_dir / "evaluation.json",
            "attention": run_dir / "attention.png",
            "SavedModel": exported.path,
            "LiteRT": exported.tflite_path or "skipped",
        },
    )
    return 0


COMMANDS = {
    "train": (
        add_train_arguments,
        train,
        "train a translation model on sentence pairs (seeded split written to the run)",
    ),
    "evaluate": (add_evaluate_arguments, evaluate, "BLEU, chrF, sample table and attention heatmaps on the test split"),
    "predict": (add_predict_arguments, predict, "translate sentences from arguments, a file (one per line) or stdin"),
    "export": (
        add_export_arguments,
        export,
        "SavedModel taking and returning strings (TF Serving layout) + LiteRT on token ids",
    ),
    "run": (add_run_arguments, run, "train, evaluate and export in one go"),
}


def add_commands(subparsers):
    """Adds this app's sub-commands to an argparse sub-parser group."""
    common.add_commands(subparsers, COMMANDS)
