"""``Sentiment``: the sentiment of reviews measured against TF-IDF + logistic regression, as a Python object."""

from __future__ import annotations

import math

from kerasdl.apps.reports import Predictions, TrainReport
from kerasdl.apps.sentiment.presets import PRESET_RECIPE
from kerasdl.apps.sentiment.recipes import DEFAULT_RECIPE, ENSEMBLE, RECIPES, recipe
from kerasdl.apps.task import ServingSpec, Task, TrainingPlan, data_source
from kerasdl.errors import UserInputError

PRESET = "preset"  # the model name of a fine-tuned keras-hub preset
EXPORT_SAMPLES = [  # the texts the export checks its signatures and LiteRT file on
    "There is nothing to like in this movie.",
    "A wonderful film: the acting is superb and the story gripping!",
    "Not bad at all.",
    "",
]
PARITY_ATOL = 1e-4


def text_dataset(texts, labels, *, batch_size, shuffle_seed=None):
    """``tf.data`` of ``(text, label)`` batches; with ``shuffle_seed``, shuffled and endless (for training)."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((tf.constant(list(texts), tf.string), labels))
    if shuffle_seed is not None:
        ds = ds.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True).repeat()
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class Sentiment(Task):
    """Sentiment of reviews (NBSVM, CNN, LSTM, Transformer, keras-hub presets) vs TF-IDF + logistic regression.

    Every model takes raw strings: the tokenizer (word n-grams, words or WordPiece, its
    vocabulary learned from the training texts) is inside it, so the exported SavedModel
    reads text; its ``token ids -> probabilities`` part goes to LiteRT.

    Example:
        >>> sentiment = Sentiment()                                    # NBSVM on the embedded reviews
        >>> sentiment.train(epochs=1)                                  # doctest: +SKIP
        >>> sentiment.evaluate().headline                              # doctest: +SKIP
        >>> sentiment.predict(["A superb film!"])[0]["label"]          # doctest: +SKIP

    Args:
        model: ``"nbsvm"`` (default), ``"fasttext"``, ``"cnn"``, ``"lstm"``, ``"gru"``,
            ``"bilstm"``, ``"transformer"``, or ``"ensemble"`` (NBSVM and a CNN trained
            one after the other, combined by a logistic regression on the validation texts).
        preset: fine-tune a keras-hub text-classifier preset instead (a name such as
            ``"bert_tiny_en_uncased"``, downloaded on first use, or a local preset folder).
        tokenizer: sequence models: ``"words"`` (``TextVectorization``) or ``"wordpiece"``
            (learned from the training texts); bag models read ``"ngrams"``.
        max_tokens: the vocabulary size (default: the model's).
        sequence_length: tokens per text for sequence models (default 400).
        ngrams: bag models: word n-grams of 1 to this many words.
        model_options: builder options over the recipe's.
        pretrained: a run of :meth:`pretrain` (or of the ``embeddings`` app) whose word
            vectors start the token embedding of a word-sequence model (or of an ensemble's).
        run_dir: where training writes (default ``runs/sentiment``).

    Raises:
        UserInputError: an unknown model or tokenizer, a setting the model does not read, or
            any of them with ``preset`` (which brings its own tokenizer and architecture).
    """

    name = "sentiment"
    recipes = RECIPES
    default_model = DEFAULT_RECIPE
    bare_models = True  # the classes are read from the model's outputs
    fresh_verbs = ("pretrain",)  # writes a new (embeddings) run: the command line builds the task afresh

    def __init__(
        self,
        model=None,
        *,
        preset=None,
        tokenizer: str | None = None,
        max_tokens: int | None = None,
        sequence_length: int | None = None,
        ngrams: int | None = None,
        model_options=None,
        pretrained=None,
        run_dir=None,
    ):
        self.overrides = {
            "tokenizer": tokenizer,
            "max_tokens": max_tokens,
            "sequence_length": sequence_length,
            "ngrams": ngrams,
        }  # over the recipe's settings
        if preset is not None:
            given = {
                "--model": model,
                "--model-arg": model_options,
                "--pretrained": pretrained,
                **{"--" + k.replace("_", "-"): v for k, v in self.overrides.items()},
            }
            for flag, value in given.items():
                if value is not None and value != {}:
                    raise UserInputError(
                        f"{flag} does not apply to --preset (the preset brings its own tokenizer and architecture)"
                    )
        super().__init__(model, model_options=model_options, run_dir=run_dir)
        self.preset = None if preset is None else str(preset)
        if self.preset is None:
            self.recipe = recipe(self.model_name, **self.overrides).with_options(model_options)
        else:
            self.model_name, self.recipe = PRESET, PRESET_RECIPE
        self.pretrained = None if pretrained is None else str(pretrained)
        if self.pretrained is not None and self.recipe.settings.get("tokenizer") not in ("words", None):
            raise UserInputError(
                f"--pretrained starts a word embedding; --model {self.model_name} reads "
                f"{self.recipe.settings['tokenizer']} (use cnn, lstm, gru, bilstm, transformer or ensemble)"
            )
        self._wrapped = None  # (model, its string-in, probabilities-out view)

    def _init_arguments(self) -> dict:
        return {
            "model": None if self.preset else self.model_name,
            "model_options": self.model_options,
            "preset": self.preset,
            "pretrained": self.pretrained,
            **self.overrides,
        }

    @property
    def class_names(self) -> list[str]:
        """The classes, in the model's output order: the run's, or for a bare model neg/pos (two outputs) or numbers."""
        from kerasdl.data.text import CLASS_NAMES

        names = self.state.get("class_names")
        if names or self.model is None:
            return list(names or [])
        outputs = self._text_model().output_shape[-1]
        return list(CLASS_NAMES) if outputs == 2 else [str(i) for i in range(outputs)]

    def _text_model(self, model=None):
        """The model as the app uses it: raw strings in, probabilities out (a keras-hub task gets its wrapper)."""
        from kerasdl.apps.sentiment import presets

        model = self._require_model() if model is None else model
        if self._wrapped is None or self._wrapped[0] is not model:
            self._wrapped = (model, presets.text_model(model) if presets.is_task(model) else model)
        return self._wrapped[1]

    def _check_model(self, model, source) -> None:
        text_model = self._text_model(model)
        inputs = getattr(text_model, "inputs", None) or []
        if len(inputs) != 1 or inputs[0].dtype != "string" or len(text_model.output_shape) != 2:
            raise UserInputError(f"{source} is not a sentiment model (needs raw strings in, class probabilities out)")
        names, outputs = self.state.get("class_names"), text_model.output_shape[-1]
        if names and len(names) != outputs:
            raise UserInputError(f"the run's record names {len(names)} classes but {source} has {outputs} outputs")

    # ------------------------------------------------------------ data and model

    def _split(self, data, *, dataset, test_data, dataset_file, text_column, label_column, split_seed, recorded):
        """The seeded split of the source given, else of the run's (``recorded`` state), else of the embedded reviews.

        Returns:
            ``(split, source)``: the :class:`~kerasdl.data.text.TextSplit`, and the source
            arguments (kept in the run's state).
        """
        from kerasdl.data.text import SPLIT_SEED, load_split

        if data is not None and dataset is not None:
            raise UserInputError("give data (a folder or table of texts) or dataset (a named one), not both")
        given = {
            "data": data,
            "test_data": test_data,
            "dataset": dataset,
            "dataset_file": dataset_file,
            "text_column": text_column,
            "label_column": label_column,
        }
        source = data_source(given, recorded, default={"dataset": "reviews"})
        if source.get("dataset_file") and source.get("dataset") != "imdb":
            raise UserInputError("--dataset-file is only for --dataset imdb")
        seed = split_seed if split_seed is not None else recorded.get("split_seed", SPLIT_SEED)
        return load_split(**source, seed=seed), source

    def _prepare(self, split, *, verbose):
        """``(build_model, tokenizer)``: builds the untrained text model; the tokenizer's description (or None).

        Learns the tokenizer's vocabulary (and NBSVM's ratios) from the training split only, and
        builds the model once, so bad options fail before anything is written.
        """
        import keras

        from kerasdl.apps.sentiment import presets, pretraining, recipes

        classes = len(split.class_names)
        if self.preset is not None:
            presets.load_classifier(self.preset, classes=classes)
            keras.backend.clear_session()
            return (lambda: presets.load_classifier(self.preset, classes=classes)), None
        r, settings = self.recipe, self.recipe.settings
        if verbose:
            print(
                f"Learning the {settings['tokenizer']} vocabulary (up to {settings['max_tokens']:,} tokens) from "
                f"{len(split.train)} training texts ...",
                flush=True,
            )
        spec = recipes.learn_tokenizer(r, split.train.texts)
        vocabulary_size = len(spec["vocabulary"])
        token_weights = None
        if settings["naive_bayes"]:
            ratios = recipes.naive_bayes_ratios(
                recipes.make_tokenizer(spec),
                split.train.texts,
                split.train.y,
                classes=classes,
                vocabulary_size=vocabulary_size,
            )
            token_weights = ratios / recipes.NB_RATIO_SCALE
        tokenizer = {k: v for k, v in spec.items() if k != "vocabulary"} | {"vocabulary_size": vocabulary_size}
        start = None
        if self.pretrained is not None:
            start, found, r = self._pretrained_start(r, spec["vocabulary"])
            tokenizer["pretrained"] = {"run": self.pretrained, "tokens_with_vectors": found}
            if verbose:
                print(
                    f"{found:,} of {vocabulary_size:,} tokens start from the vectors of {self.pretrained}", flush=True
                )

        def build_core():
            core = recipes.build_core(r, vocabulary_size=vocabulary_size, classes=classes, token_weights=token_weights)
            if start is not None:
                pretraining.token_embedding(core).set_weights([start])
            return core

        build_core()
        keras.backend.clear_session()

        def build():
            return recipes.text_model(recipes.make_tokenizer(spec), build_core(), name=self.model_name)

        return build, tokenizer

    def _pretrained_start(self, r, vocabulary):
        """``(embedding matrix, tokens found, recipe)``: the pretrained vectors for ``vocabulary``, the recipe at their width."""
        import pathlib

        from kerasdl.apps.sentiment import pretraining

        if pathlib.Path(self.pretrained).resolve() == pathlib.Path(self.run_dir).resolve():
            raise UserInputError("--pretrained is the run folder itself: train into another --run-dir")
        words, vectors = pretraining.load_vectors(self.pretrained)
        width = int(vectors.shape[1])
        if self.model_options.get("embed_dim", width) != width:
            raise UserInputError(
                f"--pretrained vectors are {width}-wide, but --model-arg embed_dim={self.model_options['embed_dim']}"
            )
        start, found = pretraining.initial_embeddings(vocabulary, words, vectors)
        return start, found, r.with_options({"embed_dim": width})

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        dataset=None,
        test_data=None,
        dataset_file=None,
        text_column=None,
        label_column=None,
        split_seed: int | None = None,
        **training,
    ):
        """Trains on the training part of a seeded split, validation held out of it.

        Args:
            data: an aclImdb folder (``train/`` and ``test/``), a folder with ``neg/`` and
                ``pos/`` ``.txt`` files, or a CSV/TSV file (optionally ``.gz``) with text and
                label columns (labels 0/1, neg/pos or negative/positive).
            dataset: or a named dataset: ``"reviews"`` (the embedded set, the default) or
                ``"imdb"`` (``keras.datasets.imdb`` from Keras' cache).
            test_data: the test texts (folder or CSV/TSV), kept out of training; default:
                the source's test set, else 10% held out.
            dataset_file: for ``"imdb"``, an ``imdb.npz`` to read instead of Keras' cache
                (``imdb_word_index.json`` beside it).
            text_column: CSV/TSV: the text column's name or 0-based index (default: found by name).
            label_column: CSV/TSV: the label column's name or index.
            split_seed: the seed of the validation (and test) hold-out (default 0); the split
                is written to ``split.json``.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's
                (default: one pass over the training texts per epoch).

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        import keras

        from kerasdl.files import write_json

        given = {
            "data": data,
            "dataset": dataset,
            "test_data": test_data,
            "dataset_file": dataset_file,
            "text_column": text_column,
            "label_column": label_column,
            "split_seed": split_seed,
        }
        if self.model_name == ENSEMBLE:
            return self._train_ensemble(given, training)
        config = self.recipe.train_config(**training)
        config.validate()
        split, source = self._split(**given, recorded={})
        build_model, tokenizer = self._prepare(split, verbose=config.verbose)
        if config.steps_per_epoch is None:  # one pass over the training texts
            config.steps_per_epoch = math.ceil(len(split.train) / config.batch_size)
        counts = split.counts()
        state = {"class_names": split.class_names, "source": source, "split_seed": split.seed, "tokenizer": tokenizer}
        record = split.record()
        return self._fit(
            TrainingPlan(
                build_model=build_model,
                # keras-hub classifiers give logits; the app's models give probabilities
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=self.preset is not None),
                metrics=["accuracy"],
                train_data=text_dataset(
                    split.train.texts, split.train.y, batch_size=config.batch_size, shuffle_seed=config.seed
                ),
                val_data=text_dataset(split.val.texts, split.val.y, batch_size=256),
                config=config,
                description=(
                    f"Training {self.preset or self.model_name} on {counts['train']} texts ({counts['val']} "
                    f"validation, {counts['test']} test) of {split.source}; {config.epochs} epochs x "
                    f"{config.steps_per_epoch} steps of {config.batch_size}"
                ),
                state=state,
                summary={
                    **state,
                    "preset": self.preset,
                    "naive_bayes": bool(self.recipe.settings.get("naive_bayes")),
                    "batch_size": config.batch_size,
                    "counts": counts,
                },
                files={"split.json": lambda path: write_json(record, path)},
            )
        )

    def _train_ensemble(self, source: dict, training: dict):
        """Trains each member in ``<run_dir>/members/<name>`` on the same split, then fits their combination.

        Every member is an ordinary run of this app (evaluate or export it alone); the
        combination is a logistic regression on their log-odds for the validation texts,
        which none of them trained on.
        """
        import time

        import keras
        import numpy as np

        from kerasdl.apps.sentiment import ensemble
        from kerasdl.apps.sentiment.evaluation import predict_probabilities
        from kerasdl.apps.task import MODEL_FILE, SUMMARY_FILE, TASK_FILE
        from kerasdl.data.images import check_writable_dir
        from kerasdl.files import atomic_path, write_json

        if self.model_options:
            raise UserInputError("--model-arg does not apply to --model ensemble (its members keep their recipes)")
        self.recipe.train_config(**training).validate()
        split, recorded_source = self._split(**source, recorded={})  # bad data fails before anything trains
        run_dir = check_writable_dir(self.run_dir)
        start = time.perf_counter()
        seed = self.recipe.train_config(**training).seed
        members, summaries = [], {}
        for name, settings in self.recipe.settings["members"]:
            words = RECIPES[name].settings["tokenizer"] == "words"
            pretrained = self.pretrained if words else None
            # a recipe listed again trains from the next seed (its own start and shuffles) in <name>_<k>
            repeat = sum(member.model_name == name for member in members)
            folder = f"{name}_{repeat + 1}" if repeat else name
            member = Sentiment(name, pretrained=pretrained, run_dir=run_dir / "members" / folder, **settings)
            member.command, member.reporter = self.command, self.reporter
            report = member.train(**source, **{**training, "seed": seed + repeat})
            members.append(member)
            summaries[folder] = {
                "run_dir": str(member.run_dir),
                "parameters": report.parameters,
                "seconds": round(report.seconds, 1),
                "pretrained": member.pretrained,
            }
        val_probabilities = [predict_probabilities(m._text_model(), split.val.texts) for m in members]
        kernel, bias = ensemble.stacking_weights(val_probabilities, split.val.y, classes=len(split.class_names))
        # each member's model is already its best checkpoint, reloaded by the fit path
        texts = [ensemble.named(m._text_model(), folder) for m, folder in zip(members, summaries)]
        model = ensemble.ensemble_model(texts, kernel, bias, name=self.model_name)
        val_y = np.asarray(split.val.y)
        for name, p in zip(summaries, val_probabilities):
            summaries[name]["val_accuracy"] = round(float(np.mean(p.argmax(1) == val_y)), 5)
        combined = predict_probabilities(model, split.val.texts)
        with atomic_path(run_dir / MODEL_FILE, suffix=".keras") as path:
            model.save(path)
        seconds = time.perf_counter() - start
        self.model, self._wrapped, self._metrics = model, None, None
        self.state = {
            "class_names": split.class_names,
            "source": recorded_source,
            "split_seed": split.seed,
            "members": summaries,
        }
        write_json({"app": self.name, "init": self._init_arguments(), "state": self.state}, run_dir / TASK_FILE)
        summary = {
            "app": self.name,
            "model": self.model_name,
            "members": summaries,
            "stacking": {"kernel": kernel.tolist(), "bias": bias.tolist(), "C": ensemble.STACKING_C},
            # fitted on these texts: an optimistic estimate, unlike the members'
            "val_accuracy_in_sample": round(float(np.mean(combined.argmax(1) == val_y)), 5),
            "counts": split.counts(),
            "train_seconds": round(seconds, 1),
            "parameters": model.count_params(),
            "keras": keras.__version__,
        }
        write_json(summary, run_dir / SUMMARY_FILE)
        return self._announce(
            TrainReport(
                app=self.name,
                model=self.model_name,
                builder=self.recipe.builder,
                parameters=summary["parameters"],
                seconds=seconds,
                epochs_run=0,
                resumed=False,
                stopped_by_time_limit=False,
                jit_compile=False,
                train_config={},
                history={},
                files={
                    "best model": run_dir / MODEL_FILE,
                    **{f"member {name}": run_dir / "members" / name for name in summaries},
                    "record": run_dir / TASK_FILE,
                    "summary": run_dir / SUMMARY_FILE,
                },
            )
        )

    def pretrain(
        self,
        data=None,
        *,
        unlabelled=None,
        dataset=None,
        test_data=None,
        dataset_file=None,
        text_column=None,
        label_column=None,
        split_seed: int | None = None,
        embed_dim: int = 300,
        **training,
    ):
        """Learns word vectors (skip-gram) from unlabelled texts and the training texts, for ``--pretrained``.

        Writes an ``embeddings`` run into ``run_dir`` (``kerasdl embeddings evaluate`` and
        ``neighbours`` read it too). The labelled source is split as ``train`` splits it and
        only its training part joins the unlabelled texts: validation and test texts are
        never pretrained on.

        Args:
            data: the labelled source, as ``train`` takes it.
            unlabelled: texts without labels: a ``.txt`` file (one a line), a CSV/TSV
                (optionally ``.gz``) with a text column, or a folder of ``.txt`` files
                (IMDB's ``unsup.csv.gz``, aclImdb's ``train/unsup``).
            dataset: or a named labelled dataset (see ``train``).
            test_data: the labelled source's test texts (kept out, as in ``train``).
            dataset_file: for ``"imdb"``, an ``imdb.npz``.
            text_column: CSV/TSV: the text column of ``data`` and ``unlabelled``.
            label_column: CSV/TSV: the label column of ``data``.
            split_seed: the split's seed (default 0): train with the same one.
            embed_dim: the width of the vectors (on IMDB's validation reviews the ensemble's
                CNN read 0.908 from 300-wide vectors, 0.904 from the ``embeddings`` app's 100).
            **training: the ``embeddings`` app's training settings (default: 5 epochs, one
                pass over the corpus's word pairs each).

        Returns:
            The embeddings run's :class:`~kerasdl.apps.reports.TrainReport`.
        """
        from kerasdl.apps.embeddings import Embeddings
        from kerasdl.data.text.corpus import load_corpus

        split, _ = self._split(
            data,
            dataset=dataset,
            test_data=test_data,
            dataset_file=dataset_file,
            text_column=text_column,
            label_column=label_column,
            split_seed=split_seed,
            recorded={},
        )
        texts = list(split.train.texts)
        if unlabelled is not None:
            texts += load_corpus(unlabelled, text_column=text_column)
        embeddings = Embeddings(model_options={"embed_dim": embed_dim}, run_dir=self.run_dir)
        embeddings.command, embeddings.reporter = self.command, self.reporter
        return embeddings.train(texts, **training)

    def evaluate(
        self,
        data=None,
        *,
        dataset=None,
        test_data=None,
        dataset_file=None,
        text_column=None,
        label_column=None,
        split_seed: int | None = None,
        baseline: bool = True,
        output=None,
        figure=None,
    ):
        """Test accuracy, F1 and confusion matrix beside TF-IDF + logistic regression fitted on the same training texts.

        Args:
            data: a source (as ``train`` takes it) whose test part is scored; None (and no
                ``dataset``): what the run trained on.
            dataset: a named dataset instead (see ``train``).
            test_data: score these texts instead of the source's test part.
            dataset_file: for ``"imdb"``, an ``imdb.npz``.
            text_column: CSV/TSV: the text column.
            label_column: CSV/TSV: the label column.
            split_seed: the split's seed (default: the run's).
            baseline: also fit and score the baseline.
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the confusion matrix (default ``<run_dir>/confusion_matrix.png``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.labels import confusion_scores
        from kerasdl.apps.sentiment.evaluation import evaluate_split, format_summary

        model = self._text_model()
        split, _ = self._split(
            data,
            dataset=dataset,
            test_data=test_data,
            dataset_file=dataset_file,
            text_column=text_column,
            label_column=label_column,
            split_seed=split_seed,
            recorded=self.state,
        )
        names = self.class_names
        if model.output_shape[-1] != len(split.class_names) or names != split.class_names:
            raise UserInputError(f"the model predicts {names}, but {split.source} has classes {split.class_names}")
        name = self.preset or self.model_name
        metrics, details = evaluate_split(model, split, model_name=name, baseline=baseline)
        accuracy = metrics["model"]["accuracy"]
        headline = f"test accuracy {accuracy:.4f}"
        if baseline:
            headline += (
                f" vs baseline {metrics['baseline']['accuracy']:.4f} ({metrics['accuracy_gain_over_baseline']:+.4f})"
            )
        scores = confusion_scores(
            metrics,
            details,
            split.class_names,
            headline=headline,
            summary=format_summary(metrics),
            title=f"{name} on {split.source} (test accuracy {accuracy:.4f})",
        )
        return self._report(scores, output=output, figure=figure)

    def predict(self, inputs=None, *, file=None, output=None) -> Predictions:
        """Classifies texts.

        Args:
            inputs: a text or a list of texts; ``"-"`` among them, or no texts and no
                ``file``: lines read from standard input. Blank texts are skipped.
            file: also classify the lines of this text file (blank lines skipped).
            output: also write the predictions to this ``.csv`` or ``.json`` file.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions` of ``{"label", "probability"}``, its
            ``inputs`` the texts.

        Raises:
            UserInputError: no texts, a missing file, or ``output`` not ``.csv``/``.json``.
        """
        from kerasdl.apps.labels import label_results
        from kerasdl.apps.sentiment.evaluation import predict_probabilities
        from kerasdl.apps.tables import check_table_path, write_rows
        from kerasdl.data.text import read_texts

        model = self._text_model()
        check_table_path(output)
        texts = read_texts(inputs, file, what="texts to classify")
        names = self.class_names
        results = label_results(predict_probabilities(model, texts), names)
        if output is not None:
            write_rows([{"text": text, **r} for text, r in zip(texts, results)], output, extra={"class_names": names})
        return Predictions(results, inputs=texts)

    # ------------------------------------------------------------ export

    def _litert_quality(self):
        """Accuracy on the run's test texts (a seeded 2,000 at most); int8 calibrated on its training texts."""
        import numpy as np

        from kerasdl.apps.sentiment import serving
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, accuracy_quality

        model = self._text_model()
        split, _ = self._split(
            None,
            dataset=None,
            test_data=None,
            dataset_file=None,
            text_column=None,
            label_column=None,
            split_seed=None,
            recorded=self.state,
        )
        rng = np.random.default_rng(0)
        test = np.sort(rng.permutation(len(split.test))[:2000])
        train = rng.permutation(len(split.train))[:CALIBRATION_SAMPLES]

        def ids(texts, index, size):  # batches as evaluate makes them: ids padded to the longest text
            return [
                serving.tokenize(model, [texts[i] for i in index[j : j + size]]).numpy()
                for j in range(0, len(index), size)
            ]

        return accuracy_quality(
            ids(split.test.texts, test, 64),
            np.asarray(split.test.y)[test],
            ids(split.train.texts, train, 1),
            data=f"the test part of {split.source}",
        )

    def _serving(self) -> ServingSpec:
        import tensorflow as tf

        from kerasdl.apps.sentiment import serving
        from kerasdl.export import Endpoint

        model = self._text_model()
        names = self.class_names
        ids_model = serving.token_ids_model(model)
        length = ids_model.input_shape[1]
        sample_ids = serving.tokenize(model, EXPORT_SAMPLES)
        members = serving.ensemble_members(model)
        if members:  # each member's tokenizer and vocabulary file; their ids side by side
            tokenizer = {m.name: serving.tokenizer_record(m) for m in members}
            files = {serving.vocabulary_name(m.name): serving.vocabulary_file(serving.vocabulary(m)) for m in members}
            float_line = serving.ensemble_float_usage(tokenizer, width=length)
        else:
            vocabulary = serving.vocabulary(model)
            tokenizer = None
            if not serving.is_preset(model):
                tokenizer = self.state.get("tokenizer") or serving.tokenizer_record(model)
            files = {serving.VOCABULARY_FILE: serving.vocabulary_file(vocabulary)}
            float_line = serving.float_usage(
                tokenizer=tokenizer, preset=self.preset, length=length, vocabulary_size=len(vocabulary)
            )
        endpoint = Endpoint(
            name="serving_default",
            fn=serving.text_endpoint_fn(model, names),
            input_signature=[tf.TensorSpec([None], tf.string, name="text")],
            sample_inputs=[tf.constant(EXPORT_SAMPLES)],
            compare="float",
        )
        return ServingSpec(
            model=ids_model,
            float_input=tf.TensorSpec([None, length], tf.float32, name="token_ids"),
            sample_inputs=sample_ids,
            endpoints=[endpoint],
            metadata={"class_names": names, "tokenizer": tokenizer},
            usage={
                "serving_default": "text: [batch] UTF-8 strings (raw reviews) -> label: [batch] string, "
                f"probability: [batch] float32, probabilities: [batch, {len(names)}] float32",
                "serving_float": float_line,
                "tflite": f"model.tflite: the same as serving_float; {', '.join(files)} beside it, one token per line",
            },
            files=files,
            # text -> (the model's tokenizer) -> token ids -> LiteRT, against text -> SavedModel
            checks=serving.text_to_tflite_check(EXPORT_SAMPLES, sample_ids.numpy(), atol=PARITY_ATOL),
            atol=PARITY_ATOL,
        )

    @staticmethod
    def serving_inputs(inputs):
        from kerasdl.apps.served import text_inputs

        return text_inputs(inputs)

    @staticmethod
    def serving_outputs(outputs) -> list:
        from kerasdl.apps.labels import served_labels

        return served_labels(outputs)
