"""``Embeddings``: word vectors learned by skip-gram, scored beside PPMI + SVD, as a Python object."""

from __future__ import annotations

import dataclasses
import math

from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions, Report
from kerasdl.apps.task import Scores, ServingSpec, Task, TrainingPlan
from kerasdl.errors import UserInputError

DATASETS = ("reviews", "imdb")
# Measured on the IMDB texts (2 CPU cores): XLA runs the skip-gram step 3-5 times faster than
# without it; the data is handed over a chunk at a time (see skipgram_dataset) and the compiled
# step runs 32 steps a call. Plain SGD keeps the updates sparse, as word2vec's are, and the model's
# step writes only the rows a batch looked up (SkipGram), so small batches cost no more per pair:
# one IMDB epoch (t = 3e-4, 0.05 a pair, AVX2) took 188 s in batches of 4,096, 139 s in 1,024 and
# 137 s in 512, and read WordSim353 0.184, SimLex 0.169, analogies 5.7% against 0.331, 0.252,
# 13.0% and 0.380, 0.266, 13.1% (more, smaller steps from the same pairs). Each row takes the mean
# of its gradients in a batch (mean_updates): at equal steps on IMDB (2 epochs, per-pair rate 0.1,
# batches of 4,096) it read WordSim353 0.549, SimLex 0.303, analogies 15.6% against the summed
# gradients' 0.524, 0.274, 12.8%.
RECIPES = {
    "skipgram": Recipe(
        "skipgram",
        options={"embed_dim": 100, "negatives": 5, "mean_updates": True},
        training={
            "epochs": 5,
            "steps_per_epoch": None,
            "learning_rate": 0.025,
            "batch_size": 1024,
            "steps_per_execution": 32,
            "jit_compile": True,
        },
        settings={"window": 5, "min_count": 5, "sample": 1e-4, "max_vocabulary": None},
        summary="skip-gram with negative sampling (Mikolov et al. 2013), SGD with linear decay (the default)",
    ),
}
DEFAULT_RECIPE = "skipgram"
VALIDATION_BATCHES = 8
FINAL_RATE = 1e-4  # the learning rate decays linearly to this fraction of its start, as word2vec's does
PROBE_WORDS = ("good", "bad", "movie", "actor", "funny", "boring", "music", "story", "great", "director")
MAP_WORDS = (
    "good", "great", "excellent", "wonderful", "bad", "awful", "terrible", "boring",
    "movie", "film", "actor", "actress", "director", "script", "plot", "story",
    "music", "song", "funny", "comedy", "horror", "scary", "man", "woman", "king", "queen",
)  # fmt: skip
EXPORT_SAMPLES = 4  # words the export checks its signatures on


@dataclasses.dataclass
class NeighboursReport(Report):
    """The nearest words of each query word by cosine similarity.

    Attributes:
        app: the app's name.
        neighbours: ``{word: [[neighbour, cosine], ...]}``, most similar first.
        table: the human-readable table.
        files: nothing is written: ``{}``.
    """

    app: str
    neighbours: dict
    table: str
    files: dict = dataclasses.field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.app}: nearest words of {', '.join(self.neighbours)}"


def sgd_with_linear_decay(*, learning_rate: float, batch_size: int, steps: int):
    """word2vec's optimizer: SGD from ``learning_rate`` per pair, decayed linearly to 1e-4 of it.

    The loss is the mean over a batch, so the per-pair rate is multiplied by the batch size.
    Plain SGD updates only the embedding rows a batch touches.
    """
    import keras

    start = learning_rate * batch_size

    def make(_schedule):
        decay = keras.optimizers.schedules.PolynomialDecay(start, max(1, steps), start * FINAL_RATE)
        return keras.optimizers.SGD(decay)

    return make


class Embeddings(Task):
    """Word vectors from any text (skip-gram with negative sampling), scored beside PPMI + SVD.

    Each is scored on word similarity (WordSim353, SimLex-999: Spearman correlation with
    people's judgements) and on Google's analogy questions (``king - man + woman = queen``,
    accuracy), the files gensim ships, with gensim's evaluators. The export is a SavedModel
    from words to vectors, plus the vectors as word2vec's text format (gensim reads it) and
    TensorBoard projector's ``vectors.tsv`` and ``metadata.tsv``.

    Example:
        >>> embeddings = Embeddings()                                   # the embedded reviews by default
        >>> embeddings.train(epochs=1)                                  # doctest: +SKIP
        >>> embeddings.neighbours(["good"]).neighbours["good"][:3]      # doctest: +SKIP

    Args:
        model: ``"skipgram"`` (the default).
        window: the largest window radius (each target's is drawn from 1 to this; default 5).
        min_count: keep the words seen at least this often (default 5).
        sample: the subsampling threshold ``t`` of frequent words (default 1e-4; 0: keep every word).
        max_vocabulary: keep at most this many words, the most frequent (default: every word seen ``min_count`` times).
        model_options: builder options over the recipe's (``embed_dim``, ``negatives``).
        run_dir: where training writes (default ``runs/embeddings``).
    """

    name = "embeddings"
    recipes = RECIPES
    default_model = DEFAULT_RECIPE

    def __init__(
        self,
        model=None,
        *,
        window: int | None = None,
        min_count: int | None = None,
        sample: float | None = None,
        max_vocabulary: int | None = None,
        model_options=None,
        run_dir=None,
    ):
        super().__init__(model, model_options=model_options, run_dir=run_dir)
        self.overrides = {"window": window, "min_count": min_count, "sample": sample, "max_vocabulary": max_vocabulary}
        for key in ("window", "min_count"):
            value = self.overrides[key]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise UserInputError(f"{key} must be a positive integer; got {value!r}")
        if sample is not None and not 0 <= sample < 1:
            raise UserInputError(f"sample must be in [0, 1); got {sample!r}")
        self.recipe = self.recipe.with_settings(**self.overrides)
        self._vocabulary = None

    def _init_arguments(self) -> dict:
        return {"model": self.model_name, "model_options": self.model_options, **self.overrides}

    def _check_model(self, model, source) -> None:
        from kerasdl.models.language.skipgram import WORD_EMBEDDING

        try:
            table = model.get_layer(WORD_EMBEDDING)
        except ValueError:
            raise UserInputError(f"{source} is not a word-vector model (no {WORD_EMBEDDING} layer)") from None
        words = (self.state.get("vocabulary") or {}).get("words")
        if words is not None and len(words) != table.input_dim:
            raise UserInputError(f"the run's vocabulary has {len(words)} words but {source} has {table.input_dim}")

    # ------------------------------------------------------------ data

    @staticmethod
    def _documents(data, *, dataset, text_column):
        """``(documents, source)``: the corpus's texts and how to read them again."""
        from kerasdl.data.text.corpus import corpus_for

        documents, _, source = corpus_for(data, dataset=dataset, text_column=text_column)
        return documents, source

    @staticmethod
    def _tokens(documents):
        from kerasdl.data.text.corpus import words

        return [words(text) for text in documents]

    @property
    def vocabulary(self):
        """The run's :class:`~kerasdl.data.text.skipgrams.Vocabulary`."""
        from kerasdl.data.text.skipgrams import Vocabulary

        record = self.state.get("vocabulary")
        if record is None:
            raise UserInputError("no vocabulary: train first, or load a run with Embeddings.from_run()")
        if self._vocabulary is None or len(self._vocabulary) != len(record["words"]):
            self._vocabulary = Vocabulary.from_json(record)
        return self._vocabulary

    @property
    def words(self) -> list[str]:
        """The vocabulary, most frequent first: row ``i`` of :meth:`vectors` is ``words[i]``'s."""
        return list(self.vocabulary.words)

    def vectors(self):
        """The word vectors ``(words, embed_dim)`` (the skip-gram's word table), float32 numpy."""
        # The word table alone, as word2vec and gensim give. Adding the context table (GloVe's
        # vectors; Levy et al. 2015) was measured on IMDB, 5 epochs at 0.05 per pair: WordSim353
        # 0.551, SimLex 0.310, analogies 26.7% against the word table's 0.572, 0.318, 28.3%.
        import numpy as np

        from kerasdl.models.language.skipgram import WORD_EMBEDDING

        return np.asarray(self._require_model().get_layer(WORD_EMBEDDING).embeddings.numpy(), dtype=np.float32)

    def keyed_vectors(self):
        """The vectors as gensim ``KeyedVectors`` (``most_similar``, ``evaluate_word_pairs``...)."""
        from kerasdl.apps.embeddings.evaluation import keyed_vectors

        return keyed_vectors(self.words, self.vectors())

    # ------------------------------------------------------------ verbs

    def train(self, data=None, *, dataset=None, text_column=None, **training):
        """Learns word vectors from a corpus: its vocabulary, then skip-gram with negative sampling.

        Args:
            data: text files: a ``.txt`` file (one document a line), a CSV/TSV (optionally
                ``.gz``) with a text column, a folder of ``.txt`` files; with ``dataset="imdb"``,
                the folder of IMDB's reviews (``unsup.csv.gz`` and ``train.csv.gz``, or aclImdb's).
            dataset: ``"reviews"`` (the embedded film reviews, the default) or ``"imdb"`` (its
                unlabelled and training reviews, never its test reviews).
            text_column: CSV/TSV: the text column's name or 0-based index (default: found by name).
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's
                (default: 5 epochs, one pass over the corpus's pairs each; the learning rate is
                word2vec's per pair, 0.025).

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.

        Raises:
            UserInputError: an empty or missing corpus, or one with too few words.
        """
        import keras

        from kerasdl.data.text.skipgrams import SkipGrams, build_vocabulary, encode_corpus, skipgram_dataset
        from kerasdl.models.language.skipgram import negative_sampling_loss
        from kerasdl.registry import get_model

        config = self.recipe.train_config(**training)
        if config.steps_per_epoch is not None and "steps_per_execution" not in training:
            # the recipe's steps per call, cut to one that divides the steps asked for
            config.steps_per_execution = math.gcd(config.steps_per_epoch, config.steps_per_execution)
        config.validate()
        settings, options = self.recipe.settings, self.recipe.options
        documents, source = self._documents(data, dataset=dataset, text_column=text_column)
        tokens = self._tokens(documents)
        vocabulary = build_vocabulary(tokens, min_count=settings["min_count"], max_size=settings["max_vocabulary"])
        ids, offsets = encode_corpus(tokens, vocabulary)
        del tokens

        def examples(seed):
            return SkipGrams(
                ids,
                offsets,
                vocabulary,
                window=settings["window"],
                negatives=options.get("negatives", 5),
                sample=settings["sample"],
                seed=seed,
            )

        skipgrams = examples(config.seed)
        pairs = skipgrams.expected_pairs()
        if pairs < 1:
            raise UserInputError("the corpus makes no word pairs (every document is a single word)")
        if config.steps_per_epoch is None:  # one pass over the corpus's pairs, in whole calls of the step
            calls = max(1, math.ceil(pairs / (config.batch_size * config.steps_per_execution)))
            config.steps_per_epoch = calls * config.steps_per_execution

        def build():
            return get_model(self.recipe.builder, vocabulary_size=len(vocabulary), **options)

        build()  # bad builder options fail here, before the run folder is written
        keras.backend.clear_session()
        self._vocabulary = vocabulary
        described = source.get("dataset") or source.get("data") or "the texts given"
        state = {
            "vocabulary": vocabulary.to_json(),
            "source": source,
            "settings": dict(settings),
        }
        summary = {
            "corpus": {"documents": len(documents), "tokens": int(vocabulary.total), "in_vocabulary": int(len(ids))},
            "vocabulary_size": len(vocabulary),
            "pairs_per_epoch": round(pairs),
            "settings": dict(settings),
            "source": source,
        }
        report = self._fit(
            TrainingPlan(
                build_model=build,
                loss=negative_sampling_loss,
                metrics=[],
                train_data=skipgram_dataset(skipgrams, config.batch_size),
                val_data=skipgram_dataset(examples(config.seed + 1), config.batch_size, batches=VALIDATION_BATCHES),
                config=config,
                description=(
                    f"Training {self.model_name} on {len(documents):,} documents of {described} "
                    f"({vocabulary.total:,} tokens, {len(vocabulary):,} words seen at least "
                    f"{settings['min_count']} times; about {pairs:,.0f} pairs an epoch); {config.epochs} epochs x "
                    f"{config.steps_per_epoch} steps of {config.batch_size}"
                ),
                state=state,
                summary=summary,
                optimizer=sgd_with_linear_decay(
                    learning_rate=config.learning_rate,
                    batch_size=config.batch_size,
                    steps=config.epochs * config.steps_per_epoch,
                ),
                monitor=None,
            )
        )
        losses = report.history.get("loss", [])
        start = (1 + options.get("negatives", 5)) * math.log(2)  # the loss of the initial model (contexts at zero)
        if losses and not losses[-1] < 2 * start:  # above twice the start, or nan
            raise UserInputError(
                f"training diverged (loss {losses[-1]:.3g}): a frequent word's rows took too large steps; lower "
                f"--learning-rate (now {config.learning_rate}) or --batch-size (now {config.batch_size})"
            )
        return report

    def evaluate(
        self,
        data=None,
        *,
        dataset=None,
        text_column=None,
        baseline: bool = True,
        analogies: bool = True,
        map_words=None,
        output=None,
        figure=None,
    ):
        """Word similarity (WordSim353, SimLex-999) and analogies, beside PPMI + SVD vectors of the same corpus.

        Args:
            data: the corpus the baseline is fitted on (as ``train`` takes it); None (and no
                ``dataset``): the run's.
            dataset: a named corpus instead (see ``train``).
            text_column: CSV/TSV: the text column.
            baseline: also fit and score the PPMI + SVD baseline.
            analogies: also answer Google's 19,544 analogy questions (the slow part).
            map_words: the words drawn on the 2-D map (default: common film words in the vocabulary).
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the 2-D map of words (default ``<run_dir>/word_map.png``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.embeddings import figures
        from kerasdl.apps.embeddings.evaluation import keyed_vectors, scores_table, word_vector_scores

        vectors, words = self.vectors(), self.words
        ours = word_vector_scores(keyed_vectors(words, vectors), analogies=analogies)
        metrics = {"model": self.model_name, "vocabulary_size": len(words), "scores": ours}
        rows = {self.model_name: ours}
        if baseline:
            from kerasdl.apps.embeddings.baselines import BASELINE, ppmi_svd_vectors
            from kerasdl.data.text.skipgrams import encode_corpus

            documents, source = self._baseline_corpus(data, dataset=dataset, text_column=text_column)
            ids, offsets = encode_corpus(self._tokens(documents), self.vocabulary)
            base = ppmi_svd_vectors(ids, offsets, vocabulary_size=len(words), dim=vectors.shape[1])
            theirs = word_vector_scores(keyed_vectors(words[: len(base)], base), analogies=analogies)
            metrics["baseline"] = {"name": BASELINE, "words": len(base), "scores": theirs}
            rows[BASELINE] = theirs
        metrics["neighbours"] = self._neighbours([w for w in PROBE_WORDS if w in self.vocabulary.index][:5], 5)
        chosen = self._map_words(map_words)
        headline = _headline(ours, metrics.get("baseline", {}).get("scores"))
        return self._report(
            Scores(
                metrics=metrics,
                headline=headline,
                table=scores_table(rows),
                figures={
                    "word map": (
                        "word_map.png",
                        lambda path: figures.word_map(
                            chosen, vectors[[self.vocabulary.index[w] for w in chosen]], path, title=self.model_name
                        ),
                    )
                },
            ),
            output=output,
            figure=figure,
        )

    def _baseline_corpus(self, data, *, dataset, text_column):
        if data is None and dataset is None:
            recorded = self.state.get("source") or {"dataset": "reviews"}
            if "texts" in recorded:
                raise UserInputError(
                    "the run trained on texts given in memory: pass them again (data=...) to fit the baseline, "
                    "or baseline=False"
                )
            data, dataset = recorded.get("data"), recorded.get("dataset")
            text_column = recorded.get("text_column") if text_column is None else text_column
            if dataset == "reviews":
                data = None
        return self._documents(data, dataset=dataset, text_column=text_column)

    def _map_words(self, map_words) -> list[str]:
        index = self.vocabulary.index
        if map_words:
            unknown = [w for w in map_words if w.lower() not in index]
            if unknown:
                raise UserInputError(f"not in the vocabulary: {', '.join(unknown)}")
            return [w.lower() for w in map_words]
        chosen = [w for w in MAP_WORDS if w in index]
        return chosen if len(chosen) >= 3 else self.words[: min(30, len(self.words))]

    def _known(self, words) -> list[str]:
        """The words, lower-cased; an unknown one is a one-line error."""
        index = self.vocabulary.index
        words = [str(w).strip().lower() for w in ([words] if isinstance(words, str) else words)]
        words = [w for w in words if w]
        if not words:
            raise UserInputError("no words given")
        unknown = [w for w in words if w not in index]
        if unknown:
            raise UserInputError(
                f"not in the vocabulary ({len(index):,} words seen at least "
                f"{self.recipe.settings['min_count']} times): {', '.join(unknown)}"
            )
        return words

    def _neighbours(self, words, count) -> dict:
        import numpy as np

        vectors = self.vectors()
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        index, names = self.vocabulary.index, self.words
        found = {}
        for word in words:
            similarity = unit @ unit[index[word]]
            similarity[index[word]] = -np.inf
            best = np.argsort(-similarity)[:count]
            found[word] = [[names[i], round(float(similarity[i]), 4)] for i in best]
        return found

    def neighbours(self, words, *, count: int = 10) -> NeighboursReport:
        """The nearest words of each word by cosine similarity of their vectors.

        Args:
            words: a word or a list of them (case is ignored).
            count: neighbours per word.

        Returns:
            A :class:`NeighboursReport`.

        Raises:
            UserInputError: a word outside the vocabulary.
        """
        self._require_model()
        words = self._known(words)
        found = self._neighbours(words, count)
        lines = []
        for word, near in found.items():
            lines.append(f"{word}: " + ", ".join(f"{w} {s:.3f}" for w, s in near))
        return self._announce(NeighboursReport(app=self.name, neighbours=found, table="\n".join(lines)))

    def predict(self, inputs=None, *, file=None, output=None) -> Predictions:
        """The vectors of words.

        Args:
            inputs: a word or a list of them; ``"-"`` among them, or none and no ``file``:
                lines read from standard input.
            file: also the words of this text file, one a line.
            output: also write ``{"word", "vector"}`` rows to this ``.json`` (or ``.csv``) file.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions` of ``{"vector": [floats]}``, its
            ``inputs`` the words.

        Raises:
            UserInputError: no words, or a word outside the vocabulary.
        """
        from kerasdl.apps.tables import check_table_path, write_rows
        from kerasdl.data.text import read_texts

        self._require_model()
        check_table_path(output)
        words = self._known(read_texts(inputs, file, what="words"))
        vectors, index = self.vectors(), self.vocabulary.index
        results = [{"vector": [float(x) for x in vectors[index[w]]]} for w in words]
        if output is not None:
            write_rows([{"word": w, **r} for w, r in zip(words, results)], output)
        return Predictions(results, inputs=words)

    # ------------------------------------------------------------ export

    def _serving(self) -> ServingSpec:
        import tensorflow as tf

        from kerasdl.apps.embeddings import serving
        from kerasdl.export import Endpoint

        words, vectors = self.words, self.vectors()
        ids_model, word_model = serving.lookup_models(words, vectors)
        samples = words[:EXPORT_SAMPLES] + ["<not-a-word>"]
        return ServingSpec(
            model=ids_model,
            float_input=tf.TensorSpec([None], tf.float32, name="word_ids"),
            sample_inputs=tf.constant([1.0, 2.0, 0.0], tf.float32),
            endpoints=[
                Endpoint(
                    name="serving_default",
                    fn=serving.word_endpoint_fn(word_model),
                    input_signature=[tf.TensorSpec([None], tf.string, name="word")],
                    sample_inputs=[tf.constant(samples)],
                )
            ],
            metadata={"vocabulary_size": len(words), "embed_dim": int(vectors.shape[1])},
            usage={
                "serving_default": f"word: [batch] string (lower-case) -> vector: [batch, {vectors.shape[1]}] "
                "float32 (zeros for an unknown word), known: [batch] bool",
                "serving_float": f"word_ids: [batch] float32 (1 + the row in {serving.METADATA_FILE}; 0 unknown) "
                f"-> [batch, {vectors.shape[1]}] float32",
                "tflite": "model.tflite: the same as serving_float",
                "files": f"{serving.WORD2VEC_FILE}: word2vec text format (gensim KeyedVectors.load_word2vec_format); "
                f"{serving.VECTORS_FILE} + {serving.METADATA_FILE}: TensorBoard projector",
            },
            files=serving.vector_files(words, vectors),
        )

    @staticmethod
    def serving_inputs(inputs):
        from kerasdl.apps.served import text_inputs

        return text_inputs(inputs, name="word")

    @staticmethod
    def serving_outputs(outputs) -> list:
        return [{"vector": [float(x) for x in row]} for row in outputs["vector"].numpy()]


def _score(value, percent=False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def _headline(ours, theirs) -> str:
    def line(scores):
        analogy = scores.get("analogy", {}).get("accuracy") if "analogy" in scores else None
        text = f"WordSim353 {_score(scores['wordsim353']['spearman'])}, SimLex-999 {_score(scores['simlex999']['spearman'])}"
        return text + (f", analogies {_score(analogy, True)}" if "analogy" in scores else "")

    headline = line(ours)
    return headline + (f" vs PPMI + SVD {line(theirs)}" if theirs else "")
