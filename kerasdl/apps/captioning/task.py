"""``Captioning``: image captioning measured with BLEU against nearest-neighbour retrieval, as a Python object."""

from __future__ import annotations

import pathlib

from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions
from kerasdl.apps.served import DEFAULT_MAX_PIXELS
from kerasdl.apps.task import Scores, ServingSpec, Task, TrainingPlan
from kerasdl.errors import UserInputError

SCENE_IMAGE_SIZE = 64  # the generated scenes' own size
DEFAULT_SCENES = 8000
MAX_CAPTION_WORDS = 22  # longer captions are cut (Flickr8k: 99% have at most 22 words)
MAX_BEAM_WIDTH = 16
MIN_IMAGE_SIZE = 32
QUALITY_IMAGES = 100  # test images the quantized LiteRT encoders are scored on (greedy BLEU-4)
TRAINING = {"epochs": None, "steps_per_epoch": None, "learning_rate": 2e-3, "batch_size": 32}
# What the data decides unless given: the generated scenes train at their own size without
# dropout; they reached BLEU-4 0.96 after 3 epochs (4 minutes on two CPU cores). For image
# files, 14 epochs is sized (not yet measured) for the 753 training images of the Flickr8k
# subset at 128x128 within 8 minutes.
BY_DATA = {
    "scenes": {"image_size": SCENE_IMAGE_SIZE, "epochs": 5, "dropout": 0.0},
    "files": {"image_size": 128, "epochs": 14, "dropout": 0.3},
}
ENCODER = {"encoder": "small_cnn", "encoder_weights": None, "train_encoder": True, "embed_dim": 128}
RECIPES = {
    "show_attend_tell": Recipe(
        "show_attend_tell",
        options={**ENCODER, "units": 256},
        training=TRAINING,
        settings=BY_DATA,
        summary="CNN grid + attention LSTM, Xu et al. 2015 (the default)",
    ),
    # Its heads, feed-forward width and caption length follow the embedding width and the data.
    "transformer_captioner": Recipe(
        "transformer_captioner",
        options=ENCODER,
        training=TRAINING,
        settings=BY_DATA,
        summary="CNN grid + Transformer decoder",
    ),
}


def check_beam_width(beam_width) -> int:
    """``beam_width`` if it is 1 (greedy search) to 16, else ``UserInputError``."""
    if not isinstance(beam_width, int) or not 1 <= beam_width <= MAX_BEAM_WIDTH:
        raise UserInputError(f"beam_width must be an integer from 1 (greedy) to {MAX_BEAM_WIDTH}; got {beam_width!r}")
    return beam_width


def data_source(data=None, images=None, split_lists=None, scenes: int = DEFAULT_SCENES, split_seed: int = 0) -> dict:
    """The record of what captioned images a verb reads (kept in ``task.json``)."""
    if not isinstance(scenes, int) or scenes < 1:
        raise UserInputError(f"scenes must be a positive integer; got {scenes!r}")
    return {
        "data": None if data is None else str(data),
        "images": None if images is None else str(images),
        "split_lists": None if split_lists is None else str(split_lists),
        "scenes": scenes,
        "split_seed": int(split_seed),
    }


def load_splits(source: dict, image_size: int) -> dict:
    """Train/val/test :class:`~kerasdl.data.captions.loaders.CaptionSplit` the source names."""
    from kerasdl.data.captions import load_captions, scene_splits

    if source["data"] is None:
        sizes = {"train": source["scenes"], "val": max(50, source["scenes"] // 16), "test": 500}
        return scene_splits(sizes=sizes, seed=source["split_seed"], image_size=SCENE_IMAGE_SIZE)
    return load_captions(
        source["data"], images=source["images"], split_lists=source["split_lists"], seed=source["split_seed"]
    )


def describe_source(source: dict) -> str:
    if source["data"] is None:
        return f"generated scenes ({source['scenes']} training images, seed {source['split_seed']})"
    return source["data"]


class Captioning(Task):
    """Image captioning (Show, Attend and Tell; a Transformer captioner) measured against nearest-neighbour retrieval.

    The model is a CNN encoder (``small_cnn``, any registered vision builder or a
    keras.applications name) whose feature grid a decoder reads while it writes the caption
    word by word. It is scored with corpus BLEU-1..4 against every reference, beside the
    caption of the closest training image in the trained encoder's feature space.

    Example:
        >>> captioner = Captioning()                               # Show, Attend and Tell
        >>> captioner.train(scenes=4000, epochs=3)                 # doctest: +SKIP
        >>> captioner.evaluate(beam_width=3).headline              # doctest: +SKIP
        >>> captioner.predict("photo.jpg")[0]                      # doctest: +SKIP
        'a red circle left of a blue square'

    Args:
        model: ``"show_attend_tell"`` (default) or ``"transformer_captioner"``.
        model_options: builder options over the recipe's (``encoder``, ``encoder_weights``,
            ``train_encoder``, ``embed_dim``, ``units``, ``dropout``...). ``dropout``
            defaults to 0 on the generated scenes and 0.3 on image files; ``units`` is
            Show, Attend and Tell's LSTM width (the Transformer ignores it).
        run_dir: where training writes (default ``runs/captioning``).
    """

    name = "captioning"
    aliases = ("caption",)
    recipes = RECIPES
    default_model = "show_attend_tell"
    metrics_not_exported = ("examples",)
    _training_images = None  # (source, image size, uint8 images) decoded by train(), reused by the baseline

    def _check_model(self, model, source) -> None:
        try:
            model.get_layer("encoder"), model.get_layer("decoder")
        except ValueError:
            raise UserInputError(f"{source} is not a captioning model (no nested encoder and decoder)") from None

    def _captioner(self, beam_width: int):
        from kerasdl.apps.captioning.decoding import Captioner

        return Captioner(
            self._require_model(),
            self.state["vocabulary"],
            max_length=self.state["max_length"],
            beam_width=check_beam_width(beam_width),
        )

    def _builder_arguments(self, *, vocabulary_size: int, max_length: int, image_size: int, kind: str) -> dict:
        """The builder's keyword arguments: the recipe's options, the data's defaults, the vocabulary and sizes."""
        options = {"dropout": self.recipe.settings[kind]["dropout"], **self.recipe.options}
        if not 0 <= options["dropout"] < 1:
            raise UserInputError(f"--dropout must be in [0, 1); got {options['dropout']}")
        weights = options.get("encoder_weights")
        if weights not in (None, "imagenet") and not pathlib.Path(weights).is_file():
            raise UserInputError(f"--encoder-weights: no such file: {weights}")
        if self.recipe.builder == "transformer_captioner":
            options.pop("units", None)  # the LSTM's width: the Transformer has no LSTM
            width = options["embed_dim"]
            options = {
                "intermediate_dim": 2 * width,
                "num_heads": 4 if width % 4 == 0 else 1,
                **options,
                "sequence_length": max_length,
            }
        return {"vocabulary_size": vocabulary_size, "image_shape": (image_size, image_size, 3), **options}

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        images=None,
        split_lists=None,
        scenes: int = DEFAULT_SCENES,
        split_seed: int = 0,
        image_size: int | None = None,
        max_tokens: int = 5000,
        min_count: int = 3,
        **training,
    ):
        """Trains on the training split, each image with all its reference captions, teacher forced.

        Args:
            data: a Flickr8k folder (``Flickr8k.token.txt``, the split lists and the images),
                an ``image,caption`` CSV (``images/`` beside it) or a COCO captions JSON;
                None: the generated scenes.
            images: the image folder, when it is not where the layout expects it.
            split_lists: for a CSV: a folder with the ``Flickr_8k.{train,dev,test}Images.txt``
                lists (default: a seeded 80/10/10 split by image).
            scenes: the generated scenes' training images.
            split_seed: the seed of the scenes and of seeded splits.
            image_size: the square input side (default: 64 for the scenes, 128 for image files).
            max_tokens: the vocabulary's size cap.
            min_count: words seen fewer times in the training captions are unknown.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's;
                ``batch_size`` counts images (each with all its captions), ``epochs``
                defaults to 5 for the scenes and 14 for image files.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        import keras

        from kerasdl.apps.captioning.training import caption_dataset, captions_per_image, grouped_model
        from kerasdl.data.captions import build_vocabulary
        from kerasdl.data.captions.loaders import read_images
        from kerasdl.data.captions.vocabulary import normalize_caption
        from kerasdl.registry import get_model

        config = self.recipe.train_config(**training)
        config.validate()
        source = data_source(data, images, split_lists, scenes, split_seed)
        kind = "scenes" if source["data"] is None else "files"
        size = image_size or self.recipe.settings[kind]["image_size"]
        if size < MIN_IMAGE_SIZE:
            raise UserInputError(f"--image-size must be at least {MIN_IMAGE_SIZE}; got {size}")
        splits = load_splits(source, size)
        train_split = splits["train"]
        val_split = splits["val"] if len(splits["val"]) else (splits["test"] if len(splits["test"]) else train_split)
        vocabulary = build_vocabulary(
            [c for cs in train_split.captions for c in cs], max_tokens=max_tokens, min_count=min_count
        )
        if len(vocabulary) <= 4:
            raise UserInputError(
                f"no word is seen --min-count={min_count} times in the training captions of {describe_source(source)}"
            )
        longest = max(len(normalize_caption(c).split()) for cs in train_split.captions for c in cs)
        max_length = min(longest, MAX_CAPTION_WORDS) + 1  # the decoder input: start + words
        kwargs = self._builder_arguments(
            vocabulary_size=len(vocabulary), max_length=max_length, image_size=size, kind=kind
        )
        builder = self.recipe.builder
        try:
            get_model(builder, **kwargs)  # bad options fail here, before the images are read
        except (TypeError, ValueError) as err:
            raise UserInputError(f"cannot build {builder}: {str(err).splitlines()[0]}") from None
        train_images, val_images = read_images(train_split, size), read_images(val_split, size)
        per_image = captions_per_image(train_split.captions)
        if config.steps_per_epoch is None:
            config.steps_per_epoch = max(1, len(train_split) // config.batch_size)
        if config.epochs is None:
            config.epochs = self.recipe.settings[kind]["epochs"]
        pairs = sum(min(len(c), per_image) for c in train_split.captions)
        self._training_images = (source, size, train_images)
        return self._fit(
            TrainingPlan(
                build_model=lambda: grouped_model(get_model(builder, **kwargs), per_image),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                train_data=caption_dataset(
                    train_images,
                    train_split.captions,
                    vocabulary,
                    max_length=max_length,
                    per_image=per_image,
                    batch_size=config.batch_size,
                    shuffle=True,
                    seed=config.seed,
                ),
                val_data=caption_dataset(
                    val_images,
                    val_split.captions,
                    vocabulary,
                    max_length=max_length,
                    per_image=per_image,
                    batch_size=config.batch_size,
                    shuffle=False,
                ),
                config=config,
                description=(
                    f"Training {self.model_name} ({kwargs['encoder']} encoder, {size}x{size}) on "
                    f"{len(train_split)} images, {pairs} captions from {describe_source(source)}; vocabulary "
                    f"{len(vocabulary)} words; {config.epochs} epochs x {config.steps_per_epoch} steps"
                ),
                state={"vocabulary": vocabulary, "max_length": max_length, "image_size": size, "source": source},
                summary={
                    "model_kwargs": kwargs,
                    "data": describe_source(source),
                    "train_images": len(train_split),
                    "train_captions": pairs,
                    "captions_per_image": per_image,
                    "vocabulary_size": len(vocabulary),
                    "max_length": max_length,
                    "batch_size": config.batch_size,
                },
            )
        )

    def evaluate(
        self,
        data=None,
        *,
        images=None,
        split_lists=None,
        scenes: int | None = None,
        split_seed: int | None = None,
        beam_width: int = 1,
        baseline: bool = True,
        output=None,
    ):
        """Corpus BLEU-1..4 on the test split, with every reference, beside nearest-neighbour retrieval.

        Writes the report, ``captions.png`` (captions under the test images) and, for Show,
        Attend and Tell, ``attention.png`` (where the model looks at each word).

        Args:
            data: captioned images as ``train`` takes them, whose test split is scored;
                None: the data the run trained on.
            images: the image folder, when it is not where the layout expects it.
            split_lists: for a CSV: a folder with the Flickr8k split lists.
            scenes: the generated scenes' training images, the baseline's (default: the run's).
            split_seed: the seed of the scenes and of seeded splits (default: the run's without
                ``data``, else 0).
            beam_width: 1 for greedy search, up to 16 for beam search.
            baseline: also score the retrieval baseline (the caption of the closest training
                image in the trained encoder's feature space).
            output: the JSON report (default ``<run_dir>/evaluation.json``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.captioning.evaluation import evaluate_split, format_table
        from kerasdl.apps.captioning.figures import attention_figure, caption_grid
        from kerasdl.data.captions.loaders import read_images
        from kerasdl.data.captions.vocabulary import normalize_caption

        captioner = self._captioner(beam_width)
        given = {"images": images, "split_lists": split_lists, "scenes": scenes, "split_seed": split_seed}
        recorded = self.state["source"] if data is None else {"data": data}
        source = data_source(**{**recorded, **{k: v for k, v in given.items() if v is not None}})
        size = self.state["image_size"]
        splits = load_splits(source, size)
        test = splits["test"]
        if not len(test):
            raise UserInputError(f"no test images in {describe_source(source)}")
        test_images = read_images(test, size)
        train_images = None
        if baseline:
            held = self._training_images
            train_images = held[2] if held and held[:2] == (source, size) else read_images(splits["train"], size)
        metrics, outputs = evaluate_split(
            captioner, test_images, test.captions, train_images=train_images, train_captions=splits["train"].captions
        )

        def row(i, reference):
            retrieved = {"retrieval": outputs["retrieval"][i]} if "retrieval" in outputs else {}
            return {"model": outputs["model"][i], **retrieved, **reference}

        references = [[normalize_caption(c) for c in captions] for captions in test.captions]
        metrics.update(
            dataset=describe_source(source),
            split="test",
            model_name=self.model_name,
            examples=[
                {"image": test.names[i], **row(i, {"references": references[i]})} for i in range(min(8, len(test)))
            ],
        )
        rows = [row(i, {"reference": references[i][0]}) for i in range(len(test))]
        figures = {"captions figure": ("captions.png", lambda path: caption_grid(test_images, rows, path))}
        if self.recipe.builder == "show_attend_tell":
            figures["attention figure"] = ("attention.png", lambda path: attention_figure(captioner, test_images, path))
        headline = f"BLEU-4 {metrics['model']['bleu4']:.4f}"
        if "retrieval" in metrics:
            headline += f" vs retrieval {metrics['retrieval']['bleu4']:.4f}"
        return self._report(Scores(metrics, headline, format_table(metrics), figures=figures), output=output)

    def predict(self, inputs, *, beam_width: int = 1, output=None) -> Predictions:
        """Captions images, resized to the model's square input as the exported signature does.

        Args:
            inputs: image files, folders (their images, recursively), encoded image bytes or
                arrays ``(h, w[, c])`` (uint8, or float in [0, 1]); one or a list.
            beam_width: 1 for greedy search, up to 16 for beam search.
            output: also write ``{input: caption}`` to this JSON file.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions` of caption strings; ``.inputs`` names
            each image.
        """
        import numpy as np
        import tensorflow as tf

        from kerasdl.data.images import convert_channels, read_image_inputs
        from kerasdl.files import write_json

        captioner = self._captioner(beam_width)
        images = read_image_inputs(inputs)  # every input is checked before anything is written
        size = captioner.image_size
        pixels = np.stack(
            [
                tf.clip_by_value(
                    tf.image.resize(convert_channels(image, 3), (size, size), antialias=True), 0.0, 1.0
                ).numpy()
                for _, image in images
            ]
        )
        found = Predictions(captioner.caption(pixels), inputs=[name for name, _ in images])
        if output is not None:
            write_json(dict(zip(found.inputs, found)), output)
        return found

    def _litert_quality(self):
        """Greedy BLEU-4 of up to 100 test images (seeded), the features from the LiteRT encoder, the decoder in Keras.

        int8 is calibrated on up to 200 training images, as the encoder takes them.
        """
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.captioning.decoding import decode_features, ids_to_text
        from kerasdl.apps.captioning.evaluation import corpus_bleu
        from kerasdl.data.captions.loaders import CaptionSplit, read_images
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        source, size, model = self.state["source"], self.state["image_size"], self._require_model()
        splits = load_splits(source, size)

        def seeded(split, count):  # a seeded sample of at most count images, in their order
            keep = sorted(np.random.default_rng(0).choice(len(split), min(count, len(split)), replace=False))
            return CaptionSplit(
                [split.names[i] for i in keep],
                [split.captions[i] for i in keep],
                None if split.images is None else split.images[keep],
                None if split.paths is None else [split.paths[i] for i in keep],
            )

        test = seeded(splits["test"], QUALITY_IMAGES)
        if not len(test):
            return None  # no test images: the variants get size, latency and parity only
        pixels = read_images(test, size).astype(np.float32) / 255.0
        calibration = read_images(seeded(splits["train"], CALIBRATION_SAMPLES), size).astype(np.float32) / 255.0
        captions = tf.function(
            lambda features: decode_features(model, features, max_length=self.state["max_length"]),
            reduce_retracing=True,
        )

        def score(predict):
            ids = captions(tf.constant(np.asarray(predict(pixels), np.float32))).numpy()
            return corpus_bleu(ids_to_text(ids, self.state["vocabulary"]), test.captions)["bleu4"]

        return LiteRTQuality(
            metric="bleu4",
            data=f"{len(test)} of the {len(splits['test'])} test images of {describe_source(source)}, greedy",
            score=score,
            representative=lambda: (calibration[i : i + 1] for i in range(len(calibration))),
            latency_input=pixels[:1],
            max_loss=1.0,
            unit="points",
            points_per_unit=100.0,
            parity_inputs=pixels[:8],
        )

    def _serving(self, *, beam_width: int = 1, max_pixels: int = DEFAULT_MAX_PIXELS) -> ServingSpec:
        """Image bytes in, captions out (``beam_width``: the signature's decoding); the encoder in LiteRT.

        ``serving_default`` decodes and resizes encoded PNG/JPEG/GIF/BMP/WebP images and writes
        their captions in the graph; ``serving_float`` and ``model.tflite`` are the encoder
        (float images to the feature grid). Captions are checked as exact strings, the
        encoder within 1e-4, before the version folder appears.

        Args:
            beam_width: 1 for greedy search, up to 16 for beam search.
            max_pixels: the largest image (height x width) the served model takes; a bigger one is
                refused, from its header, before it is decoded.
        """
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.captioning.serving import bytes_endpoint_fn, encoder_model
        from kerasdl.export import Endpoint
        from kerasdl.export.images import check_max_pixels

        max_pixels = check_max_pixels(max_pixels)
        captioner = self._captioner(beam_width)
        size = self.state["image_size"]
        rng = np.random.default_rng(0)
        sample = rng.random((2, size, size, 3), dtype=np.float32)
        sample_bytes = tf.stack(
            [tf.io.encode_png(tf.constant((rng.random((40 + 8 * i, 48, 3)) * 255).astype(np.uint8))) for i in range(2)]
        )
        if self.state["source"]["data"] is None:  # a real scene too, so the parity check compares a real caption
            from kerasdl.data.captions import generate_scenes

            sample_bytes = tf.concat([sample_bytes, [tf.io.encode_png(generate_scenes(1, seed=12345)[0][0])]], axis=0)
        endpoint = Endpoint(
            name="serving_default",
            fn=bytes_endpoint_fn(captioner, max_pixels=max_pixels),
            input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
            sample_inputs=[sample_bytes],
        )
        return ServingSpec(
            model=encoder_model(self.model),
            float_input=tf.TensorSpec([None, size, size, 3], tf.float32, name="image"),
            sample_inputs=sample,
            endpoints=[endpoint],
            metadata={
                "image_size": size,
                "vocabulary_size": len(self.state["vocabulary"]),
                "max_length": self.state["max_length"],
                "decoding": captioner.decoding,
                "max_pixels": max_pixels,
            },
            usage={
                "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> caption: [batch] string",
                "serving_float": f"image: [batch, {size}, {size}, 3] float32 in [0, 1] -> output: the encoder's "
                "feature grid",
                "model.tflite": "the encoder: the same as serving_float",
            },
        )

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s arguments from the inputs ``predict`` takes: their encoded bytes."""
        from kerasdl.apps.served import image_bytes_inputs

        return image_bytes_inputs(inputs)

    @staticmethod
    def serving_outputs(outputs) -> list:
        """Caption strings from ``serving_default``'s outputs."""
        return [caption.decode("utf-8") for caption in outputs["caption"].numpy()]
