"""``ImageTranslation``: pix2pix, CycleGAN and the L1-only U-Net, scored beside classical baselines, as a Python object."""

from __future__ import annotations

import math

from kerasdl.apps.image_to_image import ImageToImageTask
from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions
from kerasdl.apps.task import Scores, ServingSpec, TrainingPlan
from kerasdl.errors import UserInputError

DIRECTIONS = ("AtoB", "BtoA")  # kerasdl.data.paired_images.DIRECTIONS, without importing NumPy
# Adam at 2e-4 with beta_1 = 0.5, as both papers train (and the same for the L1-only ablation).
TRAINING = {"epochs": 20, "steps_per_epoch": 100, "learning_rate": 2e-4, "batch_size": 16}
# The papers' networks at a quarter of their width (16 filters, at most 128), for CPUs.
GENERATOR = {"filters": 16, "max_filters": 128}
RECIPES = {
    "pix2pix": Recipe(
        "pix2pix",
        options={**GENERATOR, "discriminator_filters": 16},
        training=TRAINING,
        summary="pix2pix: U-Net generator, PatchGAN discriminator, GAN + 100 x L1 loss, paired data (the default)",
    ),
    "cyclegan": Recipe(
        "cyclegan",
        options={"filters": 16, "num_blocks": 6, "discriminator_filters": 16},
        training=TRAINING,
        summary="CycleGAN: two ResNet generators, two PatchGANs, cycle consistency; unpaired data",
    ),
    # The same generator as pix2pix's, trained on L1 alone: the paper's ablation (Table 1, "L1").
    "unet-l1": Recipe(
        "pix2pix_generator",
        options=dict(GENERATOR),
        training=TRAINING,
        summary="pix2pix's U-Net generator trained on L1 alone (the paper's ablation), paired data",
    ),
}
KINDS = {"pix2pix": "pix2pix", "cyclegan": "cyclegan", "pix2pix_generator": "generator"}
DEFAULT_TILE = 256
# The PatchGAN receptive fields patchgan_discriminator takes.
RECEPTIVE_FIELDS = (1, 16, 34, 70, 142, 286)


def generator_depth(patch_size: int) -> int:
    """The U-Net depth for a training crop: down to a 1x1 bottleneck (pix2pix: 8 levels for 256 px), 1 to 8."""
    return max(1, min(8, int(math.log2(patch_size))))


def receptive_field(patch_size: int) -> int:
    """The PatchGAN receptive field for a training crop: the largest of the valid ones within half of it.

    256 px crops get pix2pix's 70x70 discriminator, 32 px crops a 16x16 one.
    """
    return max([f for f in RECEPTIVE_FIELDS if f <= patch_size // 2] or [1])


def cyclegan_receptive_field(patch_size: int) -> int:
    """CycleGAN's PatchGAN receptive field for a training crop: the paper's 70x70, or the whole crop if smaller.

    Without pairs only the discriminators see whether a translation keeps the image's
    shapes, so below 70 px they judge the whole crop (the smallest valid field covering it):
    on MNIST's 32 px digits a 16x16 PatchGAN let the generators bend the digits (8.9 dB
    against the true transform, labels kept 63%), a 34x34 one at the same steps and cost
    kept them (24.5 dB, 98%; ``benchmarks/img2img.py``). 256 px crops get 70x70.
    """
    covering = next((f for f in RECEPTIVE_FIELDS if f >= patch_size), RECEPTIVE_FIELDS[-1])
    return min(70, covering)


def _checked_direction(direction) -> str:
    if direction not in DIRECTIONS:
        raise UserInputError(f"direction must be AtoB or BtoA; got {direction!r}")
    return direction


class ImageTranslation(ImageToImageTask):
    """Image-to-image translation (pix2pix, CycleGAN, the L1-only U-Net) scored beside the input and histogram matching.

    pix2pix (Isola et al. 2017) learns from pairs (the same scene in domains A and B); CycleGAN
    (Zhu et al. 2017) from two unpaired sets; ``unet-l1`` is pix2pix's generator trained on L1
    alone, the paper's ablation. With no data, the models learn to fill in digits from their
    edges (pix2pix, ``unet-l1``) or to turn digits into bold, inverted ones (CycleGAN), made
    from scikit-learn's digits.

    Example:
        >>> translator = ImageTranslation()                            # pix2pix
        >>> translator.train("facades/train", direction="BtoA")        # doctest: +SKIP
        >>> translator.evaluate("facades/test").headline               # doctest: +SKIP
        >>> photo = translator.predict("labels.png")[0]                # doctest: +SKIP

    Args:
        model: ``"pix2pix"`` (default), ``"cyclegan"`` or ``"unet-l1"``.
        channels: 1 (grayscale) or 3 (RGB); None: the data's (1 when every image is gray).
        model_options: builder options over the recipe's (``{"filters": 64}``, ``{"depth": 8}``...).
        run_dir: where training writes (default ``runs/img2img``).
    """

    name = "img2img"
    aliases = ("image_translation",)
    recipes = RECIPES
    default_model = "pix2pix"
    input_name = "source"
    default_data = "scikit-learn digits"
    default_tile = DEFAULT_TILE

    def __init__(self, model=None, *, channels: int | None = None, model_options=None, run_dir=None):
        if channels not in (None, 1, 3):
            raise UserInputError(f"channels must be 1 or 3; got {channels!r}")
        super().__init__(model, channels=channels or 3, model_options=model_options, run_dir=run_dir)
        self.channels = channels
        self._direction = None

    # ------------------------------------------------------------ what the model is

    @property
    def kind(self) -> str:
        """``"pix2pix"``, ``"cyclegan"`` or ``"generator"`` (the L1-only U-Net)."""
        return KINDS[self.recipe.builder]

    @property
    def direction(self) -> str:
        """The direction the model was trained to translate (``AtoB`` or ``BtoA``)."""
        return self.state.get("direction") or "AtoB"

    def generator(self, direction: str | None = None):
        """The trained generator that translates in ``direction`` (a CycleGAN has one each way)."""
        from kerasdl.apps.img2img.translate import generator_of

        model = self._require_model()
        direction = self._direction_for(direction)
        if self.kind != "cyclegan":
            return generator_of(model)
        return generator_of(model, "AtoB" if direction == self.direction else "BtoA")

    def _direction_for(self, direction) -> str:
        """``direction`` checked (default: the trained one); one generator translates only its own way."""
        if direction is None:
            return self.direction
        _checked_direction(direction)
        if self.kind != "cyclegan" and direction != self.direction:
            raise UserInputError(
                f"this {self.model_name} model translates {self.direction} only; train one with "
                f"--direction {direction} for the other way"
            )
        return direction

    def _check_model(self, model, source) -> None:
        from kerasdl.apps.img2img.translate import check_translator, generator_channels, generator_of

        check_translator(model, source, kind=self.kind)
        self.channels = generator_channels(generator_of(model))

    # ------------------------------------------------------------ data

    def _default_kind(self) -> str:
        return "inverted" if self.kind == "cyclegan" else "edges"

    def _read(self, data, *, channels=None):
        from kerasdl.data.paired_images import load_pairs

        return load_pairs(data, channels=channels, paired=self.kind != "cyclegan")

    def _training_pairs(self, data, val_data, *, channels=None):
        """``(training, validation)`` pairs, A and B as the data has them (not yet oriented)."""
        from kerasdl.data.paired_images import dataset_splits, default_pairs

        splits = dataset_splits(data)
        if splits is not None:  # a dataset as its authors ship it: its training part, its validation part
            data, val_data = splits["train"], val_data if val_data is not None else splits["val"]
        if data is None:
            default = default_pairs(self._default_kind())
            train = default["train"]
            val = default["val"] if val_data is None else self._read(val_data, channels=train.channels)
        else:
            found = self._read(data, channels=channels)
            if val_data is None:
                train, val = found.split()
            else:
                train, val = found, self._read(val_data, channels=found.channels)
        if channels is not None and train.channels != channels:
            train, val = train.with_channels(channels), val.with_channels(channels)
        return train, val

    def _evaluation_pairs(self, data):
        """``(test, name, training)``: the test pairs (not yet oriented), how to name them, and the run's training pairs.

        The test pairs are ``data``'s; else the run's held-out pairs (the digits' test part
        for the default, the test part of a dataset folder as its authors ship it: see
        :func:`~kerasdl.data.paired_images.dataset_splits`). The training pairs are None when
        ``data`` is given (see :meth:`_run_training`).
        """
        from kerasdl.data.paired_images import dataset_splits, default_pairs

        channels = self.channels
        if data is not None:
            data = (dataset_splits(data) or {}).get("test") or data  # a dataset folder: its test part
            return self._read(data, channels=channels), _label(data), None
        trained_on, val_data = self.state.get("data"), self.state.get("val_data")
        if trained_on is None:
            default = default_pairs(self._default_kind())
            name = f"{self.default_data} ({self._default_kind()}, test part)"
            return default["test"].with_channels(channels), name, default["train"].with_channels(channels)
        train, val = self._training_pairs(trained_on, val_data, channels=channels)
        test = (dataset_splits(trained_on) or {}).get("test")
        if test is not None:
            return self._read(test, channels=channels), _label(test), train
        return val, f"held-out pairs of {_label(trained_on)}" if val_data is None else _label(val_data), train

    def _run_training(self):
        """The run's training pairs (for calibration, or domain B's histogram)."""
        train, _ = self._training_pairs(self.state.get("data"), self.state.get("val_data"), channels=self.channels)
        return train

    # ------------------------------------------------------------ the model

    def _builder_arguments(self, patch_size: int = 32) -> dict:
        """The builder's keyword arguments: the recipe's options, the channels, and what the crop size decides.

        A U-Net goes down to a 1x1 bottleneck (:func:`generator_depth`); a discriminator sees
        patches of at most half the crop (:func:`receptive_field`; CycleGAN's the whole crop up
        to 70x70, :func:`cyclegan_receptive_field`), unless the options say.
        """
        options = dict(self.recipe.options)
        channels = self.channels or 3
        if self.kind != "cyclegan":
            options.setdefault("depth", generator_depth(patch_size))
        if self.kind == "cyclegan":
            options.setdefault("receptive_field", cyclegan_receptive_field(patch_size))
        elif self.kind != "generator":
            options.setdefault("receptive_field", receptive_field(patch_size))
        return {"input_shape": (None, None, channels), "output_channels": channels, **options}

    def build_model(self, patch_size: int = 32):
        """The untrained model, as ``train`` builds it for ``patch_size`` crops (the recipe's builder and options)."""
        from kerasdl.registry import get_model

        return get_model(self.recipe.builder, **self._builder_arguments(patch_size))

    # ------------------------------------------------------------ verbs

    def train(self, data=None, *, val_data=None, direction: str = "AtoB", patch_size: int = 32, **training):
        """Trains on aligned random crops of pairs (pix2pix, ``unet-l1``) or crops of two unpaired sets (CycleGAN).

        Args:
            data: a folder of pix2pix pair images (A and B side by side); a folder holding
                ``A/`` and ``B/`` (or CycleGAN's ``trainA/`` and ``trainB/``), pairs matched by
                file name; or two folders ``(A, B)``. CycleGAN takes folders whose names do not
                match. A dataset as pix2pix's or CycleGAN's authors ship it (``facades/`` with
                ``train/``, ``val/``, ``test/``; ``horse2zebra/`` with ``trainA/``...) trains
                on its training part, validates on ``val/`` and is tested on its test part.
                None: scikit-learn's digits (edges to digits, or digits to bold inverted
                digits for CycleGAN).
            val_data: validation data in the same layout; default: every tenth pair held out
                (a dataset's own ``val/``).
            direction: ``AtoB`` translates A into B, ``BtoA`` the other way (a CycleGAN learns
                both; this is the way it predicts and exports by default).
            patch_size: the side of the training crops (images smaller than it are enlarged);
                the U-Net's depth and the discriminator's receptive field follow from it.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        return self._fit(self._plan(data, val_data, direction=direction, patch_size=patch_size, training=training))

    def _plan(self, data, val_data, *, direction, patch_size, training) -> TrainingPlan:
        from kerasdl.apps.generation.task import gan_optimizer
        from kerasdl.apps.img2img.translate import generator_of, minimum_side
        from kerasdl.data import paired_images
        from kerasdl.metrics.image_quality import psnr

        config = self.recipe.train_config(**training)
        config.validate()
        direction = _checked_direction(direction)
        if not isinstance(patch_size, int) or isinstance(patch_size, bool) or patch_size < 8:
            raise UserInputError(f"--patch-size must be an integer of at least 8; got {patch_size!r}")
        train, val = self._training_pairs(data, val_data, channels=self.channels)
        self.channels = train.channels
        train, val = train.oriented(direction), val.oriented(direction)
        kwargs = self._builder_arguments(patch_size)
        try:
            model = self.build_model(patch_size)  # bad options fail here, before the run folder exists
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None
        side = max(minimum_side(generator_of(model, d)) for d in DIRECTIONS)
        if patch_size < side:
            raise UserInputError(
                f"--patch-size {patch_size} is too small for this model: it needs crops of at least {side} pixels"
            )
        gan = self.kind != "generator"
        source = data if data is not None else self.default_data
        description = (
            f"Training {self.model_name} ({'grayscale' if self.channels == 1 else 'RGB'}, {direction}) on "
            f"{train.describe()}; {config.epochs} epochs x {config.steps_per_epoch} steps of {config.batch_size} "
            f"{patch_size}x{patch_size} crops"
        )
        state = {
            "data": None if data is None else _plain(data),
            "val_data": None if val_data is None else _plain(val_data),
            "direction": direction,
            "patch_size": patch_size,
            "paired": train.paired,
        }
        return TrainingPlan(
            build_model=lambda: self.build_model(patch_size),
            loss=None if gan else "mean_absolute_error",
            metrics=None if gan else [psnr],
            train_data=paired_images.training_dataset(
                train, patch_size=patch_size, batch_size=config.batch_size, seed=config.seed
            ),
            val_data=paired_images.validation_dataset(val, patch_size=patch_size, batch_size=config.batch_size),
            config=config,
            description=description,
            state=state,
            summary={
                "data": state["data"],
                "source": str(source),
                "train_images": [len(train.a), len(train.b)],
                "val_images": [len(val.a), len(val.b)],
                "patch_size": patch_size,
                "direction": direction,
                "model_kwargs": kwargs,
                "batch_size": config.batch_size,
            },
            optimizer=gan_optimizer,
            monitor=None if gan else "val_loss",  # a GAN's losses do not rank its epochs: the last one is kept
        )

    def evaluate(self, data=None, *, direction: str | None = None, output=None, figure=None, tile: int = DEFAULT_TILE):
        """PSNR/SSIM against the true targets beside the input itself and histogram matching; no-reference without pairs.

        Args:
            data: test data in any layout ``train`` takes; None: the run's held-out pairs (for
                the default, the digits' test part; for a dataset folder as pix2pix's or
                CycleGAN's authors ship it, its ``test/`` or ``testA/`` and ``testB/``).
            direction: ``AtoB`` or ``BtoA`` (default: the trained direction; CycleGAN: either).
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the panels figure (default ``<run_dir>/panels.png``).
            tile: tile side for large images.

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.img2img.evaluation import HistogramMatcher, evaluate_pairs, format_table, headline
        from kerasdl.apps.img2img.figures import cycle_figure, panels_figure

        self._require_model()
        direction = self._direction_for(direction)
        self._check_tile(tile)
        pairs, dataset, train = self._evaluation_pairs(data)
        pairs = pairs.oriented(direction)
        # Histogram matching to domain B: the test data's own B images, else the run's training B.
        reference = pairs.b if train is None else train.oriented(direction).b
        back = None
        if self.kind == "cyclegan":
            back = self.generator("BtoA" if direction == "AtoB" else "AtoB")
        metrics, results = evaluate_pairs(
            self.generator(direction),
            pairs,
            matcher=HistogramMatcher(reference),
            dataset=dataset,
            direction=direction,
            back=back,
            tile=tile,
        )
        metrics["model"] = self.model_name
        figures = {
            "panels figure": (
                "panels.png",
                lambda path: panels_figure(results, path, model_name=self.model_name, direction=direction),
            )
        }
        if back is not None:
            figures["cycle figure"] = ("cycle.png", lambda path: cycle_figure(results, path, direction=direction))
        return self._report(
            Scores(metrics, headline(metrics), format_table(metrics), figures), output=output, figure=figure
        )

    def predict(self, inputs, *, output_dir=None, tile: int | None = None, direction: str | None = None) -> Predictions:
        """Translates images of any size (tiled); files are written as ``<name>_<direction>.png``.

        Args:
            inputs: image files, folders, encoded bytes or arrays; one or a list.
            output_dir: write ``<name>_AtoB.png`` (or ``_BtoA``) files there and return their paths.
            tile: tile side for large images (an image within it is translated whole).
            direction: ``AtoB`` or ``BtoA``: a CycleGAN's generator of that way (default: the
                trained direction); other models translate their trained direction only.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: float32 images in [0, 1], or paths.
        """
        self._require_model()
        self._direction = self._direction_for(direction)
        return super().predict(inputs, output_dir=output_dir, tile=tile, direction=self._direction)

    @property
    def output_suffix(self) -> str:
        return f"_{self._direction or self.direction}"

    def _check_inputs(self, images, *, direction=None) -> None:
        from kerasdl.apps.img2img.translate import minimum_side

        side = minimum_side(self.generator(direction))
        for name, image in images:
            if min(image.shape[:2]) < side:
                raise UserInputError(
                    f"image {name} is {image.shape[1]}x{image.shape[0]}, smaller than the {side}x{side} "
                    "this model needs"
                )

    def _check_tile(self, tile: int) -> None:
        from kerasdl.apps.img2img.translate import minimum_side

        smallest = max(minimum_side(self.generator(d)) for d in self._directions())
        if not isinstance(tile, int) or tile < smallest:
            raise UserInputError(f"--tile must be at least {smallest} for this model; got {tile}")

    def _directions(self):
        return DIRECTIONS if self.kind == "cyclegan" else (self.direction,)

    def _apply(self, image, *, tile, direction=None):
        from kerasdl.apps.img2img.translate import translate_tiles

        direction = direction or self.direction
        return translate_tiles(self.generator(direction), image, tile=tile, key=direction)

    # ------------------------------------------------------------ export

    def _serving(self, *, max_pixels: int | None = None, direction: str | None = None) -> ServingSpec:
        """Encoded images in, translated PNGs out (``serving_default``); the generator on float images.

        Args:
            max_pixels: the largest image (height x width) the served model takes; a bigger one
                is refused, from its header, before it is decoded. None: 16 megapixels.
            direction: the way the served model translates (a CycleGAN's generator of that
                way; default: the trained direction).
        """
        import dataclasses

        self._direction = self._direction_for(direction)
        spec = super()._serving(max_pixels=max_pixels)
        generator = self.generator(self._direction)
        return dataclasses.replace(spec, model=generator, metadata={**spec.metadata, "direction": self._direction})

    def _serve_image(self, image):
        from kerasdl.apps.img2img.translate import generator_channels, translate_with, whole_image

        generator = self.generator(self._direction)
        return translate_with(whole_image(generator), image, channels=generator_channels(generator))

    def _sample_side(self) -> int:
        from kerasdl.apps.img2img.translate import minimum_side

        return max(minimum_side(self.generator(self._direction)), 16)

    def _float_sample(self):
        import numpy as np

        side = self._sample_side()
        return np.random.default_rng(0).random((2, side + 8, side + 16, self.channels), dtype=np.float32)

    def _png_samples(self):
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.image_to_image import encode_png

        side, rng = self._sample_side(), np.random.default_rng(0)
        return tf.stack(
            [
                encode_png(tf.constant(rng.random((side + 4, side + 12, 3), dtype=np.float32))),
                encode_png(tf.repeat(tf.constant(rng.random((side + 8, side + 4, 1), dtype=np.float32)), 3, axis=-1)),
            ]
        )

    def _export_metadata(self, channels) -> dict:
        return {"channels": "grayscale" if channels == 1 else "RGB", "patch_size": self.state.get("patch_size")}

    def _usage(self, channels) -> dict:
        return {
            "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> image_png: [batch] translated PNG "
            f"({'grayscale' if channels == 1 else 'RGB'})",
            "serving_float": f"source: [batch, h, w, {channels}] float32 in [0, 1] -> output: [batch, h, w, {channels}]",
        }

    def _litert_quality(self, data=None):
        """PSNR against the true targets of the test pairs (centre crops of at most 512 px); int8 calibrated on training crops.

        Args:
            data: test data in any layout ``train`` takes; None: the run's held-out pairs.

        Returns:
            None when the test data has no true targets (unpaired): the variants then get size,
            latency and parity only.
        """
        import numpy as np

        from kerasdl.apps.image_to_image import QUALITY_SIDE, _centre_crop
        from kerasdl.apps.img2img.evaluation import psnr_ssim
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality

        direction = self._direction_for(self._direction)
        pairs, dataset, train = self._evaluation_pairs(data)
        pairs = pairs.oriented(direction)
        if not pairs.paired:
            return None
        inputs = [_centre_crop(x, QUALITY_SIDE) for x in pairs.a]
        targets = [_centre_crop(y, QUALITY_SIDE) for y in pairs.b]
        train_inputs = (train or self._run_training()).oriented(direction).a
        crop = int(self.state.get("patch_size") or 32)

        def representative():
            rng = np.random.default_rng(0)
            for _ in range(CALIBRATION_SAMPLES):
                image = train_inputs[rng.integers(len(train_inputs))]
                side = min(crop, *image.shape[:2])
                y = rng.integers(image.shape[0] - side + 1)
                x = rng.integers(image.shape[1] - side + 1)
                yield image[None, y : y + side, x : x + side]

        def score(predict):
            return float(
                np.mean([psnr_ssim(np.clip(predict(x[None])[0], 0.0, 1.0), y)[0] for x, y in zip(inputs, targets)])
            )

        latency_input = inputs[0][None]
        return LiteRTQuality(
            metric="psnr_db",
            data=f"{dataset}, {len(inputs)} pairs ({direction})",
            score=score,
            representative=representative,
            latency_input=latency_input,
            max_loss=0.3,
            unit="dB",
            parity_inputs=latency_input,
        )


def _label(data) -> str:
    """How reports name data: a folder's path, or two joined by +."""
    import os

    return str(data) if isinstance(data, (str, os.PathLike)) else " + ".join(str(d) for d in data)


def _plain(data):
    """``data`` as JSON keeps it: a folder's path, or a list of two."""
    import os

    if isinstance(data, (str, os.PathLike)):
        return str(data)
    return [str(d) for d in data]
