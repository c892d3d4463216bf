"""``Detection``: boxes and classes of the objects in an image with YOLO, scored beside a classical detector."""

from __future__ import annotations

import numbers

from kerasdl.apps.annotated_images import AnnotatedImagesTask, per_class_table
from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions
from kerasdl.apps.task import Scores, ServingSpec, TrainingPlan
from kerasdl.errors import UserInputError

SIZES = ("n", "s", "m")  # kerasdl.models.detection.yolo's sizes
MULTIPLE = 32  # the model's input side is a multiple of its largest stride
MAX_IMAGE_SIZE = 1280
CONFIDENCE = 0.25  # what predict and the served model report
EVALUATION_CONFIDENCE = 0.001  # mAP is measured on (nearly) every detection, as COCO's protocol asks
MAX_DETECTIONS = 100  # per image (COCO's limit)
QUALITY_IMAGES = 200  # test images the quantized LiteRT variants are scored on (all of the default scenes' test part)
SERVING_MAX_PIXELS = 40_000_000
# YOLOv8n (3.0M parameters at 10 classes) on batches of 16 64x64 scenes: about 0.09 s a step on two
# CPU cores, 2,000 steps in about 3.5 minutes; Adam with cosine decay. Measured on the digit scenes'
# test part (200 scenes, 783 digits): mAP@.5 0.83 (mAP@[.5:.95] 0.61) vs the classical detector's
# 0.42; a peak learning rate of 2e-3 reached 0.75, 8e-3 0.82.
TRAINING = {"epochs": 20, "steps_per_epoch": 100, "learning_rate": 4e-3, "batch_size": 16}
RECIPES = {
    "yolo": Recipe(
        "yolo",
        options={"size": "n"},
        training=TRAINING,
        summary="YOLO after YOLOv8 (anchor-free, DFL box bins, task-aligned assignment), size n (the default)",
    ),
}


def check_image_size(image_size) -> int:
    """``image_size`` if it is a multiple of 32 from 32 to 1280, else ``UserInputError``."""
    ok = isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool)
    if not ok or not MULTIPLE <= image_size <= MAX_IMAGE_SIZE or image_size % MULTIPLE:
        raise UserInputError(
            f"--image-size must be a multiple of {MULTIPLE} from {MULTIPLE} to {MAX_IMAGE_SIZE}; got {image_size!r}"
        )
    return int(image_size)


def check_confidence(confidence) -> float:
    """``confidence`` if it is a number in [0, 1], else ``UserInputError``."""
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 <= confidence <= 1:
        raise UserInputError(f"--confidence must be a number in [0, 1]; got {confidence!r}")
    return float(confidence)


def default_image_size(images) -> int:
    """The longest side among ``images``, rounded up to a multiple of 32 (at most 640)."""
    longest = max(max(image.shape[:2]) for image in images)
    return int(min(-(-longest // MULTIPLE) * MULTIPLE, 640))


def network_of(model):
    """The YOLO model inside a trained :class:`~kerasdl.models.detection.YOLOTrainer` (or the model itself)."""
    from kerasdl.models.detection import YOLOTrainer

    return model.model if isinstance(model, YOLOTrainer) else model


class Detection(AnnotatedImagesTask):
    """Object detection: a box and a class for every object (YOLO), scored beside a classical detector.

    The model is the registered ``yolo`` builder (after YOLOv8: anchor-free heads at strides 8,
    16 and 32, box sides as distributions over 16 bins), trained by
    :class:`~kerasdl.models.detection.YOLOTrainer` (task-aligned assignment; BCE, CIoU and DFL
    losses) on whole images letterboxed to ``image_size`` (the longer side resized to it, the
    rest padded black at the bottom and right; boxes scaled alike). The classical baseline,
    fitted on the same training images in the same run, thresholds the image (Otsu), takes its
    connected components as boxes and classifies each from its HOG features (scikit-learn).
    Both are scored with COCO's mAP (pycocotools). With no data, both learn generated scenes of
    scikit-learn's handwritten digits on 64x64 black canvases.

    Example:
        >>> detector = Detection()                                   # YOLO n on the digit scenes
        >>> detector.train(epochs=5)                                 # doctest: +SKIP
        >>> detector.evaluate().headline                             # doctest: +SKIP
        >>> found = detector.predict("scene.png")[0]                 # doctest: +SKIP
        >>> found["boxes"], found["class_names"]                     # doctest: +SKIP

    Args:
        model: the recipe (default ``"yolo"``).
        model_options: builder options over the recipe's (``{"size": "s"}``).
        run_dir: where training writes (default ``runs/detect``).
    """

    name = "detect"
    aliases = ("detection",)
    recipes = RECIPES
    default_model = "yolo"

    def __init__(self, model=None, *, model_options=None, run_dir=None):
        super().__init__(model, model_options=model_options, run_dir=run_dir)
        self._detectors: dict = {}

    # ------------------------------------------------------------ what the model is

    @property
    def network(self):
        """The trained YOLO model (raw head outputs), without its training scheme."""
        return network_of(self._require_model())

    @property
    def image_size(self) -> int:
        """The side images are letterboxed to (the model's input side)."""
        return int(self.state.get("image_size") or self.network.input_shape[1])

    @property
    def channels(self) -> int:
        """The image channels the model takes (1 or 3)."""
        return int(self.network.input_shape[-1])

    def _check_model(self, model, source) -> None:
        import keras

        network = network_of(model)
        shape = getattr(network, "input_shape", None)
        out = getattr(network, "output_shape", None)
        ok = (
            isinstance(network, keras.Model)
            and isinstance(shape, tuple)
            and len(shape) == 4
            and shape[1] is not None
            and shape[-1] in (1, 3)
            and isinstance(out, tuple)
            and len(out) == 3
        )
        if not ok:
            raise UserInputError(
                f"{source} is not a detection model (needs (size, size, 1 or 3) images in, (anchors, 4 x 16 + "
                f"classes) out; it maps {shape} to {out})"
            )
        names = self.state.get("class_names")
        if names and out[-1] - 64 != len(names):
            raise UserInputError(f"the run's record names {len(names)} classes but {source} predicts {out[-1] - 64}")

    def _builder_arguments(self, *, channels: int, classes: int, image_size: int) -> dict:
        """The builder's keyword arguments: the recipe's options, the input size and channels, the classes."""
        return {**self.recipe.options, "input_shape": (image_size, image_size, channels), "classes": classes}

    def build_model(self, *, channels: int, classes: int, image_size: int):
        """The untrained detector for ``channels``-channel ``image_size`` images and ``classes`` classes."""
        from kerasdl.registry import get_model

        return get_model(
            self.recipe.builder, **self._builder_arguments(channels=channels, classes=classes, image_size=image_size)
        )

    def _detector(self, confidence: float):
        """The network with decoding and NMS (:func:`~kerasdl.models.detection.yolo_detector`), cached."""
        from kerasdl.apps.detect.serving import detector_for

        network = self.network
        if self._detectors.get("network") is not network:  # trained again, or loaded: the old wrappers go
            self._detectors = {"network": network}
        if confidence not in self._detectors:
            self._detectors[confidence] = detector_for(network, confidence=confidence, max_detections=MAX_DETECTIONS)
        return self._detectors[confidence]

    def _detect(self, images, *, confidence: float) -> list[tuple]:
        from kerasdl.apps.detect.serving import detect_arrays

        return detect_arrays(self._detector(confidence), images, size=self.image_size, channels=self.channels)

    # ------------------------------------------------------------ data

    def _load(self, data, *, channels=None):
        from kerasdl.data.detection import load_detection_data

        return load_detection_data(data, channels=channels)

    def _from_scenes(self, scenes):
        from kerasdl.data.detection import scenes_as_detection

        return scenes_as_detection(scenes)

    def _dataset(self, part, *, image_size: int, channels: int, max_boxes: int, batch_size: int, seed=None):
        """``tf.data`` of ``(images, {"boxes", "labels"})`` batches, letterboxed; endless and shuffled with ``seed``."""
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.detect.serving import prepare_array

        count = len(part.images)
        images = np.zeros((count, image_size, image_size, channels), np.float32)
        boxes = np.zeros((count, max_boxes, 4), np.float32)
        labels = np.full((count, max_boxes), -1, np.int32)
        for i, (image, found, classes) in enumerate(zip(part.images, part.boxes, part.labels)):
            images[i], scale = prepare_array(image, size=image_size, channels=channels)
            boxes[i, : len(found)] = np.asarray(found, np.float32).reshape(-1, 4) * scale
            labels[i, : len(classes)] = classes
        data = tf.data.Dataset.from_tensor_slices((images, {"boxes": boxes, "labels": labels}))
        if seed is None:
            return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
        data = data.shuffle(count, seed=seed, reshuffle_each_iteration=True).repeat()
        return data.batch(batch_size, drop_remainder=count >= batch_size).prefetch(tf.data.AUTOTUNE)

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        val_data=None,
        dataset=None,
        dataset_file=None,
        image_size: int | None = None,
        **training,
    ):
        """Trains on whole images, letterboxed to ``image_size``, and their boxes.

        Args:
            data: a Pascal VOC folder (``JPEGImages/`` or ``images/`` and ``Annotations/*.xml``),
                a YOLO folder (``images/``, ``labels/*.txt`` and ``classes.txt`` or ``data.yaml``)
                or a COCO ``annotations.json`` (or a folder holding one) with its images; 80% of
                the images train, 10% validate and 10% are held out for ``evaluate``.
            val_data: validation data in the same layouts; then all of ``data`` trains and the
                validation data is what ``evaluate`` scores by default.
            dataset: or a named dataset: generated scenes of ``"digits"`` (scikit-learn's, 64x64,
                the default) or ``"mnist"`` digits (128x128, from Keras' cache).
            dataset_file: for MNIST, an ``mnist.npz`` to read instead of Keras' cache.
            image_size: the side images are letterboxed to (a multiple of 32): the longer side is
                resized to it, keeping the aspect, the rest padded black. Default: the longest
                side of the training images, rounded up to a multiple of 32 (64 for the scenes).
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        return self._fit(self._plan(data, val_data, dataset, dataset_file, image_size=image_size, training=training))

    def _plan(self, data, val_data, dataset, dataset_file, *, image_size, training) -> TrainingPlan:
        from kerasdl.models.detection import YOLOTrainer

        config = self.recipe.train_config(**training)
        config.validate()
        if image_size is not None:
            image_size = check_image_size(image_size)
        parts = self._splits(data, val_data, dataset, dataset_file)
        train, val = parts["train"], parts["val"]
        if not train.images or not val.images:
            raise UserInputError(f"{parts['source']} has too few images to train and validate on")
        names = list(train.class_names)
        if not names:
            raise UserInputError(f"{parts['source']} names no object classes")
        max_boxes = max(len(b) for b in [*train.boxes, *val.boxes])
        if max_boxes == 0:
            raise UserInputError(f"{parts['source']} has no boxes to learn from")
        channels = 3 if any(image.shape[-1] == 3 for image in [*train.images, *val.images]) else 1
        size = image_size or default_image_size(train.images)
        kwargs = self._builder_arguments(channels=channels, classes=len(names), image_size=size)
        try:
            self.build_model(channels=channels, classes=len(names), image_size=size)  # bad options fail here
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None
        state = {
            "class_names": names,
            "channels": channels,
            "image_size": size,
            "data": None if data is None else str(data),
            "val_data": None if val_data is None else str(val_data),
            "dataset": None if data is not None else (dataset or "digits"),
            "dataset_file": None if dataset_file is None else str(dataset_file),
        }
        self._remember_data(state, parts)
        test = parts["test"]
        counts = {
            "train_images": len(train.images),
            "val_images": len(val.images),
            "test_images": len(test.images) if test is not None else None,
            "train_objects": int(sum(len(b) for b in train.boxes)),
            "max_objects_per_image": max_boxes,
        }
        description = (
            f"Training {self.model_name} ({len(names)} classes, {'grayscale' if channels == 1 else 'RGB'}) on "
            f"{len(train.images)} images of {parts['source']} ({len(val.images)} validation); "
            f"{config.epochs} epochs x {config.steps_per_epoch} steps of {config.batch_size} images "
            f"letterboxed to {size}x{size}"
        )
        batches = {"image_size": size, "channels": channels, "max_boxes": max_boxes, "batch_size": config.batch_size}
        return TrainingPlan(
            build_model=lambda: YOLOTrainer(self.build_model(channels=channels, classes=len(names), image_size=size)),
            loss=None,
            metrics=None,
            train_data=self._dataset(train, **batches, seed=config.seed),
            val_data=self._dataset(val, **batches),
            config=config,
            description=description,
            state=state,
            summary={**state, "source": parts["source"], **counts, "model_kwargs": kwargs},
        )

    def evaluate(self, data=None, *, output=None, figure=None):
        """COCO mAP (at IoU .5:.95, .5 and .75; AP@.5 per class) beside a classical detector fitted on the same training images.

        Args:
            data: test data in a layout ``train`` takes; None: the run's held-out test images
                (the default scenes' test part, 10% of a folder, or ``--val-data``).
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the figure of boxes, model vs classical vs truth (default ``<run_dir>/detections.png``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.detect.baselines import ClassicalDetector
        from kerasdl.apps.detect.figures import detection_figure

        self._require_model()
        test, dataset = self._test_data(data)
        if not test.images:
            raise UserInputError(f"{dataset} has no images to evaluate on")
        names = self.class_names
        found = {"model": self._detect(test.images, confidence=EVALUATION_CONFIDENCE)}
        train = self._run_data()["train"]
        classical = ClassicalDetector()
        try:
            classical.fit(train.images, train.boxes, train.labels, names)
        except ValueError as err:  # nothing the thresholding finds in the training images
            baseline_error = str(err)
        else:
            baseline_error = None
            found["classical"] = classical.predict_many(test.images)
        scores = {method: _coco(test, detections, names) for method, detections in found.items()}
        metrics = _report(scores, names, dataset=dataset, images=len(test.images), objects=test.boxes)
        metrics["model"] = self.model_name
        metrics["baseline"] = {"name": classical.name, **classical.fit_summary_}
        if baseline_error:
            metrics["baseline"]["error"] = baseline_error
        shown = {self.model_name: [_confident(d, CONFIDENCE) for d in found["model"]]}
        if "classical" in found:
            shown["classical"] = found["classical"]

        def draw(path):
            return detection_figure(test.images, shown, names, path, truth=list(zip(test.boxes, test.labels)))

        return self._report(
            Scores(metrics, _headline(metrics), _table(metrics), {"detection figure": ("detections.png", draw)}),
            output=output,
            figure=figure,
        )

    def predict(self, inputs, *, output_dir=None, confidence: float = CONFIDENCE) -> Predictions:
        """The objects in images of any size: boxes in the image's pixels, their scores and classes.

        Args:
            inputs: image files, folders (their images, recursively), encoded image bytes or
                arrays ``(h, w[, c])``; one or a list.
            output_dir: write ``<name>_boxes.png`` (the boxes drawn over the image) and one
                ``detections.json`` there.
            confidence: the class probability a detection must exceed.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: per image a dict of ``"boxes"`` float32
            ``(k, 4)`` ``[x_min, y_min, x_max, y_max]`` pixels, ``"scores"`` ``(k,)``, ``"labels"``
            int32 ``(k,)`` class indices and ``"class_names"`` (their names), best first; with
            ``output_dir`` also ``"figure"``, the PNG's path.
        """
        import pathlib

        from kerasdl.apps.detect.figures import draw_detections
        from kerasdl.data.images import check_writable_dir, read_image_inputs, save_png
        from kerasdl.files import write_json

        self._require_model()
        confidence = check_confidence(confidence)
        images = read_image_inputs(inputs)  # every input is checked before anything is written
        out_dir = check_writable_dir(output_dir) if output_dir is not None else None
        names = self.class_names
        detections = self._detect([image for _, image in images], confidence=confidence)
        results, records = [], {}
        for (name, image), (boxes, scores, labels) in zip(images, detections):
            result = {
                "boxes": boxes,
                "scores": scores,
                "labels": labels,
                "class_names": [names[k] for k in labels],
            }
            if out_dir is not None:
                stem = pathlib.Path(name).stem if pathlib.Path(name).suffix else name
                drawn = draw_detections(image, boxes, labels, scores, names)
                result["figure"] = save_png(drawn, out_dir / f"{stem}_boxes.png")
                records[name] = {
                    "boxes": boxes.round(2).tolist(),
                    "scores": scores.round(4).tolist(),
                    "labels": labels.tolist(),
                    "class_names": result["class_names"],
                    "figure": str(result["figure"]),
                }
            results.append(result)
        if out_dir is not None:
            write_json({"class_names": names, "confidence": confidence, "images": records}, out_dir / "detections.json")
        return Predictions(results, inputs=[name for name, _ in images])

    # ------------------------------------------------------------ export

    def _serving(self, *, max_pixels: int | None = None, confidence: float = CONFIDENCE) -> ServingSpec:
        """Encoded images in, boxes in their pixels out, letterbox and NMS in the graph (``serving_default``); raw head outputs from float pixels.

        Args:
            max_pixels: the largest image (height x width) the served model takes; a bigger one is
                refused, from its header, before it is decoded. None: 40 megapixels.
            confidence: the class probability a served detection must exceed.
        """
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.detect.serving import detection_endpoint
        from kerasdl.apps.image_to_image import encode_png
        from kerasdl.export import Endpoint
        from kerasdl.export.images import check_max_pixels

        network = self.network
        confidence = check_confidence(confidence)
        max_pixels = check_max_pixels(SERVING_MAX_PIXELS if max_pixels is None else max_pixels)
        names, channels, size = self.class_names, self.channels, self.image_size
        rng = np.random.default_rng(0)
        samples = tf.stack(
            [
                encode_png(tf.constant(rng.random((size, size, 3), dtype=np.float32))),
                encode_png(tf.repeat(tf.constant(rng.random((size // 2 + 8, size + 12, 1), dtype=np.float32)), 3, -1)),
            ]
        )
        endpoint = Endpoint(
            name="serving_default",
            fn=detection_endpoint(
                self._detector(confidence), size=size, channels=channels, class_names=names, max_pixels=max_pixels
            ),
            input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
            sample_inputs=[samples],
        )
        return ServingSpec(
            model=network,
            float_input=tf.TensorSpec([None, size, size, channels], tf.float32, name="image"),
            sample_inputs=rng.random((2, size, size, channels), dtype=np.float32),
            endpoints=[endpoint],
            usage={
                "serving_default": f"image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> boxes: [batch, "
                f"{MAX_DETECTIONS}, 4] float32 [x_min, y_min, x_max, y_max] in the image's pixels, scores: "
                f"[batch, {MAX_DETECTIONS}], classes: [batch, {MAX_DETECTIONS}] int32 (metadata class_names), "
                f"class_names: [batch, {MAX_DETECTIONS}] strings, num_detections: [batch] int32; rows past "
                "num_detections are padding (class -1)",
                "serving_float": f"image: [batch, {size}, {size}, {channels}] float32 in [0, 1], letterboxed -> "
                f"output: [batch, anchors, 64 + {len(names)}] raw YOLO head (box-side bins, class logits)",
            },
            metadata={
                "class_names": names,
                "channels": "grayscale" if channels == 1 else "RGB",
                "image_size": size,
                "letterbox": "longer side resized to image_size keeping the aspect, padded black at the "
                "bottom and right",
                "confidence": confidence,
                "max_detections": MAX_DETECTIONS,
                "max_pixels": max_pixels,
            },
            tflite_input_shape=(1, size, size, channels),
        )

    def _litert_quality(self, data=None):
        """mAP@.5 on the test images (the first 200), as ``evaluate`` scores it; int8 calibrated on training images.

        The LiteRT file is the network alone (letterboxed pixels in, raw head outputs out): each
        file's outputs, one image at a time, are decoded by the app's own decoder and NMS at
        ``evaluate``'s confidence, the boxes mapped back to the images and scored with COCO's
        protocol, as the Keras model's are.

        Args:
            data: test data in a layout ``train`` takes; None: the run's held-out test images.
        """
        import numpy as np

        from kerasdl.apps.detect.serving import detect_arrays, prepare_array
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        self._require_model()
        test, dataset = self._test_data(data)
        test = test.subset(range(min(len(test), QUALITY_IMAGES)))
        if not test.images:
            raise UserInputError(f"{dataset} has no images to score the quantized variants on")
        train = self._run_data()["train"]
        names, size, channels = self.class_names, self.image_size, self.channels
        detector = self._detector(EVALUATION_CONFIDENCE)

        def representative():
            for k in np.random.default_rng(0).permutation(len(train.images))[:CALIBRATION_SAMPLES]:
                yield prepare_array(train.images[k], size=size, channels=channels)[0][None]

        def score(predict):
            found = detect_arrays(detector, test.images, size=size, channels=channels, predict=predict)
            return _coco(test, found, names)["map_50"]

        latency_input = prepare_array(test.images[0], size=size, channels=channels)[0][None]
        return LiteRTQuality(
            metric="map_50",
            data=f"{dataset}, {len(test.images)} images",
            score=score,
            representative=representative,
            latency_input=latency_input,
            max_loss=1.0,
            unit="points",
            points_per_unit=100.0,
            parity_inputs=latency_input,
            calibration=f"{min(CALIBRATION_SAMPLES, len(train.images))} training images, letterboxed, seeded",
        )

    # ------------------------------------------------------------ a served model's inputs and outputs

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s arguments from the inputs ``predict`` takes: their encoded bytes."""
        from kerasdl.apps.served import image_bytes_inputs

        return image_bytes_inputs(inputs)

    @staticmethod
    def serving_outputs(outputs) -> list:
        """Per image ``{"boxes", "scores", "labels", "class_names"}`` from ``serving_default``'s, as ``predict`` returns them."""
        import numpy as np

        found = {k: np.asarray(v) for k, v in outputs.items()}
        results = []
        for i, n in enumerate(found["num_detections"]):
            results.append(
                {
                    "boxes": found["boxes"][i, :n].astype(np.float32),
                    "scores": found["scores"][i, :n].astype(np.float32),
                    "labels": found["classes"][i, :n].astype(np.int32),
                    "class_names": [name.decode() for name in found["class_names"][i, :n]],
                }
            )
        return results


# ---------------------------------------------------------------- the report


def _confident(detections: tuple, confidence: float) -> tuple:
    """The detections scoring above ``confidence`` (NMS kept them with a lower threshold: the same ones)."""
    boxes, scores, labels = detections
    keep = scores > confidence
    return boxes[keep], scores[keep], labels[keep]


def _coco(truth, detections: list, names) -> dict:
    """:func:`~kerasdl.apps.detect.evaluation.coco_map` of per-image ``(boxes, scores, labels)`` against ``truth``'s boxes."""
    from kerasdl.apps.detect.evaluation import coco_map

    return coco_map(
        truth.boxes,
        truth.labels,
        [d[0] for d in detections],
        [d[1] for d in detections],
        [d[2] for d in detections],
        class_names=names,
    )


def _rounded(value):
    return None if value is None else round(float(value), 4)


def _report(scores: dict, names, *, dataset: str, images: int, objects) -> dict:
    """The JSON report: every method's mAP, mAP@.5, mAP@.75 and AP@.5 per class, and the model's gain."""
    methods = {
        method: {
            "map": _rounded(found["map"]),
            "map_50": _rounded(found["map_50"]),
            "map_75": _rounded(found["map_75"]),
            "ap_50_per_class": {name: _rounded(v) for name, v in found["ap_50_per_class"].items()},
        }
        for method, found in scores.items()
    }
    gain = scores["model"]["map_50"] - scores["classical"]["map_50"] if "classical" in scores else None
    return {
        "dataset": dataset,
        "images_scored": images,
        "objects": int(sum(len(b) for b in objects)),
        "class_names": list(names),
        "protocol": "COCO (pycocotools): AP averaged over IoU .5:.95 (map), at .5 and .75, areas all, at most "
        f"{MAX_DETECTIONS} detections per image; the model's above confidence {EVALUATION_CONFIDENCE} after NMS",
        "methods": methods,
        "map_50_gain_over_classical": _rounded(gain),
    }


def _headline(report) -> str:
    model = report["methods"]["model"]["map_50"]
    if "classical" not in report["methods"]:
        return f"mAP@.5 {model:.2f} (no classical baseline: {report['baseline'].get('error', 'not fitted')})"
    classical = report["methods"]["classical"]["map_50"]
    return f"mAP@.5 {model:.2f} vs classical {classical:.2f} ({report['map_50_gain_over_classical']:+.2f})"


def _table(report) -> str:
    """AP@.5 per class and the mAPs of every method, as a fixed-width table."""
    return per_class_table(
        report,
        counted=f"{report['objects']} objects",
        per_class=("AP@.5", "ap_50_per_class"),
        summaries=(("map_50", "mAP@.5"), ("map_75", "mAP@.75"), ("map", "mAP@[.5:.95]")),
        headline=_headline(report),
    )
