"""``Segmentation``: a class for every pixel with a U-Net, scored beside a classical segmenter, as a Python object."""

from __future__ import annotations

from kerasdl.apps.annotated_images import AnnotatedImagesTask, per_class_table
from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions
from kerasdl.apps.task import Scores, ServingSpec, TrainingPlan
from kerasdl.errors import UserInputError

BASELINES = ("svc", "logistic")  # kerasdl.apps.segment.baselines.CLASSIFIERS
DEFAULT_PATCH = 64  # the default scenes' side: a crop is a whole scene
TILE = 256
MAX_CLASSES = 255  # the mask PNGs hold 8-bit class indices; 255 is void (kerasdl.data.segmentation.IGNORE_INDEX)
# The served signature runs the model on the whole image: its activations grow with the pixels.
SERVING_MAX_PIXELS = 16_000_000
QUALITY_IMAGES = 50  # test images the quantized LiteRT variants are scored on
# A U-Net three levels deep from 16 filters with batch norm: 0.48M parameters, about 0.17 s per
# batch of 16 64x64 crops on two CPU cores.
TRAINING = {"epochs": 20, "steps_per_epoch": 100, "learning_rate": 2e-3, "batch_size": 16}
RECIPES = {
    "unet": Recipe(
        "unet",
        options={"depth": 3, "filters": 16, "batch_norm": True},
        training=TRAINING,
        summary="U-Net (Ronneberger et al. 2015), 3 levels from 16 filters, batch norm, softmax over the classes "
        "(the default)",
    ),
}


def _with_channels(data, channels: int):
    """``data`` with every image converted to ``channels`` (BT.601 luma, or gray repeated)."""
    import dataclasses

    from kerasdl.data.images import convert_channels

    return dataclasses.replace(data, images=[convert_channels(image, channels) for image in data.images])


def _converted(parts: dict, channels: int) -> dict:
    """:meth:`Segmentation._splits`' parts with their images in ``channels``."""
    return {k: v if v is None or isinstance(v, str) else _with_channels(v, channels) for k, v in parts.items()}


def check_segmenter(model, source) -> None:
    """Raises ``UserInputError`` unless ``model`` maps ``(h, w, 1 or 3)`` images to per-pixel class probabilities."""
    shape, out = model.input_shape, model.output_shape
    ok = (
        isinstance(shape, tuple)
        and len(shape) == 4
        and shape[-1] in (1, 3)
        and isinstance(out, tuple)
        and len(out) == 4
        and (out[-1] or 0) >= 2
    )
    if not ok:
        raise UserInputError(
            f"{source} is not a segmentation model (needs (h, w, 1 or 3) images in, (h, w, classes) "
            f"probabilities out; it maps {shape} to {out})"
        )


def loss_and_metrics(classes: int) -> tuple:
    """The training loss and metrics: sparse categorical cross-entropy and mean IoU, both blind to void pixels.

    Pixels whose true value is :data:`~kerasdl.data.segmentation.IGNORE_INDEX` (255, PASCAL
    VOC's void) are left out (Keras' ``ignore_class``): the loss is the mean over the other pixels,
    the mean IoU's confusion matrix counts only them.

    Args:
        classes: the model's classes, background included.

    Returns:
        ``(loss, [mean_iou])`` for ``model.compile``.
    """
    import keras

    from kerasdl.data.segmentation import IGNORE_INDEX

    loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=IGNORE_INDEX)
    mean_iou = keras.metrics.MeanIoU(
        num_classes=classes, sparse_y_pred=False, ignore_class=IGNORE_INDEX, name="mean_iou"
    )
    return loss, [mean_iou]


class Segmentation(AnnotatedImagesTask):
    """Semantic segmentation: a class for every pixel (U-Net), scored beside a classical segmenter.

    The model is the registered ``unet`` builder (Ronneberger, Fischer and Brox, 2015) with a
    softmax over the classes, background included, trained with sparse categorical
    cross-entropy on random crops. Mask pixels of 255 (PASCAL VOC's void: object borders and
    unlabelled regions) count in neither the loss nor any score. The classical baseline, fitted
    on the same training images in the same run, thresholds the image (Otsu), splits it into
    connected components and classifies each from its HOG features (scikit-learn). With no data,
    both learn generated scenes of scikit-learn's handwritten digits on black canvases (the mask
    holds ``1 + d`` where digit ``d`` is).

    Example:
        >>> segmenter = Segmentation()                               # U-Net on the digit scenes
        >>> segmenter.train(epochs=5)                                # doctest: +SKIP
        >>> segmenter.evaluate().headline                            # doctest: +SKIP
        >>> mask = segmenter.predict("scene.png")[0]                 # doctest: +SKIP

    Args:
        model: the recipe (default ``"unet"``).
        model_options: builder options over the recipe's (``{"depth": 4, "filters": 32}``...).
        run_dir: where training writes (default ``runs/segment``).
    """

    name = "segment"
    aliases = ("segmentation",)
    recipes = RECIPES
    default_model = "unet"
    metrics_not_exported = ("confusion_matrix",)  # two classes x classes matrices: in evaluation.json only

    # ------------------------------------------------------------ what the model is

    @property
    def channels(self) -> int | None:
        """The image channels the model takes (1 or 3), once trained or loaded."""
        if self.model is not None:
            return int(self.model.input_shape[-1])
        return self.state.get("channels")

    def _check_model(self, model, source) -> None:
        check_segmenter(model, source)
        names = self.state.get("class_names")
        if names and len(names) != model.output_shape[-1]:
            raise UserInputError(
                f"the run's record names {len(names)} classes but {source} has {model.output_shape[-1]} outputs"
            )

    def _builder_arguments(self, *, channels: int, classes: int) -> dict:
        """The builder's keyword arguments: the recipe's options, the data's channels and classes, softmax."""
        return {
            **self.recipe.options,
            "input_shape": (None, None, channels),
            "classes": classes,
            "output_activation": "softmax",
        }

    def build_model(self, *, channels: int, classes: int):
        """The untrained model for ``channels``-channel images and ``classes`` classes (background included)."""
        from kerasdl.registry import get_model

        return get_model(self.recipe.builder, **self._builder_arguments(channels=channels, classes=classes))

    # ------------------------------------------------------------ data

    def _load(self, data, *, channels=None):
        from kerasdl.data.segmentation import load_segmentation_data

        return load_segmentation_data(data, channels=channels)

    def _from_scenes(self, scenes):
        from kerasdl.data.segmentation import scenes_as_data

        return scenes_as_data(scenes)

    def _prepared(self, parts: dict) -> dict:
        return _converted(parts, self.channels or 1)

    def _loading_channels(self) -> int | None:
        return self.channels

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        val_data=None,
        dataset=None,
        dataset_file=None,
        patch_size: int = DEFAULT_PATCH,
        **training,
    ):
        """Trains on random square crops of the training images and their masks.

        Args:
            data: a folder of ``images/`` and ``masks/`` (PNG masks of class indices, the same
                file names, 255 for void pixels that are not trained on; an optional
                ``classes.txt`` names the classes, background first),
                or a COCO ``annotations.json`` (or a folder holding one) with its images; 80% of
                the images train, 10% validate and 10% are held out for ``evaluate``.
            val_data: validation data in the same layouts; then all of ``data`` trains and the
                validation data is what ``evaluate`` scores by default.
            dataset: or a named dataset: generated scenes of ``"digits"`` (scikit-learn's, 64x64,
                the default) or ``"mnist"`` digits (128x128, from Keras' cache).
            dataset_file: for MNIST, an ``mnist.npz`` to read instead of Keras' cache.
            patch_size: the side of the training crops; smaller images are padded with background.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        return self._fit(self._plan(data, val_data, dataset, dataset_file, patch_size=patch_size, training=training))

    def _plan(self, data, val_data, dataset, dataset_file, *, patch_size, training) -> TrainingPlan:
        from kerasdl.apps.image_to_image import _check_patch_size
        from kerasdl.apps.segment.patches import training_dataset, validation_dataset

        config = self.recipe.train_config(**training)
        config.validate()
        if not isinstance(patch_size, int) or isinstance(patch_size, bool) or patch_size < 1:
            raise UserInputError(f"--patch-size must be a positive integer; got {patch_size!r}")
        parts = self._splits(data, val_data, dataset, dataset_file)
        channels = 3 if any(image.shape[-1] == 3 for image in [*parts["train"].images, *parts["val"].images]) else 1
        parts = _converted(parts, channels)
        train, val = parts["train"], parts["val"]
        names = list(train.class_names)
        if not 2 <= len(names) <= MAX_CLASSES:
            raise UserInputError(
                f"{parts['source']} has {len(names)} classes (background included); a segmentation needs "
                f"2 to {MAX_CLASSES}"
            )
        kwargs = self._builder_arguments(channels=channels, classes=len(names))
        try:
            model = self.build_model(channels=channels, classes=len(names))  # bad options fail before the run folder
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None
        _check_patch_size(model, patch_size, depth_flag="depth" in self.recipe.options)
        state = {
            "class_names": names,
            "channels": channels,
            "data": None if data is None else str(data),
            "val_data": None if val_data is None else str(val_data),
            "dataset": None if data is not None else (dataset or "digits"),
            "dataset_file": None if dataset_file is None else str(dataset_file),
            "patch_size": patch_size,
        }
        self._remember_data(state, parts)  # evaluate reads them again only for another run
        test = parts["test"]
        counts = {"train_images": len(train.images), "val_images": len(val.images)}
        counts["test_images"] = len(test.images) if test is not None else None
        description = (
            f"Training {self.model_name} ({len(names)} classes, {'grayscale' if channels == 1 else 'RGB'}) on "
            f"{len(train.images)} images of {parts['source']} ({len(val.images)} validation); "
            f"{config.epochs} epochs x {config.steps_per_epoch} steps of {config.batch_size} "
            f"{patch_size}x{patch_size} crops"
        )
        loss, metrics = loss_and_metrics(len(names))
        return TrainingPlan(
            build_model=lambda: self.build_model(channels=channels, classes=len(names)),
            loss=loss,
            metrics=metrics,
            train_data=training_dataset(
                train.images, train.masks, patch_size=patch_size, batch_size=config.batch_size, seed=config.seed
            ),
            val_data=validation_dataset(val.images, val.masks, patch_size=patch_size, batch_size=config.batch_size),
            config=config,
            description=description,
            state=state,
            summary={**state, "source": parts["source"], **counts, "model_kwargs": kwargs},
        )

    def evaluate(self, data=None, *, baseline: str = "svc", output=None, figure=None, tile: int = TILE):
        """Mean IoU, pixel accuracy and IoU per class beside a classical segmenter fitted on the same training images.

        Args:
            data: test data in a layout ``train`` takes; None: the run's held-out test images
                (the default scenes' test part, 10% of a folder, or ``--val-data``).
            baseline: the classical segmenter's classifier: ``"svc"`` (RBF kernel) or
                ``"logistic"``, on HOG features of Otsu's connected components.
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the overlay figure, model vs classical vs truth (default ``<run_dir>/segmentation.png``).
            tile: tile side for large images (the result equals whole-image inference).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        import numpy as np

        from kerasdl.apps.segment.baselines import ClassicalSegmenter
        from kerasdl.apps.segment.evaluation import confusion_matrix
        from kerasdl.apps.segment.figures import overlay_figure
        from kerasdl.apps.segment.serving import segment_image
        from kerasdl.data.segmentation import IGNORE_INDEX

        model = self._require_model()
        if baseline not in BASELINES:
            raise UserInputError(f"baseline must be one of {', '.join(BASELINES)}; got {baseline!r}")
        self._check_tile(tile)
        test, dataset = self._test_data(data)
        self._check_sizes(test.images, test.names)
        if all(np.all(mask == IGNORE_INDEX) for mask in test.masks):
            raise UserInputError(
                f"every pixel of the {len(test.masks)} test masks is void ({IGNORE_INDEX}): nothing to score"
            )
        names, classes = self.class_names, len(self.class_names)
        predicted = {"model": [segment_image(model, image, tile=tile) for image in test.images]}
        train = self._run_data()["train"]
        classical = ClassicalSegmenter(classifier=baseline)
        try:
            classical.fit(train.images, train.masks, names)
        except ValueError as err:  # no foreground component in any training image: nothing to classify
            baseline_error = str(err)
        else:
            baseline_error = None
            predicted["classical"] = classical.predict_many(test.images)
        confusion = {m: confusion_matrix(test.masks, masks, classes=classes) for m, masks in predicted.items()}
        metrics = _report(confusion, names, dataset=dataset, images=len(test.images))
        metrics["model"] = self.model_name
        metrics["baseline"] = {"name": classical.name, **classical.fit_summary_}
        if baseline_error:
            metrics["baseline"]["error"] = baseline_error
        methods = {"model": self.model_name, **({"classical": "classical"} if "classical" in predicted else {})}

        def draw(path):
            return overlay_figure(
                test.images,
                {label: predicted[m] for m, label in methods.items()},
                names,
                path,
                truth=test.masks,
            )

        return self._report(
            Scores(metrics, _headline(metrics), _table(metrics), {"overlay figure": ("segmentation.png", draw)}),
            output=output,
            figure=figure,
        )

    def predict(self, inputs, *, output_dir=None, tile: int = TILE) -> Predictions:
        """The class of every pixel of images of any size (tiled).

        Args:
            inputs: image files, folders (their images, recursively), encoded image bytes or
                arrays ``(h, w[, c])``; one or a list.
            output_dir: write ``<name>_mask.png`` (the class index of each pixel, 8-bit gray)
                and ``<name>_overlay.png`` (the classes coloured over the image) there, and return
                their paths.
            tile: tile side for large images (the result equals whole-image inference).

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: int32 ``(h, w)`` masks of class indices
            (0 = background; ``class_names`` names them), or ``{"mask", "overlay"}`` paths with
            ``output_dir``.
        """
        import pathlib

        from kerasdl.apps.segment.figures import blend
        from kerasdl.apps.segment.serving import segment_image
        from kerasdl.data.images import check_writable_dir, read_image_inputs, save_png

        model = self._require_model()
        self._check_tile(tile)
        images = read_image_inputs(inputs)  # every input is checked before anything is written
        self._check_sizes([image for _, image in images], [name for name, _ in images])
        out_dir = check_writable_dir(output_dir) if output_dir is not None else None
        results = []
        for name, image in images:
            mask = segment_image(model, image, tile=tile)
            if out_dir is None:
                results.append(mask)
                continue
            stem = pathlib.Path(name).stem if pathlib.Path(name).suffix else name
            overlay = blend(image, mask, len(self.class_names))
            results.append(
                {
                    "mask": save_png(mask[..., None] / 255.0, out_dir / f"{stem}_mask.png"),
                    "overlay": save_png(overlay, out_dir / f"{stem}_overlay.png"),
                }
            )
        return Predictions(results, inputs=[name for name, _ in images])

    def _check_tile(self, tile) -> None:
        if isinstance(tile, bool) or not isinstance(tile, int) or tile < 1:
            raise UserInputError(f"--tile must be a positive integer; got {tile!r}")

    def _check_sizes(self, images, names) -> None:
        """Raises ``UserInputError`` for an image smaller than the model takes."""
        from kerasdl.layers.padding import minimum_side

        side = minimum_side(self._require_model())
        for name, image in zip(names, images):
            if min(image.shape[:2]) < side:
                raise UserInputError(
                    f"image {name} is {image.shape[1]}x{image.shape[0]}, smaller than the {side}x{side} this model needs"
                )

    # ------------------------------------------------------------ export

    def _serving(self, *, max_pixels: int | None = None) -> ServingSpec:
        """Encoded images in, the mask as a PNG of class indices out (``serving_default``); probabilities from float pixels.

        Args:
            max_pixels: the largest image (height x width) the served model takes; a bigger one is
                refused, from its header, before it is decoded. None: 16 megapixels.
        """
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.image_to_image import encode_png, png_endpoint
        from kerasdl.apps.segment.serving import mask_image
        from kerasdl.export import Endpoint
        from kerasdl.export.images import check_max_pixels
        from kerasdl.layers.padding import minimum_side

        model = self._require_model()
        max_pixels = check_max_pixels(SERVING_MAX_PIXELS if max_pixels is None else max_pixels)
        names, channels = self.class_names, self.channels
        side, rng = max(minimum_side(model), 16), np.random.default_rng(0)
        samples = tf.stack(
            [
                encode_png(tf.constant(rng.random((side + 4, side + 12, 3), dtype=np.float32))),
                encode_png(tf.repeat(tf.constant(rng.random((side + 8, side + 4, 1), dtype=np.float32)), 3, axis=-1)),
            ]
        )
        endpoint = Endpoint(
            name="serving_default",
            fn=png_endpoint(mask_image(model), max_pixels=max_pixels),
            input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
            sample_inputs=[samples],
            compare="png",
        )
        return ServingSpec(
            model=model,
            float_input=tf.TensorSpec([None, None, None, channels], tf.float32, name="image"),
            sample_inputs=rng.random((2, side + 8, side + 16, channels), dtype=np.float32),
            endpoints=[endpoint],
            usage={
                "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> image_png: [batch] PNG mask, "
                "8-bit gray, the class index of each pixel (metadata class_names)",
                "serving_float": f"image: [batch, h, w, {channels}] float32 in [0, 1] -> output: "
                f"[batch, h, w, {len(names)}] class probabilities",
            },
            metadata={
                "class_names": names,
                "channels": "grayscale" if channels == 1 else "RGB",
                "patch_size": self.state.get("patch_size"),
                "max_pixels": max_pixels,
            },
        )

    def _litert_quality(self, data=None):
        """Mean IoU on the test images (the first 50); int8 calibrated on training crops.

        Args:
            data: test data in a layout ``train`` takes; None: the run's held-out test images.
        """
        import numpy as np

        from kerasdl.apps.segment.evaluation import confusion_matrix, segmentation_scores
        from kerasdl.apps.segment.patches import random_crop
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        test, dataset = self._test_data(data)
        images, masks = test.images[:QUALITY_IMAGES], test.masks[:QUALITY_IMAGES]
        train = self._run_data()["train"]
        names = self.class_names
        patch = int(self.state.get("patch_size") or DEFAULT_PATCH)

        def representative():
            rng = np.random.default_rng(0)
            for k in rng.integers(len(train.images), size=CALIBRATION_SAMPLES):
                yield random_crop(train.images[k], train.masks[k], patch_size=patch, rng=rng)[0][None]

        def score(predict):
            predicted = [np.argmax(predict(np.asarray(x, np.float32)[None])[0], axis=-1) for x in images]
            return segmentation_scores(confusion_matrix(masks, predicted, classes=len(names)), names)["mean_iou"]

        latency_input = np.asarray(images[0], np.float32)[None]
        return LiteRTQuality(
            metric="mean_iou",
            data=f"{dataset}, {len(images)} images",
            score=score,
            representative=representative,
            latency_input=latency_input,
            max_loss=1.0,
            unit="points",
            points_per_unit=100.0,
            parity_inputs=latency_input,
        )

    # ------------------------------------------------------------ a served model's inputs and outputs

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s arguments from the inputs ``predict`` takes: their encoded bytes."""
        from kerasdl.apps.served import image_bytes_inputs

        return image_bytes_inputs(inputs)

    @staticmethod
    def serving_outputs(outputs) -> list:
        """int32 ``(h, w)`` masks of class indices from ``serving_default``'s PNGs, as ``predict`` returns them."""
        import numpy as np
        import tensorflow as tf

        return [tf.io.decode_png(png).numpy()[..., 0].astype(np.int32) for png in outputs["image_png"].numpy()]


# ---------------------------------------------------------------- the report


def _rounded(value):
    return None if value is None else round(float(value), 4)


def _report(confusion: dict, names, *, dataset: str, images: int) -> dict:
    """The JSON report: every method's pixel accuracy, mean IoU and IoU per class, and the model's gain."""
    from kerasdl.apps.segment.evaluation import segmentation_scores

    scores = {method: segmentation_scores(matrix, names) for method, matrix in confusion.items()}
    methods = {
        method: {
            "pixel_accuracy": _rounded(found["pixel_accuracy"]),
            "mean_iou": _rounded(found["mean_iou"]),
            "mean_iou_objects": _rounded(found["mean_iou_objects"]),
            "iou": {name: _rounded(value) for name, value in found["iou"].items()},
        }
        for method, found in scores.items()
    }
    gain = scores["model"]["mean_iou"] - scores["classical"]["mean_iou"] if "classical" in scores else None
    report = {
        "dataset": dataset,
        "images_scored": images,
        "pixels_scored": int(confusion["model"].sum()),
        "class_names": list(names),
        "protocol": "every pixel of the whole test images but void ones (255 in the true mask); IoU = TP / "
        "(TP + FP + FN) per class over all pixels (PASCAL VOC), mean IoU over the classes in the truth or the "
        "prediction, background included",
        "methods": methods,
        "mean_iou_gain_over_classical": _rounded(gain),
        "confusion_matrix": {method: matrix.tolist() for method, matrix in confusion.items()},
    }
    return report


def _headline(report) -> str:
    model = report["methods"]["model"]["mean_iou"]
    if "classical" not in report["methods"]:
        return f"mean IoU {model:.3f} (no classical baseline: {report['baseline'].get('error', 'not fitted')})"
    classical = report["methods"]["classical"]["mean_iou"]
    return f"mean IoU {model:.3f} vs classical {classical:.3f} ({report['mean_iou_gain_over_classical']:+.3f})"


def _table(report) -> str:
    """IoU per class, pixel accuracy and mean IoU of every method, as a fixed-width table."""
    return per_class_table(
        report,
        counted=f"{report['pixels_scored']} pixels",
        per_class=("IoU", "iou"),
        summaries=(
            ("mean_iou", "mean IoU"),
            ("mean_iou_objects", "mean IoU, objects"),
            ("pixel_accuracy", "pixel accuracy"),
        ),
        headline=_headline(report),
    )
