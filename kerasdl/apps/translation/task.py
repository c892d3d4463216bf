"""``Translation``: machine translation scored with sacreBLEU, exported as a SavedModel taking and returning strings."""

from __future__ import annotations

import math
import numbers
import pathlib
import sys

from kerasdl.apps.reports import Predictions
from kerasdl.apps.task import EVALUATION_FILE, Scores, ServingSpec, Task, TrainingPlan
from kerasdl.apps.translation.recipes import DEFAULT_RECIPE, RECIPES
from kerasdl.errors import UserInputError

ATTENTION_SENTENCES = 3
QUALITY_SOURCES = 100  # test sources the quantized LiteRT files are scored on (greedy BLEU)
EXPORT_SAMPLES = {
    "generated": ["i have twenty-one houses", "we bought one hundred books", "there is one tree here"],
    "data": ["I have two dogs.", "Where is the station?", "She bought a red car yesterday."],
}


def _positive(name: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
        raise UserInputError(f"{name} must be a positive integer; got {value!r}")


def decoding(*, beam_width: int | None = None, top_k: int | None = None) -> tuple[str, dict]:
    """The sampler asked for: ``("greedy", {})``, ``("beam", {"beam_width": n})`` or ``("top_k", {"top_k": k})``."""
    _positive("beam_width", beam_width)
    _positive("top_k", top_k)
    if beam_width and top_k:
        raise UserInputError("give beam_width (beam search) or top_k (sampling), not both")
    if beam_width:
        return "beam", {"beam_width": beam_width}
    if top_k:
        return "top_k", {"top_k": top_k}
    return "greedy", {}


def describe_decoding(name: str, options: dict) -> str:
    """A sampler in words, for progress lines and ``metadata.json``."""
    return {
        "greedy": "greedy",
        "beam": f"beam search, width {options.get('beam_width')}",
        "top_k": f"top-{options.get('top_k')} sampling (seed 0)",
    }[name]


def named_pairs(data=None, source=None, target=None, pairs=None) -> dict | None:
    """The sentence pairs the arguments name, as :func:`~kerasdl.apps.translation.data.load_pairs` takes them.

    Returns:
        ``{"data"}``, ``{"source_file", "target_file"}`` or ``{"generated": pairs}`` (values as
        strings, as the run records them); None when nothing is named.
    """
    if bool(source) != bool(target):
        raise UserInputError("--source and --target go together: two files aligned line by line")
    _positive("pairs", pairs)
    given = [what for what, value in (("data", data), ("source and target", source), ("pairs", pairs)) if value]
    if len(given) > 1:
        raise UserInputError(f"give data, source and target, or pairs: one of them; got {' and '.join(given)}")
    if pairs:
        return {"generated": str(pairs)}
    named = {"data": data, "source_file": source, "target_file": target}
    return {k: str(v) for k, v in named.items() if v} or None


def _write_bytes(content: bytes):
    def write(path):
        from kerasdl.files import atomic_path

        with atomic_path(path) as tmp:
            tmp.write_bytes(content)

    return write


def _write_translations(rows, path) -> None:
    from kerasdl.files import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(
            "source\treference\toutput\n" + "".join(f"{r['source']}\t{r['reference']}\t{r['output']}\n" for r in rows),
            encoding="utf-8",
        )


class Translation(Task):
    """Machine translation (Transformer, RNN with attention) scored with BLEU and chrF; string-in, string-out export.

    One SentencePiece vocabulary is learned for both languages from the training part of a
    seeded split (grouped by source sentence, written into the run folder, so ``evaluate``
    scores pairs training never saw). Translating (greedy, beam search or top-k sampling) is
    one in-graph ``tf.function`` from strings to strings: ``predict``, ``evaluate`` and the
    exported SavedModel's ``serving_default`` run the same one.

    Example:
        >>> translator = Translation()                        # the default Transformer recipe
        >>> translator.train(pairs=30000, epochs=4)           # doctest: +SKIP  (the generated corpus)
        >>> translator.evaluate().headline                    # doctest: +SKIP
        >>> translator.predict(["i have two books"])[0]       # doctest: +SKIP
        >>> translator.export("saved_models")                 # doctest: +SKIP

    Args:
        model: ``"transformer"`` (default), ``"keras-io"`` or ``"rnn"``.
        vocabulary_size: SentencePiece pieces shared by both languages (default: the recipe's, 8000).
        source_length: longest source in pieces (default 40): longer training pairs are left
            out, longer sentences to translate are an error.
        target_length: longest output in pieces, the start piece included (default 40).
        model_options: builder options over the recipe's (e.g. ``{"num_heads": 4}``).
        run_dir: where training writes (default ``runs/translation``).
    """

    name = "translation"
    aliases = ("translate",)
    recipes = RECIPES
    default_model = DEFAULT_RECIPE
    metrics_not_exported = ("samples",)

    def __init__(
        self,
        model=None,
        *,
        vocabulary_size: int | None = None,
        source_length: int | None = None,
        target_length: int | None = None,
        model_options=None,
        run_dir=None,
    ):
        for name, value in (
            ("vocabulary_size", vocabulary_size),
            ("source_length", source_length),
            ("target_length", target_length),
        ):
            _positive(name, value)
        super().__init__(model, model_options=model_options, run_dir=run_dir)
        self.recipe = self.recipe.with_settings(
            vocabulary_size=vocabulary_size, source_length=source_length, target_length=target_length
        )
        self._proto: bytes | None = None  # the SentencePiece model
        self._files_dir: pathlib.Path | None = None  # where the model's split and tokenizer are
        self._translators: dict = {}
        self._export_warnings: list[str] = []

    def _init_arguments(self) -> dict:
        settings = self.recipe.settings
        return {
            **super()._init_arguments(),
            "vocabulary_size": settings["vocabulary_size"],
            "source_length": settings["source_length"],
            "target_length": settings["target_length"],
        }

    def _check_model(self, model, source) -> None:
        """Checks the model reads two id sequences and gives logits; reads the SentencePiece model beside it."""
        from kerasdl.apps.translation.data import TOKENIZER_FILE

        if len(model.inputs) != 2 or len(model.output_shape) != 3:
            names = sorted(getattr(i, "name", "").split(":")[0] for i in model.inputs)
            raise UserInputError(
                f"{source} is not a translation model (needs source and decoder token ids in, logits "
                f"out); inputs: {names}"
            )
        folder = pathlib.Path(source).parent
        if not (folder / TOKENIZER_FILE).is_file():
            raise UserInputError(
                f"{folder / TOKENIZER_FILE} is missing: a translation model needs its SentencePiece model beside it"
            )
        self._proto, self._files_dir, self._translators = (folder / TOKENIZER_FILE).read_bytes(), folder, {}

    @property
    def source_length(self) -> int:
        """The longest source the model reads, in pieces."""
        return int(self.recipe.settings["source_length"])

    @property
    def target_length(self) -> int:
        """The longest decoder input, in pieces, the start piece included."""
        return int(self.recipe.settings["target_length"])

    # ------------------------------------------------------------ translating

    def _translate(self, sampler: str = "greedy", options: dict | None = None):
        """The in-graph translate ``tf.function`` for a sampler (built once per setting)."""
        from kerasdl.apps.translation import serving

        options = dict(options or {})
        key = (sampler, tuple(sorted(options.items())))
        if key not in self._translators:
            self._translators[key] = serving.translate_fn(
                self._require_model(),
                self._proto,
                source_length=self.source_length,
                target_length=self.target_length,
                sampler=serving.sampler_of(sampler, **options),
            )
        return self._translators[key]

    def _check_lengths(self, texts) -> None:
        """Raises a one-line error for a sentence longer than the model reads."""
        from kerasdl.apps.translation.data import piece_ids
        from kerasdl.data.subword import tokenizer

        for number, ids in enumerate(piece_ids(tokenizer(self._proto), texts), start=1):
            if len(ids) > self.source_length:
                text = texts[number - 1]
                shown = text if len(text) <= 60 else text[:57] + "..."
                raise UserInputError(
                    f"sentence {number} is {len(ids)} subword pieces long; this model reads at most "
                    f"{self.source_length} (split it): {shown!r}"
                )

    def _test_pairs(self, data, source, target, pairs, split_seed) -> tuple[list, str]:
        """The pairs ``evaluate`` scores: the seeded test split of the data named, else the run's own."""
        from kerasdl.apps.translation import data as corpus
        from kerasdl.data.sentence_pairs import split_pairs

        named = named_pairs(data, source, target, pairs)
        if named is None:
            folder = self._files_dir or self.run_dir
            return corpus.read_run_split(folder)["test"], f"{folder / corpus.SPLIT_FOLDER / 'test.tsv'}"
        seed = split_seed if split_seed is not None else self.state.get("split_seed", corpus.SPLIT_SEED)
        found, description = corpus.load_pairs(named)
        return split_pairs(found, seed=seed)["test"], f"the test split (seed {seed}) of {description}"

    def _attention_figure(self, translate, sentences, path):
        """The attention heatmaps of a few sentences; False (and a note) for a model without attention."""
        from kerasdl.apps.translation import figures
        from kerasdl.data.subword import tokenizer

        what = (
            "cross-attention of the last decoder layer (mean over heads)"
            if self.recipe.builder == "transformer_seq2seq"
            else "attention"
        )
        try:
            figures.attention_figure(
                self.model,
                tokenizer(self._proto),
                translate,
                sentences,
                path,
                source_length=self.source_length,
                target_length=self.target_length,
                title=f"{self.model_name}: {what}",
            )
        except ValueError as err:  # an RNN built without attention
            print(f"no attention figure: {err}")
            return False
        return path

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        source=None,
        target=None,
        pairs: int | None = None,
        split_seed: int | None = None,
        **training,
    ):
        """Splits the sentence pairs, learns the SentencePiece vocabulary, trains the model.

        The split (``split/``) and the tokenizer (``sentencepiece.model``) are written into the
        run folder; pairs longer than the model reads are left out (and counted).

        Args:
            data: a tab-separated file, source TAB target per line (the Anki/Tatoeba
                ``spa.txt`` layout; extra columns ignored).
            source: or a file of source sentences, one per line, with ``target``.
            target: their translations, line by line.
            pairs: or, with no files, this many pairs of the generated English-Spanish
                corpus (the default: 30,000).
            split_seed: the seed of the train/validation/test split (default 0).
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's; the
                recipe's warm-up is cut to a tenth of a short run unless ``warmup_steps`` is given.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        import keras

        from kerasdl.apps.translation import data as corpus
        from kerasdl.apps.translation.recipes import build_model
        from kerasdl.data.sentence_pairs import split_pairs, write_split
        from kerasdl.data.subword import tokenizer
        from kerasdl.losses import MaskedCrossEntropy
        from kerasdl.metrics import MaskedAccuracy

        r, settings = self.recipe, self.recipe.settings
        if settings["vocabulary_size"] < corpus.MIN_VOCABULARY:
            raise UserInputError(
                f"--vocabulary-size must be at least {corpus.MIN_VOCABULARY} (256 byte pieces and the "
                f"special ones); got {settings['vocabulary_size']}"
            )
        warmup = training.pop("warmup_steps", None)
        config = r.train_config(**training, warmup_steps=0 if warmup is None else warmup)
        config.validate()
        source_files = named_pairs(data, source, target, pairs) or {"generated": str(corpus.GENERATED_PAIRS)}
        seed = split_seed if split_seed is not None else corpus.SPLIT_SEED
        found, description = corpus.load_pairs(source_files)  # bad data fails before any file is written
        split = split_pairs(found, seed=seed)
        build_model(r, vocabulary_size=corpus.MIN_VOCABULARY)  # bad options fail early too
        keras.backend.clear_session()
        if config.verbose:
            print(
                f"Learning a SentencePiece vocabulary (up to {settings['vocabulary_size']:,} pieces) from "
                f"{len(split['train']):,} training pairs ...",
                flush=True,
            )
        proto = corpus.learn_tokenizer(split["train"], vocabulary_size=settings["vocabulary_size"], seed=seed)
        tok = tokenizer(proto)
        vocabulary_size = int(tok.vocabulary_size())
        lengths = {"source_length": self.source_length, "target_length": self.target_length}
        train_ids = corpus.tokenize_pairs(tok, split["train"], **lengths)
        val_ids = corpus.tokenize_pairs(tok, corpus.fit_validation(split["validation"], seed=seed), **lengths)
        if not len(train_ids) or not len(val_ids):
            raise UserInputError(
                f"no training or validation pair fits {self.source_length} source / "
                f"{self.target_length} target pieces; raise --source-length / --target-length"
            )
        if config.steps_per_epoch is None:  # one pass over the training pairs
            config.steps_per_epoch = math.ceil(len(train_ids) / config.batch_size)
        if warmup is None:  # the recipe's warm-up, at most a tenth of a short run
            config.warmup_steps = min(r.training.get("warmup_steps", 0), config.epochs * config.steps_per_epoch // 10)
        config.validate()
        state = {"vocabulary_size": vocabulary_size, "source": source_files, "data": description, "split_seed": seed}
        summary = {
            **state,
            "requested_vocabulary_size": settings["vocabulary_size"],
            **lengths,
            "batch_size": config.batch_size,
            "label_smoothing": settings["label_smoothing"],
            "split": {name: len(part) for name, part in split.items()},
            "too_long_left_out": {"train": train_ids.dropped, "validation": val_ids.dropped},
        }
        model_name = self.model_name.replace("-", "_")
        report = self._fit(
            TrainingPlan(
                build_model=lambda: build_model(r, vocabulary_size=vocabulary_size, name=model_name),
                loss=MaskedCrossEntropy(label_smoothing=settings["label_smoothing"]),
                metrics=[MaskedAccuracy()],
                train_data=corpus.dataset(train_ids, batch_size=config.batch_size, seed=config.seed),
                val_data=corpus.dataset(val_ids, batch_size=256),
                config=config,
                description=(
                    f"Training {self.model_name} ({r.builder}) on {len(train_ids):,} pairs of {description} "
                    f"({len(val_ids):,} validation scored per epoch, {len(split['test']):,} test; "
                    f"{train_ids.dropped} too long left out), {vocabulary_size:,} pieces; {config.epochs} epochs "
                    f"x {config.steps_per_epoch} steps of {config.batch_size}"
                    + (f", stopping after {config.time_limit:g} min" if config.time_limit else "")
                ),
                state=state,
                summary=summary,
                files={
                    corpus.SPLIT_FOLDER: lambda path: write_split(split, path),
                    corpus.TOKENIZER_FILE: _write_bytes(proto),
                },
            )
        )
        self._proto, self._files_dir, self._translators = proto, self.run_dir, {}
        return report

    def evaluate(
        self,
        data=None,
        *,
        source=None,
        target=None,
        pairs: int | None = None,
        split_seed: int | None = None,
        beam_width: int | None = None,
        top_k: int | None = None,
        max_sentences: int | None = None,
        output=None,
    ):
        """Corpus BLEU and chrF (sacreBLEU) and exact matches on the test split; a sample table; attention heatmaps.

        Every distinct test source is translated once and scored against all of its
        references. All translations go to ``<report>_translations.tsv`` beside the report,
        the heatmaps to ``attention.png``.

        Args:
            data: pairs (as ``train`` takes them) whose seeded test split is scored; None (and
                no ``source``/``pairs``): the split the run wrote.
            source: or a source file, with ``target``.
            target: the translations of ``source``, line by line.
            pairs: or this many pairs of the generated corpus.
            split_seed: the split's seed (default: the run's).
            beam_width: decode with beam search of this width (default: greedy).
            top_k: or sample each piece from the k most likely (seeded).
            max_sentences: score only a seeded sample of this many test sources.
            output: the JSON report (default ``<run_dir>/evaluation.json``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.translation import evaluation

        self._require_model()
        sampler, options = decoding(beam_width=beam_width, top_k=top_k)
        _positive("max_sentences", max_sentences)
        test, description = self._test_pairs(data, source, target, pairs, split_seed)
        if max_sentences:
            keep = set(evaluation.sample(evaluation.references_by_source(test)[0], max_sentences))
            test = [p for p in test if p[0] in keep]
        translate = self._translate(sampler, options)
        print(
            f"Translating the {len({s for s, _ in test}):,} distinct sources of {description} "
            f"({describe_decoding(sampler, options)}) ...",
            flush=True,
        )
        scores = evaluation.evaluate_pairs(translate, test)
        rows = scores.pop("_rows")
        metrics = {
            "model": self.model_name,
            "test_data": description,
            "decoding": {"sampler": sampler, **options},
            **scores,
        }
        line = (
            f"BLEU {scores['bleu']:.2f}, chrF {scores['chrf']:.2f}, exact match {scores['exact_match']:.4f} "
            f"on {scores['sources']:,} test sources"
        )
        report = pathlib.Path(output) if output else self.run_dir / EVALUATION_FILE
        sentences = [r["source"] for r in scores["samples"][:ATTENTION_SENTENCES]]
        return self._report(
            Scores(
                metrics,
                f"test {line}",
                evaluation.format_table(scores["samples"]) + f"\n\n{line}",
                figures={
                    "all translations": (
                        f"{report.stem}_translations.tsv",
                        lambda path: _write_translations(rows, path),
                    ),
                    "attention": ("attention.png", lambda path: self._attention_figure(translate, sentences, path)),
                },
            ),
            output=output,
        )

    def predict(
        self, inputs=None, *, file=None, beam_width: int | None = None, top_k: int | None = None
    ) -> Predictions:
        """Translates sentences.

        Args:
            inputs: a sentence or a list of them; ``"-"`` or none (and no ``file``): lines
                read from stdin.
            file: a text file with one sentence per line (blank lines skipped), after ``inputs``.
            beam_width: decode with beam search of this width (default: greedy).
            top_k: or sample each piece from the k most likely (seeded).

        Returns:
            :class:`~kerasdl.apps.reports.Predictions` of translations (strings); ``inputs``:
            the sentences.

        Raises:
            UserInputError: no sentences, or one longer than the model reads.
        """
        from kerasdl.apps.translation.evaluation import translate_all
        from kerasdl.data.text import read_texts

        self._require_model()
        sampler, options = decoding(beam_width=beam_width, top_k=top_k)
        texts = read_texts(inputs, file, what="sentences to translate", utf8_only=True)  # as train reads pairs
        self._check_lengths(texts)
        return Predictions(translate_all(self._translate(sampler, options), texts), inputs=texts)

    def export(
        self,
        export_dir="saved_models",
        *,
        version: int | None = None,
        tflite: bool = True,
        beam_width: int | None = None,
        quantize=None,
        integer_io: bool = False,
        max_loss: float | None = None,
    ):
        """Exports to ``<export_dir>/translation/<version>/``: strings in and out, LiteRT on token ids, SentencePiece.

        ``serving_default`` takes a ``[batch]`` string tensor ``text`` and returns
        ``translation``; tokenizing, decoding and detokenizing run in the graph. It must give
        exactly the in-process strings. ``model.tflite`` is the forward pass on token ids,
        with ``sentencepiece.model`` beside it; its greedy loop is checked against the
        SavedModel (a disagreement, a near-tie flipped, is a warning).

        Args:
            export_dir: the TF Serving model base folder.
            version: the version number; default: one more than the largest there.
            tflite: also write and check ``model.tflite``.
            beam_width: the signature decodes with beam search of this width (default:
                greedy; sampling is not exported: its strings could not be checked).
            quantize: quantized LiteRT files beside the float one: ``dynamic``, ``float16``,
                ``int8`` (a list, or comma-separated); each is measured (size, batch-1 latency,
                the app's metric on its evaluation data) into ``metadata.json``. Here the metric
                is the greedy loop's BLEU on up to 100 test sources. The int8 file still takes
                float ids and casts them to integers first (``CAST`` in its ``float_ops``).
            integer_io: int8 input and output for the int8 file (microcontrollers); refused here:
                the token ids (up to the vocabulary's size) do not fit in int8.
            max_loss: refuse the export when a quantized variant loses more of the app's metric
                than this (default: 1 BLEU point).

        Returns:
            The :class:`~kerasdl.export.ExportResult` (path, version, metadata).
        """
        if integer_io:
            raise UserInputError(
                "--integer-io would quantize model.tflite's input, the token ids, to int8: ids above 127 "
                "cannot be represented; export the int8 file with float input and output"
            )
        self._export_warnings = []
        result = super().export(
            export_dir,
            version=version,
            tflite=tflite,
            beam_width=beam_width,
            quantize=quantize,
            integer_io=integer_io,
            max_loss=max_loss,
        )
        for warning in self._export_warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return result

    # ------------------------------------------------------------ export

    def _litert_quality(self):
        """Greedy BLEU of up to 100 test sources (seeded) through the LiteRT file; int8 calibrated on training pairs."""
        from kerasdl.apps.translation import data as corpus
        from kerasdl.apps.translation import evaluation, serving
        from kerasdl.data.subword import tokenizer
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        S, T, proto = self.source_length, self.target_length, self._proto
        test, description = self._test_pairs(None, None, None, None, None)
        sources, references = evaluation.references_by_source(test)
        keep = evaluation.sample(range(len(sources)), QUALITY_SOURCES)  # as evaluate --max-sentences picks them
        texts, references = [sources[i] for i in keep], [references[i] for i in keep]
        # calibration: training pairs teacher forced, as the model trained (the decoder reads [start, pieces])
        train = evaluation.sample(corpus.read_run_split(self._files_dir or self.run_dir)["train"], CALIBRATION_SAMPLES)
        pairs = corpus.tokenize_pairs(tokenizer(proto), train, source_length=S, target_length=T)
        rows = serving.token_id_rows(pairs.sources, [t[:-1] for t in pairs.targets], source_length=S, target_length=T)

        def score(predict):
            hypotheses = serving.greedy_translate(predict, proto, texts, source_length=S, target_length=T)
            return evaluation.corpus_scores(hypotheses, references)["bleu"]

        return LiteRTQuality(
            metric="bleu",
            data=f"{len(texts)} of the {len(sources)} distinct test sources of {description} (seed 0), greedy",
            score=score,
            representative=lambda: (rows[i : i + 1] for i in range(len(rows))),
            latency_input=rows[:1],
            max_loss=1.0,
        )

    def _serving(self, *, beam_width: int | None = None) -> ServingSpec:
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.translation import serving
        from kerasdl.apps.translation.data import TOKENIZER_FILE, piece_ids
        from kerasdl.data.subword import END_ID, PAD_ID, START_ID, UNKNOWN_ID, tokenizer
        from kerasdl.export import Endpoint

        S, T, proto = self.source_length, self.target_length, self._proto
        sampler, options = decoding(beam_width=beam_width)
        translate = self._translate(sampler, options)
        samples = EXPORT_SAMPLES["generated" if "generated" in self.state.get("source", {}) else "data"]
        texts = tf.constant(samples)
        outputs = [t.decode("utf-8") for t in translate(texts)[serving.OUTPUT_KEY].numpy()]
        # LiteRT sample: the sources and, as decoder input, the in-process translations (teacher forcing)
        sources, pieces = (piece_ids(tokenizer(proto), t) for t in (samples, outputs))
        decoder_inputs = [np.concatenate([[START_ID], p]) for p in pieces]
        sample_ids = serving.token_id_rows(sources, decoder_inputs, source_length=S, target_length=T)

        def check(folder: pathlib.Path) -> dict:
            """The exported strings against the in-process ones; the LiteRT greedy loop against the SavedModel."""
            from kerasdl.errors import ExportParityError
            from kerasdl.export.saved_model import load_serving_signature

            served = [t.decode("utf-8") for t in load_serving_signature(folder)(texts)[serving.OUTPUT_KEY].numpy()]
            if served != outputs:
                raise ExportParityError(f"exported translations differ from the in-process ones: {served} != {outputs}")
            checks = {"saved_model_strings_equal_in_process": True}
            if sampler == "greedy" and (folder / "model.tflite").is_file():
                lite = serving.tflite_greedy(folder / "model.tflite", proto, samples, source_length=S, target_length=T)
                checks["tflite_greedy_equal_saved_model"] = lite == served
                if lite != served:  # logits agree to 1e-3; a near-tie can flip a piece
                    self._export_warnings.append(f"the LiteRT greedy loop gave {lite}, the SavedModel {served}")
            return checks

        vocabulary = self.state.get("vocabulary_size")
        return ServingSpec(
            model=serving.token_ids_model(self.model, source_length=S, target_length=T, translate=translate),
            float_input=tf.TensorSpec([None, S + T], tf.float32, name="token_ids"),
            sample_inputs=sample_ids,
            endpoints=[
                Endpoint(
                    name="serving_default",
                    fn=translate,
                    input_signature=[tf.TensorSpec([None], tf.string, name=serving.TEXT_INPUT)],
                    sample_inputs=[texts],
                    compare="float",
                )
            ],  # strings: compared for exact equality
            metadata={
                "decoding": {"sampler": sampler, **options},
                "tokenizer": {
                    "kind": "sentencepiece",
                    "file": TOKENIZER_FILE,
                    "vocabulary_size": vocabulary,
                    "pad_id": PAD_ID,
                    "unknown_id": UNKNOWN_ID,
                    "start_id": START_ID,
                    "end_id": END_ID,
                    "shared": True,
                },
                "source_length": S,
                "target_length": T,
            },
            usage={
                "serving_default": f"text: [batch] UTF-8 strings -> translation: [batch] strings "
                f"({describe_decoding(sampler, options)}; sources beyond {S} pieces are cut)",
                "serving_float": f"token_ids: [batch, {S + T}] float32 = source piece ids 0-padded to {S}, then the "
                f"decoder input [{START_ID}, pieces...] 0-padded to {T} -> output: [batch, {T}, "
                f"{vocabulary}] next-piece logits",
                "tflite": f"model.tflite: the same as serving_float; {TOKENIZER_FILE} beside it (SentencePiece: "
                f"{PAD_ID} pad, {UNKNOWN_ID} unknown, {START_ID} start, {END_ID} end). Decode: start with "
                f"[{START_ID}], append the best piece at the last filled position until {END_ID}",
            },
            files={TOKENIZER_FILE: proto},
            checks=check,
            atol=1e-3,
        )

    @staticmethod
    def serving_inputs(inputs):
        from kerasdl.apps.served import text_inputs
        from kerasdl.apps.translation.serving import TEXT_INPUT

        return text_inputs(inputs, name=TEXT_INPUT)

    @staticmethod
    def serving_outputs(outputs) -> list:
        from kerasdl.apps.translation.serving import OUTPUT_KEY

        return [t.decode("utf-8") for t in outputs[OUTPUT_KEY].numpy()]
