"""``TextGeneration``: a GPT trained on any text, scored by perplexity beside a Kneser-Ney n-gram model."""

from __future__ import annotations

import dataclasses
import math
import pathlib

from kerasdl.apps.reports import Predictions, Report
from kerasdl.apps.task import Scores, ServingSpec, Task, TrainingPlan, data_source
from kerasdl.apps.textgen.recipes import DEFAULT_RECIPE, RECIPES
from kerasdl.errors import UserInputError

DATASETS = ("reviews", "imdb")
QUALITY_DOCUMENTS = 50  # held-out documents the quantized LiteRT files are scored on (their first windows)
QUALITY_WINDOWS = 16
EXPORT_PROMPTS = ["the movie was", "i have never seen", "this is one of the best"]


@dataclasses.dataclass
class GenerationReport(Report):
    """What ``generate`` wrote: each prompt's text and the sampler that continued it.

    Attributes:
        app: the app's name.
        prompts: the prompts, as given.
        texts: the prompt (as the tokenizer reads it) and its continuation, one per prompt.
        sampler: the sampler in words.
        files: files written (none: the texts are the result).
    """

    app: str
    prompts: list
    texts: list
    sampler: str
    files: dict = dataclasses.field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Generated {len(self.texts)} text(s), {self.sampler}"

    @property
    def table(self) -> str:
        return "\n\n".join(self.texts)


def _positive(name: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UserInputError(f"{name} must be a positive integer; got {value!r}")


class TextGeneration(Task):
    """A GPT language model trained on any text: perplexity beside a Kneser-Ney 5-gram, generation, export.

    A WordPiece vocabulary (keras-hub's) is learned from the training documents and written
    into the run folder; documents become one token stream, each ended by ``[EOS]``. The
    evaluation reports the perplexity on held-out documents beside an interpolated Kneser-Ney
    5-gram model (NLTK) fitted in the same run on the same tokens. Generation (greedy, top-k,
    top-p or beam search, with keras-hub's samplers) is one in-graph ``tf.function`` from
    prompt strings to generated strings, which the exported SavedModel serves.

    Example:
        >>> writer = TextGeneration()                               # the default GPT recipe
        >>> writer.train(epochs=2)                                  # doctest: +SKIP  (the embedded reviews)
        >>> writer.evaluate().headline                              # doctest: +SKIP
        >>> writer.generate("the movie was", sampler="top_p").texts # doctest: +SKIP

    Args:
        model: ``"gpt"`` (default) or ``"keras-io"``.
        vocabulary_size: WordPiece pieces, reserved tokens included (default 5000).
        sequence_length: the context in pieces (default 128): the longest prompt and output.
        model_options: builder options over the recipe's (e.g. ``{"num_layers": 4}``).
        run_dir: where training writes (default ``runs/textgen``).
    """

    name = "textgen"
    recipes = RECIPES
    default_model = DEFAULT_RECIPE
    metrics_not_exported = ("samples",)

    def __init__(
        self,
        model=None,
        *,
        vocabulary_size: int | None = None,
        sequence_length: int | None = None,
        model_options=None,
        run_dir=None,
    ):
        _positive("vocabulary_size", vocabulary_size)
        _positive("sequence_length", sequence_length)
        super().__init__(model, model_options=model_options, run_dir=run_dir)
        self.recipe = self.recipe.with_settings(vocabulary_size=vocabulary_size, sequence_length=sequence_length)
        if self.recipe.settings["sequence_length"] < 2:
            raise UserInputError("sequence_length must be at least 2")
        self._vocabulary: list[str] | None = None
        self._tokenizer = None
        self._generators: dict = {}

    def _init_arguments(self) -> dict:
        settings = self.recipe.settings
        return {
            **super()._init_arguments(),
            "vocabulary_size": settings["vocabulary_size"],
            "sequence_length": settings["sequence_length"],
        }

    @property
    def sequence_length(self) -> int:
        """The model's context, in pieces."""
        return int(self.recipe.settings["sequence_length"])

    def _check_model(self, model, source) -> None:
        """Checks the model maps token ids to logits; reads the vocabulary beside it."""
        from kerasdl.apps.textgen.data import VOCABULARY_FILE

        if len(model.inputs) != 1 or len(model.output_shape) != 3:
            raise UserInputError(f"{source} is not a language model (needs token ids in, next-token logits out)")
        path = pathlib.Path(source).parent / VOCABULARY_FILE
        if not path.is_file():
            raise UserInputError(f"{path} is missing: a textgen model needs its vocabulary beside it")
        vocabulary = path.read_text(encoding="utf-8").split("\n")
        if vocabulary and vocabulary[-1] == "":
            vocabulary = vocabulary[:-1]
        if len(vocabulary) != model.output_shape[-1]:
            raise UserInputError(f"{path} has {len(vocabulary)} tokens but {source} predicts {model.output_shape[-1]}")
        self._set_vocabulary(vocabulary)

    def _set_vocabulary(self, vocabulary) -> None:
        self._vocabulary, self._tokenizer, self._generators = list(vocabulary), None, {}

    @property
    def vocabulary(self) -> list[str]:
        """The run's WordPiece vocabulary (line ``i`` of ``vocabulary.txt`` is id ``i``)."""
        if self._vocabulary is None:
            raise UserInputError("no vocabulary: train a model first, or load one with TextGeneration.from_run()")
        return list(self._vocabulary)

    @property
    def tokenizer(self):
        """The run's keras-hub ``WordPieceTokenizer``."""
        from kerasdl.apps.textgen.data import make_tokenizer

        if self._vocabulary is None:
            raise UserInputError("no vocabulary: train a model first, or load one with TextGeneration.from_run()")
        if self._tokenizer is None:
            self._tokenizer = make_tokenizer(self._vocabulary)
        return self._tokenizer

    # ------------------------------------------------------------ data

    def _corpus(self, data, *, dataset, test_data, text_column, split_seed, recorded):
        """The run's documents: ``(CorpusSplit, source, split seed)`` for the source named, else the run's recorded one."""
        from kerasdl.apps.textgen.data import SPLIT_SEED, split_documents
        from kerasdl.data.text.corpus import corpus_for, load_corpus

        given = {
            "data": None if data is None else str(data),
            "dataset": dataset,
            "test_data": None if test_data is None else str(test_data),
            "text_column": text_column,
        }
        source = data_source(given, recorded, default={"dataset": "reviews"})
        seed = split_seed if split_seed is not None else recorded.get("split_seed", SPLIT_SEED)
        test = None
        if source.get("test_data"):
            test = load_corpus(source["test_data"], text_column=source.get("text_column"))
        documents, own_test, _ = corpus_for(
            source.get("data"),
            dataset=source.get("dataset"),
            text_column=source.get("text_column"),
            with_test=test is None,
        )
        test = test if test is not None else own_test
        description = {
            "imdb": f"IMDB reviews in {source.get('data')} (unsup + train; test: test)",
            "reviews": "the embedded film reviews",
        }.get(source.get("dataset"), str(source.get("data")))
        return split_documents(documents, test=test, seed=seed, description=description), {**source}, seed

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        dataset: str | None = None,
        test_data=None,
        text_column=None,
        split_seed: int | None = None,
        **training,
    ):
        """Learns the WordPiece vocabulary from the training documents and trains the GPT on their token stream.

        Args:
            data: text: a ``.txt`` file (one document per non-blank line), a ``.csv``/``.tsv``
                table (optionally ``.gz``) with a text column, or a folder of ``.txt`` files
                (one document each); with ``dataset="imdb"``, the IMDB folder.
            dataset: ``"reviews"`` (the embedded film reviews, the default) or ``"imdb"``
                (its unlabelled and training reviews; its test reviews are scored).
            test_data: held-out text to score (as ``data``); default: the dataset's test
                texts, else a seeded tenth of the documents.
            text_column: a table's text column (name or 0-based index), when not found by name.
            split_seed: the seed of the document split (default 0).
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's
                (default: one pass over the training tokens per epoch); the recipe's warm-up
                is cut to a tenth of a short run unless ``warmup_steps`` is given.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        import keras

        from kerasdl.apps.textgen import data as text_data
        from kerasdl.files import atomic_path

        settings = self.recipe.settings
        if settings["vocabulary_size"] < len(text_data.RESERVED) + 2:
            raise UserInputError(f"vocabulary_size must be at least {len(text_data.RESERVED) + 2}")
        warmup = training.pop("warmup_steps", None)
        config = self.recipe.train_config(**training, warmup_steps=0 if warmup is None else warmup)
        config.validate()
        split, source, seed = self._corpus(
            data, dataset=dataset, test_data=test_data, text_column=text_column, split_seed=split_seed, recorded={}
        )
        L = self.sequence_length
        self._build(vocabulary_size=len(text_data.RESERVED) + 2)  # bad builder options fail before any file
        keras.backend.clear_session()
        if config.verbose:
            print(
                f"Learning a WordPiece vocabulary (up to {settings['vocabulary_size']:,} pieces) from "
                f"{min(len(split.train), text_data.VOCABULARY_DOCUMENTS):,} training documents ...",
                flush=True,
            )
        vocabulary = text_data.learn_vocabulary(split.train, vocabulary_size=settings["vocabulary_size"], seed=seed)
        self._set_vocabulary(vocabulary)
        train_ids = text_data.stream(text_data.encode(self.tokenizer, split.train))
        val_ids = text_data.stream(text_data.encode(self.tokenizer, split.val))
        if config.steps_per_epoch is None:  # one pass over the training tokens
            config.steps_per_epoch = max(1, math.ceil(len(train_ids) / (config.batch_size * L)))
        if warmup is None:  # the recipe's warm-up, at most a tenth of a short run
            config.warmup_steps = min(
                self.recipe.training.get("warmup_steps", 0), config.epochs * config.steps_per_epoch // 10
            )
        config.validate()
        V = len(vocabulary)
        state = {"source": source, "split_seed": seed, "vocabulary_size": V, "data": split.description}
        text = "\n".join(vocabulary) + "\n"

        def write_vocabulary(path):
            with atomic_path(path) as tmp:
                tmp.write_text(text, encoding="utf-8")

        return self._fit(
            TrainingPlan(
                build_model=lambda: self._build(vocabulary_size=V),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[],
                train_data=text_data.training_dataset(
                    train_ids, sequence_length=L, batch_size=config.batch_size, seed=config.seed
                ),
                val_data=text_data.scoring_dataset(val_ids, sequence_length=L),
                config=config,
                description=(
                    f"Training {self.model_name} ({self.recipe.builder}) on {len(train_ids):,} tokens of "
                    f"{split.description} ({len(split.train):,} documents; {len(val_ids):,} validation tokens), "
                    f"{V:,} pieces, context {L}; {config.epochs} epochs x {config.steps_per_epoch} steps of "
                    f"{config.batch_size}"
                ),
                state=state,
                summary={
                    **state,
                    "requested_vocabulary_size": settings["vocabulary_size"],
                    "sequence_length": L,
                    "documents": split.counts(),
                    "tokens": {"train": int(len(train_ids)), "val": int(len(val_ids))},
                    "batch_size": config.batch_size,
                },
                files={text_data.VOCABULARY_FILE: write_vocabulary},
            )
        )

    def _build(self, *, vocabulary_size: int):
        from kerasdl.registry import model_entry

        kwargs = {"sequence_length": self.sequence_length, **self.recipe.options}
        try:
            return model_entry(self.recipe.builder).builder(
                vocabulary_size=vocabulary_size, name=self.model_name.replace("-", "_"), **kwargs
            )
        except TypeError as err:
            raise UserInputError(f"--model-arg for {self.recipe.builder}: {err}") from None
        except ValueError as err:
            raise UserInputError(f"{self.recipe.builder}: {err}") from None

    def evaluate(
        self,
        data=None,
        *,
        dataset: str | None = None,
        test_data=None,
        text_column=None,
        split_seed: int | None = None,
        max_documents: int | None = None,
        baseline: bool = True,
        baseline_train_tokens: int | None = None,
        baseline_test_tokens: int | None = None,
        samples: int = 3,
        output=None,
    ):
        """Perplexity on held-out documents beside an interpolated Kneser-Ney 5-gram model (NLTK) on the same tokens.

        Args:
            data: a source (as ``train`` takes it) whose held-out documents are scored; None
                (and no ``dataset``): what the run trained on.
            dataset: a named dataset instead (see ``train``).
            test_data: score these texts instead.
            text_column: a table's text column.
            split_seed: the split's seed (default: the run's).
            max_documents: score a seeded sample of this many held-out documents (default: all).
            baseline: also fit and score the Kneser-Ney model.
            baseline_train_tokens: fit it on at most this many training tokens (default 200,000:
                NLTK's queries slow down with the model's size).
            baseline_test_tokens: score it (and the GPT beside it) on held-out documents of at
                most this many tokens in all (default 1,500).
            samples: greedy continuations of the first words of this many held-out documents.
            output: the JSON report (default ``<run_dir>/evaluation.json``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        import numpy as np

        from kerasdl.apps.textgen import data as text_data
        from kerasdl.apps.textgen import evaluation

        model = self._require_model()
        _positive("max_documents", max_documents)
        _positive("baseline_train_tokens", baseline_train_tokens)
        _positive("baseline_test_tokens", baseline_test_tokens)
        split, _, _ = self._corpus(
            data,
            dataset=dataset,
            test_data=test_data,
            text_column=text_column,
            split_seed=split_seed,
            recorded=self.state,
        )
        test = split.test
        if max_documents and max_documents < len(test):
            keep = np.sort(np.random.default_rng(0).permutation(len(test))[:max_documents])
            test = [test[i] for i in keep]
        L = self.sequence_length
        test_ids = text_data.encode(self.tokenizer, test)
        print(f"Scoring {len(test):,} held-out documents of {split.description} ...", flush=True)
        scored = evaluation.perplexity_of_documents(model, test_ids, sequence_length=L)
        metrics = {
            "model_name": self.model_name,
            "test_data": f"{len(test):,} held-out documents of {split.description}",
            "vocabulary_size": len(self._vocabulary),
            "sequence_length": L,
            "model": {k: scored[k] for k in ("perplexity", "tokens")},
        }
        headline = f"test perplexity {scored['perplexity']:.2f} on {scored['tokens']:,} tokens"
        if baseline:
            chosen = evaluation.sample_documents(
                test_ids, baseline_test_tokens or evaluation.BASELINE_TEST_TOKENS, seed=0
            )
            subset = [test_ids[i] for i in chosen]
            print(f"Fitting the Kneser-Ney {evaluation.BASELINE_ORDER}-gram baseline (NLTK) ...", flush=True)
            kn = evaluation.kneser_ney(
                evaluation.training_sample(
                    self.tokenizer, split.train, baseline_train_tokens or evaluation.BASELINE_TRAIN_TOKENS
                ),
                subset,
            )
            same = evaluation.perplexity_of_documents(model, subset, sequence_length=L)
            metrics["baseline"] = {k: v for k, v in kn.items() if k != "nll"}
            metrics["baseline"]["documents"] = len(subset)
            metrics["model_on_baseline_documents"] = {k: same[k] for k in ("perplexity", "tokens")}
            metrics["perplexity_ratio_to_baseline"] = same["perplexity"] / kn["perplexity"]
            headline += (
                f"; on the baseline's {same['tokens']:,} tokens {same['perplexity']:.2f} vs Kneser-Ney "
                f"{kn['perplexity']:.2f}"
            )
        if samples:
            generate = self._generator("greedy", {}, max_length=20, seed=None)
            prompts = [" ".join(t.split()[:4]) for t in test[:samples]]
            outputs = self._run(generate, prompts)
            metrics["samples"] = [{"prompt": p, "greedy": o} for p, o in zip(prompts, outputs)]
        table = evaluation.format_table(metrics)
        if metrics.get("samples"):
            table += "\n\n" + "\n".join(f"{s['prompt']!r} -> {s['greedy']}" for s in metrics["samples"])
        return self._report(Scores(metrics, headline, table), output=output)

    # ------------------------------------------------------------ generating

    def _generator(self, sampler: str, options: dict, *, max_length: int, seed):
        from kerasdl.apps.textgen.generating import generate_fn

        key = (sampler, tuple(sorted(options.items())), max_length, seed)
        if key not in self._generators:
            self._generators[key] = generate_fn(
                self._require_model(),
                self.tokenizer,
                sequence_length=self.sequence_length,
                max_length=max_length,
                sampler=sampler,
                options=options,
                seed=seed,
            )
        return self._generators[key]

    @staticmethod
    def _run(generate, prompts, batch_size: int = 16) -> list[str]:
        import tensorflow as tf

        from kerasdl.apps.textgen.generating import OUTPUT_KEY

        out = []
        for start in range(0, len(prompts), batch_size):
            result = generate(tf.constant(prompts[start : start + batch_size]))[OUTPUT_KEY].numpy()
            out += [t.decode("utf-8") for t in result]
        return out

    def _check_prompts(self, prompts) -> None:
        """A one-line error for a prompt that leaves no room in the context."""
        from kerasdl.apps.textgen.data import encode

        for number, ids in enumerate(encode(self.tokenizer, prompts), start=1):
            if len(ids) + 1 >= self.sequence_length:
                text = prompts[number - 1]
                shown = text if len(text) <= 60 else text[:57] + "..."
                raise UserInputError(
                    f"prompt {number} is {len(ids)} pieces long; this model's context is {self.sequence_length} "
                    f"(the end token and at least one new piece included), so at most "
                    f"{self.sequence_length - 2}: {shown!r}"
                )

    def generate(
        self,
        prompts=None,
        *,
        file=None,
        sampler: str = "greedy",
        top_k: int | None = None,
        top_p: float | None = None,
        beam_width: int | None = None,
        max_length: int = 40,
        seed: int | None = None,
    ) -> GenerationReport:
        """Continues prompts: greedy, top-k, top-p (nucleus) sampling or beam search.

        Args:
            prompts: a prompt or a list of them; ``"-"`` or none (and no ``file``): lines read
                from stdin.
            file: a text file with one prompt per line (blank lines skipped), after ``prompts``.
            sampler: ``"greedy"``, ``"top_k"``, ``"top_p"`` or ``"beam"``.
            top_k: top-k sampling: sample from the k most likely pieces (default 10).
            top_p: top-p sampling: from the smallest set of pieces holding this probability (default 0.9).
            beam_width: beam search: beams kept (default 4).
            max_length: the most new pieces per prompt (and at most the context).
            seed: the sampling seed (default: unseeded).

        Returns:
            A :class:`GenerationReport`: each prompt and its continuation.

        Raises:
            UserInputError: no prompt, a prompt longer than the context, or a bad sampler setting.
        """
        from kerasdl.apps.textgen.generating import decoding, describe
        from kerasdl.data.text import read_texts

        self._require_model()
        _positive("max_length", max_length)
        name, options = decoding(sampler, top_k=top_k, top_p=top_p, beam_width=beam_width)
        texts = read_texts(prompts, file, what="prompts", utf8_only=True)
        self._check_prompts(texts)
        outputs = self._run(self._generator(name, options, max_length=max_length, seed=seed), texts)
        return self._announce(
            GenerationReport(app=self.name, prompts=texts, texts=outputs, sampler=describe(name, options))
        )

    def predict(self, inputs=None, *, file=None, max_length: int = 40) -> Predictions:
        """Continues prompts greedily (``generate`` offers the other samplers).

        Args:
            inputs: a prompt or a list of them; ``"-"`` or none (and no ``file``): lines from stdin.
            file: a text file with one prompt per line, after ``inputs``.
            max_length: the most new pieces per prompt.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions` of generated texts; ``inputs``: the prompts.
        """
        from kerasdl.data.text import read_texts

        self._require_model()
        _positive("max_length", max_length)
        texts = read_texts(inputs, file, what="prompts", utf8_only=True)
        self._check_prompts(texts)
        return Predictions(
            self._run(self._generator("greedy", {}, max_length=max_length, seed=None), texts), inputs=texts
        )

    # ------------------------------------------------------------ export

    def _litert_quality(self):
        """Perplexity on up to 16 windows of the run's held-out text through the LiteRT file; int8 calibrated on training windows."""
        import numpy as np

        from kerasdl.apps.textgen import data as text_data
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        L = self.sequence_length
        split, _, _ = self._corpus(
            None, dataset=None, test_data=None, text_column=None, split_seed=None, recorded=self.state
        )
        test = split.test[:QUALITY_DOCUMENTS]
        inputs, targets, weights = text_data.scoring_windows(
            text_data.stream(text_data.encode(self.tokenizer, test)), L
        )
        inputs, targets, weights = inputs[:QUALITY_WINDOWS], targets[:QUALITY_WINDOWS], weights[:QUALITY_WINDOWS]
        train_ids = text_data.stream(text_data.encode(self.tokenizer, split.train[:CALIBRATION_SAMPLES]))
        calibration = text_data.scoring_windows(train_ids, L)[0][:CALIBRATION_SAMPLES].astype(np.float32)

        def score(predict) -> float:
            nll = 0.0
            for x, y, w in zip(inputs, targets, weights):
                logits = np.asarray(predict(x[None].astype(np.float32)), np.float64)[0]
                logits -= logits.max(-1, keepdims=True)
                log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
                nll -= float((np.take_along_axis(log_p, y[:, None], -1)[:, 0] * w).sum())
            return math.exp(nll / weights.sum())

        keras_perplexity = score(lambda x: self.model(x.astype(np.int32), training=False))
        return LiteRTQuality(
            metric="perplexity",
            data=f"{int(weights.sum())} tokens of the first {len(test)} held-out documents of {split.description}",
            score=score,
            representative=lambda: (calibration[i : i + 1] for i in range(len(calibration))),
            latency_input=inputs[:1].astype(np.float32),
            max_loss=round(0.05 * keras_perplexity, 4),
            unit="perplexity",
            higher_is_better=False,
        )

    def _serving(self, *, beam_width: int | None = None, max_length: int = 40) -> ServingSpec:
        """The SavedModel's ``serving_default``: prompt strings to generated strings (greedy, or beam search)."""
        import tensorflow as tf

        from kerasdl.apps.textgen import serving
        from kerasdl.apps.textgen.data import END, PAD, UNKNOWN, VOCABULARY_FILE, encode
        from kerasdl.apps.textgen.generating import OUTPUT_KEY, TEXT_INPUT, decoding, describe
        from kerasdl.export import Endpoint

        _positive("max_length", max_length)
        name, options = decoding("beam" if beam_width else "greedy", beam_width=beam_width)
        generate = self._generator(name, options, max_length=max_length, seed=None)
        L, V = self.sequence_length, len(self._vocabulary)
        prompts = tf.constant(EXPORT_PROMPTS)
        outputs = self._run(generate, EXPORT_PROMPTS)
        sample_ids = serving.token_id_rows(encode(self.tokenizer, outputs), sequence_length=L)

        def check(folder: pathlib.Path) -> dict:
            from kerasdl.errors import ExportParityError
            from kerasdl.export.saved_model import load_serving_signature

            served = [t.decode("utf-8") for t in load_serving_signature(folder)(prompts)[OUTPUT_KEY].numpy()]
            if served != outputs:
                raise ExportParityError(f"exported texts differ from the in-process ones: {served} != {outputs}")
            return {"saved_model_strings_equal_in_process": True}

        return ServingSpec(
            model=serving.token_ids_model(self.model, sequence_length=L, generate=generate),
            float_input=tf.TensorSpec([None, L], tf.float32, name="token_ids"),
            sample_inputs=sample_ids,
            endpoints=[
                Endpoint(
                    name="serving_default",
                    fn=generate,
                    input_signature=[tf.TensorSpec([None], tf.string, name=TEXT_INPUT)],
                    sample_inputs=[prompts],
                    compare="float",
                )
            ],
            metadata={
                "decoding": {"sampler": name, **options, "max_length": max_length},
                "tokenizer": {
                    "kind": "wordpiece",
                    "file": VOCABULARY_FILE,
                    "vocabulary_size": V,
                    "lowercase": True,
                    "strip_accents": True,
                    "pad": PAD,
                    "unknown": UNKNOWN,
                    "end": END,
                },
                "sequence_length": L,
            },
            usage={
                "serving_default": f"{TEXT_INPUT}: [batch] UTF-8 strings -> {OUTPUT_KEY}: [batch] strings, the prompt "
                f"(lower case, split into words) and up to {max_length} new pieces ({describe(name, options)})",
                "serving_float": f"token_ids: [batch, {L}] float32 = [{END}] then WordPiece ids, 0-padded -> "
                f"logits: [batch, {L}, {V}] (position t: the next piece after tokens 0..t)",
                "tflite": f"model.tflite: the same as serving_float; {VOCABULARY_FILE} beside it (one piece per line, "
                f"line i is id i; {END} ends a text and starts the next)",
            },
            files={VOCABULARY_FILE: "\n".join(self._vocabulary) + "\n"},
            checks=check,
            atol=1e-3,
        )

    @staticmethod
    def serving_inputs(inputs):
        from kerasdl.apps.served import text_inputs
        from kerasdl.apps.textgen.generating import TEXT_INPUT

        return text_inputs(inputs, name=TEXT_INPUT)

    @staticmethod
    def serving_outputs(outputs) -> list:
        from kerasdl.apps.textgen.generating import OUTPUT_KEY

        return [t.decode("utf-8") for t in outputs[OUTPUT_KEY].numpy()]


__all__ = ["DATASETS", "GenerationReport", "TextGeneration"]
