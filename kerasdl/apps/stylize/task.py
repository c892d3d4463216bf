"""``Stylize``: neural style transfer, by optimising the image (Gatys) or with a trained stylizer (Johnson), as a Python object."""

from __future__ import annotations

import dataclasses
import pathlib
import time

from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions, Report
from kerasdl.apps.task import Scores, ServingSpec, Task, TrainingPlan
from kerasdl.errors import UserInputError
from kerasdl.models.arguments import is_int

# Johnson et al. trained 40,000 steps of 4 images of 256 pixels; on two CPU cores 128-pixel crops
# and fewer steps give a usable stylizer (see `make bench`).
TRAINING = {"epochs": 10, "steps_per_epoch": 100, "learning_rate": 1e-3, "batch_size": 4}
RECIPES = {
    "johnson": Recipe(
        "fast_stylizer",
        options={"filters": 32, "residual_blocks": 5},
        training=TRAINING,
        summary="Johnson et al.'s transformation network, 5 residual blocks from 32 filters (the default)",
    ),
    "johnson-small": Recipe(
        "fast_stylizer",
        options={"filters": 16, "residual_blocks": 3},
        training=TRAINING,
        summary="the same network at half width and 3 residual blocks (4x faster on CPU)",
    ),
}
STYLE_FILE = "style.png"  # the style image, as trained on, kept in the run folder
OPTIMIZERS = ("lbfgs", "adam")
DEFAULT_STYLE = "the drawn swirls (kerasdl's default style)"
DEFAULT_CONTENT = "scikit-image's and scikit-learn's bundled photos"
MIN_SIDE = 16  # VGG's four poolings before block5 need images of at least 16 pixels


@dataclasses.dataclass
class StylizedReport(Report):
    """What ``optimize`` made.

    Attributes:
        app: the app's name.
        method: ``"lbfgs"`` or ``"adam"``.
        evaluations: loss-and-gradient evaluations per image.
        losses: ``{input: the final loss}``.
        seconds_per_evaluation: mean over the images (XLA compilation excluded).
        files: ``{input: the stylized PNG}``, snapshots and the loss curves.
    """

    app: str
    method: str
    evaluations: int
    losses: dict[str, float]
    seconds_per_evaluation: float
    files: dict[str, pathlib.Path]

    @property
    def title(self) -> str:
        return f"Stylized by {self.method} ({self.evaluations} evaluations each)"


def _layers(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(v).strip() for v in items if str(v).strip())


class Stylize(Task):
    """Neural style transfer: Gatys et al.'s image optimisation, and Johnson et al.'s feed-forward stylizer.

    ``optimize`` paints content images in a style by minimising the content, style and
    total-variation losses over their pixels (Gatys, Ecker & Bethge 2016; L-BFGS or Adam);
    ``train`` fits a transformation network (Johnson, Alahi & Fei-Fei 2016) for one style on
    a folder of content images, which ``predict`` then applies in one forward pass. The
    stylizer is scored by the same loss beside images optimised for a fixed number of evaluations.

    Example:
        >>> stylist = Stylize(style="starry_night.jpg", feature_weights="imagenet")
        >>> stylist.optimize("photo.jpg", iterations=300).files       # doctest: +SKIP
        >>> stylist.train("photos/", epochs=2)                       # doctest: +SKIP
        >>> stylist.predict("another_photo.jpg", output_dir="out")   # doctest: +SKIP

    Args:
        model: ``"johnson"`` (default) or ``"johnson-small"``.
        style: the style image; None: a texture kerasdl draws (swirling strokes).
        backbone: the feature network: a registered vision builder (``vgg19``) or a
            keras.applications model (``VGG19``).
        feature_weights: its weights: None (fixed random weights, seeded), ``imagenet``
            (downloaded by Keras) or a weights file.
        style_layers: the layers that define style (a list, or comma-separated); default
            ``block1_conv1,...,block5_conv1``.
        content_layer: the layer that defines content; default ``block5_conv2``.
        content_weight: weight of the content loss (keras.io's 2.5e-8).
        style_weight: weight of the style loss (keras.io's 1e-6).
        tv_weight: weight of the total variation (keras.io's 1e-6).
        model_options: builder options over the recipe's (``filters``, ``residual_blocks``).
        run_dir: where training writes (default ``runs/stylize``).
    """

    name = "stylize"
    aliases = ("style_transfer",)
    recipes = RECIPES
    default_model = "johnson"
    multi_worker = False
    fresh_verbs = ("optimize",)  # verbs that need no trained model: the command line builds the task afresh

    def __init__(
        self,
        model=None,
        *,
        style=None,
        backbone: str = "vgg19",
        feature_weights=None,
        style_layers=None,
        content_layer: str | None = None,
        content_weight: float = 2.5e-8,
        style_weight: float = 1e-6,
        tv_weight: float = 1e-6,
        model_options=None,
        run_dir=None,
    ):
        from kerasdl.models.style.features import CONTENT_LAYER, STYLE_LAYERS

        for label, value in (
            ("content_weight", content_weight),
            ("style_weight", style_weight),
            ("tv_weight", tv_weight),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise UserInputError(f"--{label.replace('_', '-')} must be a number >= 0; got {value!r}")
        self.style = None if style is None else str(style)
        self.backbone = backbone
        self.feature_weights = None if feature_weights is None else str(feature_weights)
        self.style_layers = _layers(style_layers) or STYLE_LAYERS
        self.content_layer = content_layer or CONTENT_LAYER
        self.weights = {"content_weight": content_weight, "style_weight": style_weight, "tv_weight": tv_weight}
        self._features = None
        super().__init__(model, model_options=model_options, run_dir=run_dir)

    def _init_arguments(self) -> dict:
        return {
            **super()._init_arguments(),
            "style": self.style,
            "backbone": self.backbone,
            "feature_weights": self.feature_weights,
            "style_layers": list(self.style_layers),
            "content_layer": self.content_layer,
            **self.weights,
        }

    def _check_model(self, model, source) -> None:
        shape = tuple(model.input_shape)
        if len(shape) != 4 or shape[-1] != 3 or tuple(model.output_shape)[-1] != 3:
            raise UserInputError(f"{source} is not a stylizer (RGB images in, RGB images out)")

    # ------------------------------------------------------------ the loss

    def feature_network(self):
        """The frozen feature network (built once); bad backbones and layers raise ``UserInputError``."""
        if self._features is None:
            from kerasdl.models.style.features import style_feature_extractor

            weights = self.feature_weights
            if weights not in (None, "imagenet") and not pathlib.Path(weights).is_file():
                raise UserInputError(f"--feature-weights: no such weights file: {weights}")
            try:
                self._features = style_feature_extractor(
                    self.backbone, weights=weights, style_layers=self.style_layers, content_layer=self.content_layer
                )
            except ValueError as err:
                raise UserInputError(str(err).split("\n", 1)[0]) from None
        return self._features

    def style_image(self, side: int | None = None):
        """The style image (float RGB), its shorter side resized to ``side`` when given."""
        from kerasdl.apps.stylize.data import as_rgb, default_style, resize_shorter
        from kerasdl.data.images import load_image

        kept = self.run_dir / STYLE_FILE
        if self.state.get("style_file") and kept.is_file():
            path = kept
        elif self.style is None:
            path = default_style()
        else:
            path = pathlib.Path(self.style)
            if not path.is_file():
                raise UserInputError(f"--style: no such style image: {path}")
        image = as_rgb(load_image(path))
        return resize_shorter(image, side) if side else image

    def gatys_loss(self, side: int):
        """The :class:`~kerasdl.losses.style.GatysLoss` of this task's style, its image at ``side`` pixels."""
        from kerasdl.losses.style import GatysLoss

        return GatysLoss(
            self.feature_network(),
            self.style_image(side),
            style_layers=self.style_layers,
            content_layer=self.content_layer,
            **self.weights,
        )

    def _describe_style(self) -> str:
        return self.state.get("style") or self.style or DEFAULT_STYLE

    # ------------------------------------------------------------ data

    def _content_files(self, data, val_data):
        from kerasdl.apps.stylize.data import default_content
        from kerasdl.data.images import find_images, training_and_validation_files

        if data is None:
            default = default_content()
            return find_images(default["train"]), find_images(val_data or default["val"])
        return training_and_validation_files(data, val_data)

    def _test_files(self, data):
        from kerasdl.apps.stylize.data import default_content
        from kerasdl.data.images import find_images

        if data is not None:
            return find_images(data), str(data)
        if self.state.get("data"):
            return self._content_files(self.state["data"], self.state.get("val_data"))[1], (
                f"held-out images of {self.state['data']}"
            )
        return find_images(default_content()["test"]), f"{DEFAULT_CONTENT} (test part)"

    @staticmethod
    def _load(files, side: int | None = None):
        """RGB float images; with ``side``, those with a shorter side below it are enlarged to it."""
        from kerasdl.apps.stylize.data import as_rgb, resize_shorter
        from kerasdl.data.images import load_image

        images = [as_rgb(load_image(f)) for f in files]
        if side:
            images = [resize_shorter(im, side) if min(im.shape[:2]) < side else im for im in images]
        return images

    # ------------------------------------------------------------ verbs

    def train(self, data=None, *, val_data=None, image_size: int = 128, **training):
        """Trains the stylizer for this task's style on random crops of content images (Johnson et al.'s loss).

        Args:
            data: a folder of content images (recursive); None: scikit-image's bundled photos.
            val_data: a folder of validation images; default: every tenth image of ``data``.
            image_size: the side of the square training crops (the style image is resized
                to it); images smaller than that are enlarged.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        from kerasdl.apps.stylize.data import content_batches, fixed_crops
        from kerasdl.data.images import save_png
        from kerasdl.losses.style import PerceptualStyleLoss
        from kerasdl.registry import get_model

        if not is_int(image_size, 16):
            raise UserInputError(f"--image-size must be an integer of at least 16; got {image_size!r}")
        config = self.recipe.train_config(**training)
        config.validate()
        style = self.style_image(image_size)  # a missing style image fails here, before anything is written
        self.feature_network()  # and a bad backbone or layer name
        train_files, val_files = self._content_files(data, val_data)
        train_images, val_images = self._load(train_files, image_size), self._load(val_files, image_size)
        options = dict(self.recipe.options)
        try:
            get_model(self.recipe.builder, **options)
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None
        loss = PerceptualStyleLoss()

        def build_model():
            loss.bind(self.gatys_loss(image_size))  # the feature network inside the strategy's scope
            return get_model(self.recipe.builder, **options)

        description = (
            f"Training {self.model_name} on {len(train_images)} images from {data or DEFAULT_CONTENT} "
            f"in the style of {self.style or DEFAULT_STYLE}; {config.epochs} epochs x {config.steps_per_epoch} "
            f"steps of {config.batch_size} crops of {image_size} px"
        )
        state = {
            "data": None if data is None else str(data),
            "val_data": None if val_data is None else str(val_data),
            "style": self.style or DEFAULT_STYLE,
            "style_file": STYLE_FILE,
            "image_size": image_size,
        }
        return self._fit(
            TrainingPlan(
                build_model=build_model,
                loss=loss,
                metrics=[],
                train_data=content_batches(
                    train_images, side=image_size, batch_size=config.batch_size, seed=config.seed
                ),
                val_data=fixed_crops(val_images, side=image_size, count=8, batch_size=config.batch_size),
                config=config,
                description=description,
                state=state,
                summary={**state, "backbone": self.backbone, "feature_weights": self.feature_weights or "random"},
                files={STYLE_FILE: lambda path: save_png(style, path)},
            )
        )

    def evaluate(
        self,
        data=None,
        *,
        image_size: int | None = None,
        evaluations: int = 300,
        baseline: bool = True,
        output=None,
        figure=None,
    ):
        """The stylizer's Gatys loss on held-out content images, beside images optimised with L-BFGS.

        Args:
            data: a folder of content images; None: the run's held-out images (the bundled
                test photos by default).
            image_size: the images' side (their centre squares; default: the training crops').
            evaluations: L-BFGS evaluations of the optimised baseline, per image.
            baseline: also optimise each image (the slow part).
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the content / style / result panels (default ``<run_dir>/panels.png``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        import numpy as np

        from kerasdl.apps.stylize.figures import panels_figure
        from kerasdl.apps.stylize.optimize import optimize_image

        model = self._require_model()
        side = image_size or self.state.get("image_size") or 128
        if not is_int(side, 16) or not is_int(evaluations):
            raise UserInputError("--image-size must be at least 16 and --evaluations a positive integer")
        files, dataset = self._test_files(data)
        images = self._square(self._load(files, side), side)
        gatys = self.gatys_loss(side)
        rows, shown = [], []
        for file, content in zip(files, images):
            targets = gatys.content_targets(content[None])
            start = time.perf_counter()
            stylized = np.asarray(model(content[None], training=False))
            seconds = time.perf_counter() - start
            row = {
                "image": pathlib.Path(file).name,
                "stylizer_loss": float(gatys(stylized, targets)[0]),
                "stylizer_seconds": seconds,
            }
            panel = {"content": content, "stylizer": stylized[0]}
            if baseline:
                result = optimize_image(
                    lambda x, t=targets: gatys(x, t)[0], content, evaluations=evaluations, progress=False
                )
                row.update(
                    optimized_loss=result.loss,
                    optimized_seconds=result.seconds + result.compile_seconds,
                    loss_ratio=row["stylizer_loss"] / max(result.loss, 1e-12),
                )
                panel["optimized"] = result.image
            rows.append(row)
            shown.append(panel)
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "image"}
        metrics = {
            "model_name": self.model_name,
            "data": f"{dataset}, {len(rows)} images at {side} px",
            "style": self._describe_style(),
            "feature_network": f"{self.backbone} ({self.feature_weights or 'fixed random weights, seed 0'})",
            "baseline": f"L-BFGS, {evaluations} evaluations" if baseline else None,
            "mean": mean,
            "images": rows,
        }
        headline = f"Gatys loss of the stylizer {mean['stylizer_loss']:.4g}"
        if baseline:
            speedup = mean["optimized_seconds"] / max(mean["stylizer_seconds"], 1e-9)
            headline += (
                f" vs L-BFGS ({evaluations} evaluations) {mean['optimized_loss']:.4g} "
                f"(x{mean['loss_ratio']:.2f}), {speedup:.0f}x faster per image"
            )
        table = "\n".join(
            f"{r['image']:<24} stylizer {r['stylizer_loss']:>10.4g}"
            + (f"   optimised {r['optimized_loss']:>10.4g}   ratio {r['loss_ratio']:.2f}" if baseline else "")
            for r in rows
        )
        style = self.style_image(side)
        return self._report(
            Scores(
                metrics,
                headline,
                table,
                figures={"panels figure": ("panels.png", lambda path: panels_figure(shown, style, path=path))},
            ),
            output=output,
            figure=figure,
        )

    @staticmethod
    def _square(images, side):
        from kerasdl.apps.stylize.data import centre_crop, resize_shorter

        return [centre_crop(resize_shorter(im, side), side) for im in images]

    def predict(self, inputs, *, output_dir=None) -> Predictions:
        """Stylizes images of any size with the trained stylizer, one forward pass each.

        Args:
            inputs: image files, folders (their images, recursively), encoded image bytes or
                arrays ``(h, w[, c])``; one or a list. Gray images are stylized as RGB.
            output_dir: write ``<name>_stylized.png`` files there and return their paths.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: float32 RGB images in [0, 1], or the
            written paths with ``output_dir``; ``.inputs`` names each input.
        """
        import numpy as np

        from kerasdl.apps.stylize.data import as_rgb
        from kerasdl.data.images import check_writable_dir, read_image_inputs, save_png

        model = self._require_model()
        images = read_image_inputs(inputs)
        folder = check_writable_dir(output_dir) if output_dir is not None else None
        results = []
        for name, image in images:
            stylized = np.asarray(model(as_rgb(image)[None], training=False))[0]
            if folder is None:
                results.append(stylized)
            else:
                stem = pathlib.Path(name).stem if pathlib.Path(name).suffix else name
                results.append(save_png(stylized, folder / f"{stem}_stylized.png"))
        return Predictions(results, inputs=[name for name, _ in images])

    def optimize(
        self,
        inputs,
        *,
        iterations: int = 500,
        optimizer: str = "lbfgs",
        learning_rate: float = 0.02,
        image_size: int = 256,
        every: int | None = None,
        output_dir=None,
        jit_compile: bool | None = None,
    ) -> StylizedReport:
        """Paints each content image in the style by optimising its pixels (Gatys et al. 2016).

        Args:
            inputs: content image files, folders, encoded bytes or arrays; one or a list.
            iterations: loss-and-gradient evaluations per image (Adam's steps; L-BFGS' function
                evaluations, line searches included).
            optimizer: ``lbfgs`` (SciPy's L-BFGS-B, within [0, 1]) or ``adam``.
            learning_rate: Adam's step size on the [0, 1] pixel scale.
            image_size: the images are resized so their longer side is at most this.
            every: also write the image every this many evaluations (``<name>_<n>.png``).
            output_dir: where the images and the loss curves go (default ``<run_dir>/optimized``).
            jit_compile: compile the loss and gradient with XLA (default: on with a GPU; on CPU
                TensorFlow's own convolutions were faster).

        Returns:
            A :class:`StylizedReport`.
        """
        from kerasdl.apps.stylize.data import as_rgb, resize_shorter
        from kerasdl.apps.stylize.figures import loss_curves_figure
        from kerasdl.apps.stylize.optimize import optimize_image
        from kerasdl.data.images import check_writable_dir, read_image_inputs, save_png

        if optimizer not in OPTIMIZERS:
            raise UserInputError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}")
        for label, value in (("iterations", iterations), ("image_size", image_size), ("every", every or 1)):
            if not is_int(value):
                raise UserInputError(f"--{label.replace('_', '-')} must be a positive integer; got {value!r}")
        if not learning_rate > 0:
            raise UserInputError(f"--learning-rate must be positive; got {learning_rate}")
        images = read_image_inputs(inputs)
        self.style_image()  # a missing style image fails before anything is written
        self.feature_network()
        folder = check_writable_dir(output_dir if output_dir is not None else self.run_dir / "optimized")
        files, losses, curves, per_evaluation = {}, {}, {}, []
        for name, image in images:
            content = self._fit_inside(as_rgb(image), image_size)
            if min(content.shape[:2]) < MIN_SIDE:  # the feature network halves it four times
                content = resize_shorter(content, MIN_SIDE)
            gatys = self.gatys_loss(min(content.shape[:2]))
            targets = gatys.content_targets(content[None])
            stem = pathlib.Path(name).stem if pathlib.Path(name).suffix else name

            def snapshot(n, pixels, stem=stem):
                save_png(pixels, folder / f"{stem}_{n:05d}.png")

            result = optimize_image(
                lambda x, t=targets, g=gatys: g(x, t)[0],
                content,
                method=optimizer,
                evaluations=iterations,
                learning_rate=learning_rate,
                every=every,
                on_image=snapshot,
                jit_compile=jit_compile,
            )
            files[name] = save_png(result.image, folder / f"{stem}_stylized.png")
            losses[name] = result.loss
            curves[name] = result.best_losses
            per_evaluation.append(result.seconds / max(result.evaluations - 1, 1))
        files["loss curves"] = loss_curves_figure(curves, folder / "loss_curves.png", title=f"{optimizer} loss")
        return self._announce(
            StylizedReport(
                app=self.name,
                method=optimizer,
                evaluations=iterations,
                losses=losses,
                seconds_per_evaluation=float(sum(per_evaluation) / len(per_evaluation)),
                files=files,
            )
        )

    @staticmethod
    def _fit_inside(image, side):
        from skimage.transform import resize

        h, w = image.shape[:2]
        if max(h, w) <= side:
            return image
        scale = side / max(h, w)
        return resize(image, (round(h * scale), round(w * scale), 3), anti_aliasing=True).astype("float32")

    # ------------------------------------------------------------ export

    def _serving(self, *, max_pixels: int | None = None, tflite_size: int | None = None) -> ServingSpec:
        """Encoded images in, stylized PNGs out (``serving_default``); float RGB images in (``serving_float``, LiteRT).

        Args:
            max_pixels: the largest image (height x width) the served model takes; a bigger
                one is refused, from its header, before it is decoded (default 4 megapixels).
            tflite_size: the side of the square images the LiteRT file takes (its
                converter needs a fixed size for the upsampling convolutions); default:
                the training crops' side.
        """
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.image_to_image import encode_png, png_endpoint
        from kerasdl.export import Endpoint
        from kerasdl.export.images import check_max_pixels

        max_pixels = check_max_pixels(4_000_000 if max_pixels is None else max_pixels)
        side = tflite_size or self.state.get("image_size") or 128
        if not is_int(side, 16):
            raise UserInputError(f"--tflite-size must be an integer of at least 16; got {side!r}")
        model = self.model

        def stylize(image):
            rgb = image if image.shape[-1] == 3 else tf.image.grayscale_to_rgb(image)
            return model(rgb[None], training=False)[0]

        rng = np.random.default_rng(0)
        samples = tf.stack(
            [
                encode_png(tf.constant(rng.random((20, 28, 3), dtype=np.float32))),
                encode_png(tf.repeat(tf.constant(rng.random((24, 20, 1), dtype=np.float32)), 3, axis=-1)),
            ]
        )
        png = Endpoint(
            name="serving_default",
            fn=png_endpoint(stylize, max_pixels=max_pixels),
            input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
            sample_inputs=[samples],
            compare="png",
        )
        return ServingSpec(
            model=model,
            float_input=tf.TensorSpec([None, None, None, 3], tf.float32, name="image"),
            sample_inputs=rng.random((2, side, side, 3), dtype=np.float32),
            endpoints=[png],
            tflite_input_shape=(1, side, side, 3),
            usage={
                "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> image_png: [batch] stylized RGB PNG",
                "serving_float": "image: [batch, h, w, 3] float32 in [0, 1] -> output: [batch, h, w, 3] in [0, 1]",
                "model.tflite": f"image: [1, {side}, {side}, 3] float32 in [0, 1] -> [1, {side}, {side}, 3]",
            },
            metadata={
                "style": self._describe_style(),
                "feature_network": self.backbone,
                "max_pixels": max_pixels,
                "tflite_input_shape": [1, side, side, 3],
            },
        )

    def _litert_quality(self, data=None):
        """The Gatys loss of a variant's output on held-out content images, in percent of the Keras model's; int8 calibrated on training crops.

        Args:
            data: a folder of content images to score on; None: the run's held-out images.

        The stylizer's job is the loss it was trained on, so a quantized variant is judged by
        how much that loss rises on the run's test images (centre squares at the training
        size): the score is its mean loss in percent of the Keras model's (100), lower is
        better, and a variant may lose 10 points by default. A PSNR against the Keras output
        would punish a harmlessly moved brush stroke as much as a lost style.
        """
        import numpy as np

        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        model = self._require_model()
        side = self.state.get("image_size") or 128
        files, dataset = self._test_files(data)
        images = self._square(self._load(files, side), side)
        gatys = self.gatys_loss(side)
        targets = [gatys.content_targets(im[None]) for im in images]
        train_files, _ = self._content_files(self.state.get("data"), self.state.get("val_data"))
        train_images = self._load(train_files, side)

        def mean_loss(predict):
            outputs = [np.asarray(predict(im[None]), np.float32) for im in images]
            return float(np.mean([float(gatys(out, t)[0]) for out, t in zip(outputs, targets)]))

        keras_loss = max(mean_loss(lambda x: model(x, training=False)), 1e-12)

        def representative():
            rng = np.random.default_rng(0)
            for _ in range(min(CALIBRATION_SAMPLES, 50)):
                image = train_images[rng.integers(len(train_images))]
                y, x = rng.integers(image.shape[0] - side + 1), rng.integers(image.shape[1] - side + 1)
                yield image[None, y : y + side, x : x + side].astype(np.float32)

        return LiteRTQuality(
            metric="gatys_loss_percent",
            data=f"{dataset}, {len(images)} images at {side} px",
            score=lambda predict: 100.0 * mean_loss(predict) / keras_loss,
            representative=representative,
            latency_input=images[0][None],
            max_loss=10.0,
            unit="% of the Keras model's loss",
            parity_inputs=images[0][None],
            higher_is_better=False,
        )

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s arguments from the inputs ``predict`` takes: their encoded bytes."""
        from kerasdl.apps.served import image_bytes_inputs

        return image_bytes_inputs(inputs)

    @staticmethod
    def serving_outputs(outputs) -> list:
        """Float32 RGB images in [0, 1] from ``serving_default``'s PNGs."""
        from kerasdl.apps.served import png_image_outputs

        return png_image_outputs(outputs)
