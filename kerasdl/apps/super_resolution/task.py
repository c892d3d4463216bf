"""``SuperResolution``: single-image super-resolution measured against bicubic, as a Python object."""

from __future__ import annotations

from kerasdl.apps.image_to_image import ImageToImageTask
from kerasdl.apps.recipe import Recipe
from kerasdl.apps.task import Scores
from kerasdl.errors import UserInputError, first_line

SCALES = (2, 3, 4)  # kerasdl.models.restoration.SUPPORTED_SCALES, without importing TensorFlow
# 25 epochs x 180 steps of 16 patches: the default CPU budget of `make bench` (Set5 x3 > +2.8 dB).
TRAINING = {"epochs": 25, "steps_per_epoch": 180, "learning_rate": 2e-3, "batch_size": 16}
# SRResNet's batch norm trains at half EDSR's rate; the adversarial phase at the paper's 1e-4.
SRRESNET_TRAINING = {**TRAINING, "learning_rate": 1e-3}
SRGAN_TRAINING = {"epochs": 10, "steps_per_epoch": 180, "learning_rate": 1e-4, "batch_size": 16}
SRRESNET_OPTIONS = {"num_blocks": 8, "filters": 32}  # the paper's 16 x 64, halved twice for two CPU cores
# The options of the adversarial phase (``srgan``'s, not the generator's); --model-arg sets them too.
SRGAN_OPTIONS = {"discriminator_filters": 32, "dense_units": 512, "adversarial_weight": 1e-3}
CONTENT_LOSSES = ("mse", "vgg")  # kerasdl.models.image_translation.CONTENT_LOSSES
PRETRAIN_FOLDER = "pretrain"  # the MSE phase of an SRGAN run, inside its run folder
PRETRAIN_RECORD = "pretrain.json"
RECIPES = {
    # A compact EDSR on luminance with a bicubic global skip and zero-initialised residual
    # branches, so training starts from exact bicubic (chosen for two CPU cores; see the README).
    "edsr": Recipe(
        "edsr",
        options={"num_blocks": 8, "filters": 32, "bicubic_skip": True, "zero_init_residual": True},
        training=TRAINING,
        summary="EDSR, 8 blocks x 32 filters, bicubic skip (the default)",
    ),
    "espcn": Recipe("espcn", training=TRAINING, summary="ESPCN: sub-pixel convolution in low-resolution space"),
    "srcnn": Recipe("srcnn", training=TRAINING, summary="SRCNN on the bicubic upscale"),
    "srresnet": Recipe(
        "srresnet",
        options=SRRESNET_OPTIONS,
        training=SRRESNET_TRAINING,
        settings={"loss": "mean_squared_error"},
        summary="SRResNet (Ledig et al. 2017), 8 blocks x 32 filters, trained on MSE",
    ),
    "srgan": Recipe(
        "srresnet",
        options={**SRRESNET_OPTIONS, **SRGAN_OPTIONS},
        training=SRGAN_TRAINING,
        settings={"loss": "mean_squared_error", "adversarial": True, "pretrain_steps": 4500},
        summary="SRGAN: that SRResNet trained on MSE (--pretrain-steps, or --generator), then "
        "fine-tuned against a discriminator (content loss + 1e-3 x adversarial)",
    ),
}


def pretraining_config(config, steps: int):
    """The :class:`~kerasdl.training.TrainConfig` of SRGAN's MSE phase, from the adversarial phase's.

    The srresnet recipe's learning rate, no warm-up, ``steps`` rounded up to whole epochs of
    at most ``config.steps_per_epoch``, and the share of ``config.time_limit`` that its steps
    are of both phases' (the adversarial phase gets what is left).
    """
    import dataclasses
    import math

    steps_per_epoch = min(config.steps_per_epoch, steps)
    epochs = math.ceil(steps / steps_per_epoch)
    adversarial = config.epochs * config.steps_per_epoch
    share = epochs * steps_per_epoch / (epochs * steps_per_epoch + adversarial)
    return dataclasses.replace(
        config,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        learning_rate=RECIPES["srresnet"].training["learning_rate"],
        warmup_steps=0,
        time_limit=None if config.time_limit is None else config.time_limit * share,
    )


class SuperResolution(ImageToImageTask):
    """Single-image super-resolution (SRCNN, ESPCN, EDSR, SRResNet, SRGAN) measured against bicubic.

    Example:
        >>> sr = SuperResolution(scale=3)                   # the compact EDSR on luminance
        >>> sr.train("photos/", epochs=5)                    # doctest: +SKIP
        >>> sr.evaluate("Set5/").headline                    # doctest: +SKIP
        >>> upscaled = sr.predict("small.png")[0]            # doctest: +SKIP
        >>> sr.export("saved_models")                         # doctest: +SKIP

    Args:
        model: ``"edsr"`` (default), ``"espcn"``, ``"srcnn"``, ``"srresnet"`` or ``"srgan"``
            (an SRResNet trained on MSE, then against a discriminator; the trained model is
            that generator, used like the others).
        scale: the upscaling factor, 2, 3 or 4.
        channels: 1 trains on luminance (Y; colour images get bicubic chroma), 3 on RGB.
        model_options: builder options over the recipe's (e.g. ``{"num_blocks": 16}``).
        run_dir: where training writes (default ``runs/super_resolution``).
    """

    name = "super_resolution"
    aliases = ("sr",)
    recipes = RECIPES
    default_model = "edsr"
    input_name = "lr"
    default_data = "scikit-learn sample photos"
    default_tile = 128
    serving_max_pixels = 4_000_000  # of the input: the output, and the upsampler's activations, are scale² larger
    bare_models = True  # the scale and channels are read from the model

    def __init__(self, model=None, *, scale: int = 3, channels: int = 1, model_options=None, run_dir=None):
        if scale not in SCALES:
            raise UserInputError(f"unsupported scale {scale!r}; choose one of {', '.join(map(str, SCALES))}")
        self.scale = scale
        super().__init__(model, channels=channels, model_options=model_options, run_dir=run_dir)

    @property
    def output_suffix(self) -> str:
        return f"_x{self.scale}"

    def _init_arguments(self) -> dict:
        return {**super()._init_arguments(), "scale": self.scale}

    def _check_model(self, model, source) -> None:
        from kerasdl.apps.image_to_image import model_channels
        from kerasdl.apps.super_resolution.upscale import check_sr_model, model_scale

        check_sr_model(model, source)
        self.scale, self.channels = model_scale(model), model_channels(model)

    def _default_images(self):
        from kerasdl.data.embedded import sample_photos
        from kerasdl.data.images import find_images

        return {split: find_images(folder) for split, folder in sample_photos().items()}

    @property
    def loss(self) -> str:
        """The recipe's training loss: MAE (EDSR's L1), MSE for SRResNet and SRGAN's pretraining."""
        return self.recipe.settings.get("loss", "mean_absolute_error")

    @property
    def adversarial(self) -> bool:
        """Whether the recipe fine-tunes its generator against a discriminator (SRGAN)."""
        return bool(self.recipe.settings.get("adversarial"))

    def _builder_arguments(self) -> dict:
        options = dict(self.recipe.options)
        if self.adversarial:  # the discriminator's and the adversarial loss's options go to srgan
            options = {k: v for k, v in options.items() if k not in SRGAN_OPTIONS}
        return {**options, "scale": self.scale, "channels": self.channels}

    def _describe(self) -> str:
        return f"{self.model_name} x{self.scale} ({'Y' if self.channels == 1 else 'RGB'})"

    def _patch_side(self, patch_size: int) -> int:
        return patch_size * self.scale

    def _datasets(self, train_images, val_images, *, patch_size, config):
        from kerasdl.data import sr_patches

        return (
            sr_patches.training_dataset(
                train_images, scale=self.scale, lr_patch_size=patch_size, batch_size=config.batch_size, seed=config.seed
            ),
            sr_patches.validation_dataset(
                val_images, scale=self.scale, lr_patch_size=patch_size, batch_size=config.batch_size
            ),
        )

    # ------------------------------------------------------------ verbs

    def train(
        self,
        data=None,
        *,
        val_data=None,
        patch_size: int = 32,
        pretrain_steps: int | None = None,
        generator=None,
        content_loss: str | None = None,
        vgg_weights="imagenet",
        **training,
    ):
        """Trains on random patches of a folder of high-resolution images.

        ``srgan`` trains in two phases, both recorded in ``train_summary.json``: its SRResNet
        on MSE first (as the ``srresnet`` recipe, in ``<run_dir>/pretrain/``), unless
        ``generator`` gives one already trained; then the adversarial fine-tuning (Ledig et
        al. 2017), whose ``epochs`` and ``steps_per_epoch`` the training settings set. The
        run's model is the fine-tuned generator, an SR model like the others.

        Args:
            data: a folder of HR images (recursive); None: scikit-learn's sample photos,
                cut into training, validation and test strips.
            val_data: a folder of validation images; default: every tenth image of ``data``.
            patch_size: the low-resolution patch side.
            pretrain_steps: srgan: steps of MSE training before the adversarial phase
                (default: 4500, the srresnet recipe's run; 0: none, the adversarial phase
                starts from a fresh SRResNet).
            generator: srgan: the MSE-trained generator to fine-tune instead of pretraining
                one: a run folder (its best.keras) or a .keras file of this scale and channels.
            content_loss: srgan: ``mse`` (pixels; default) or ``vgg`` (VGG19 block5_conv4
                features, SRGAN-VGG54).
            vgg_weights: srgan with the vgg content loss: VGG19's weights, ``"imagenet"`` (Keras
                downloads them once) or a weights file (None gives fixed random weights, for tests).
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's
                (``epochs``, ``steps_per_epoch``, ``learning_rate``, ``batch_size``, ``time_limit``...).

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        self._check_adversarial_options(pretrain_steps, generator, content_loss, vgg_weights)
        config = self.recipe.train_config(**training)
        if not self.adversarial:
            return self._fit(self._plan_patches(data, val_data, patch_size=patch_size, config=config))
        return self._train_srgan(
            data,
            val_data,
            patch_size=patch_size,
            config=config,
            pretrain_steps=self.recipe.settings["pretrain_steps"] if pretrain_steps is None else pretrain_steps,
            generator=generator,
            content_loss=content_loss or "mse",
            vgg_weights=vgg_weights,
        )

    # ------------------------------------------------------------ SRGAN: MSE pretraining, then adversarial

    def _check_adversarial_options(self, pretrain_steps, generator, content_loss, vgg_weights) -> None:
        given = {
            "--pretrain-steps": pretrain_steps is not None,
            "--generator": generator is not None,
            "--content-loss": content_loss is not None,
            "--vgg-weights": vgg_weights != "imagenet",
        }
        if not self.adversarial:
            flags = [name for name, present in given.items() if present]
            if flags:
                raise UserInputError(f"{flags[0]} is for --model srgan, not --model {self.model_name}")
            return
        if pretrain_steps is not None and (isinstance(pretrain_steps, bool) or not isinstance(pretrain_steps, int)):
            raise UserInputError(f"--pretrain-steps must be an integer (0: none); got {pretrain_steps!r}")
        if pretrain_steps is not None and pretrain_steps < 0:
            raise UserInputError(f"--pretrain-steps must be 0 (none) or more; got {pretrain_steps}")
        if given["--pretrain-steps"] and given["--generator"]:
            raise UserInputError(
                "--generator is already trained on MSE: it replaces the pretraining, so drop --pretrain-steps"
            )
        if content_loss is not None and content_loss not in CONTENT_LOSSES:
            raise UserInputError(f"--content-loss must be one of {', '.join(CONTENT_LOSSES)}; got {content_loss!r}")
        architecture = sorted(set(self.model_options) - set(SRGAN_OPTIONS))
        if given["--generator"] and architecture:
            raise UserInputError(
                f"--generator brings its own architecture: drop the generator options {', '.join(architecture)} "
                "(--blocks, --filters, --model-arg)"
            )
        if given["--vgg-weights"] and content_loss != "vgg":
            raise UserInputError("--vgg-weights is for --content-loss vgg")

    def _pretrained_generator(self, generator):
        """The ``.keras`` file of ``generator`` (a run folder or a file), checked to be an SR model of this task."""
        import pathlib

        from kerasdl.apps.image_to_image import model_channels
        from kerasdl.apps.super_resolution.upscale import check_sr_model, model_scale
        from kerasdl.apps.task import MODEL_FILE
        from kerasdl.saving import load_model

        path = pathlib.Path(generator)
        if path.is_dir():
            path = path / MODEL_FILE
        if not path.is_file():
            raise UserInputError(f"--generator: no trained model at {path} (a run folder or a .keras file)")
        model = load_model(path, compile=False)
        check_sr_model(model, f"--generator {path}")
        scale, channels = model_scale(model), model_channels(model)
        if (scale, channels) != (self.scale, self.channels):
            raise UserInputError(
                f"--generator {path} upscales x{scale} with {channels} channel(s), but this run is x{self.scale} "
                f"with {self.channels}: pass --scale {scale} --channels {channels}"
            )
        return path, model

    def _srgan_builder(self, *, generator, patch_size, content_loss, vgg_weights):
        """A function that builds the SRGAN scheme (inside the strategy scope) around ``generator()``."""
        from kerasdl.models.image_translation import srgan, vgg_content_extractor

        options = {k: self.recipe.options[k] for k in SRGAN_OPTIONS}

        def build():
            extractor = vgg_content_extractor(weights=vgg_weights) if content_loss == "vgg" else None
            return srgan(
                scale=self.scale,
                channels=self.channels,
                generator=generator(),
                patch_size=patch_size * self.scale,
                content_loss=content_loss,
                feature_extractor=extractor,
                **options,
            )

        return build

    def _pretrain(self, plan, *, steps, config):
        """The MSE phase, into ``<run_dir>/pretrain/``; a finished one of the same settings is reused on resume.

        Returns:
            ``(checkpoint path, summary of the phase)``.
        """
        import dataclasses

        from kerasdl.files import read_json, write_json
        from kerasdl.training import fit

        folder = self.run_dir / PRETRAIN_FOLDER
        phase_config = pretraining_config(config, steps)
        learning_rate, steps_per_epoch = phase_config.learning_rate, phase_config.steps_per_epoch
        settings = {
            "model_kwargs": self._builder_arguments(),
            "steps": phase_config.epochs * steps_per_epoch,
            "train_config": {k: v for k, v in dataclasses.asdict(phase_config).items() if k != "verbose"},
        }
        record = folder / PRETRAIN_RECORD
        if config.resume and record.is_file() and (folder / "best.keras").is_file():
            done = read_json(record)
            if {k: done.get(k) for k in settings} == settings:
                return folder / "best.keras", {**done, "reused": True}
        if config.verbose:
            print(
                f"Pretraining on MSE: {phase_config.epochs} epochs x {steps_per_epoch} steps of "
                f"{config.batch_size} (learning rate {learning_rate:g})",
                flush=True,
            )
        record.unlink(missing_ok=True)
        result = fit(
            plan.build_model,
            loss=plan.loss,
            metrics=plan.metrics,
            train_data=plan.train_data,
            val_data=plan.val_data,
            run_dir=folder,
            config=phase_config,
            monitor="val_loss",
        )
        history = result.history
        best = min(range(len(history.get("val_loss", []))), key=history["val_loss"].__getitem__, default=None)
        summary = {
            **settings,
            "loss": plan.loss,
            "seconds": round(result.seconds, 1),
            "epochs_run": len(history.get("epoch", [])),
            "stopped_by_time_limit": result.stopped_by_time_limit,
            "best_val_loss": None if best is None else history["val_loss"][best],
            "best_val_psnr": None if best is None else history.get("val_psnr", [None] * (best + 1))[best],
            "model": str(result.checkpoint),
            "log": str(folder / "training_log.csv"),
        }
        write_json(summary, record)
        return result.checkpoint, summary

    def _train_srgan(self, data, val_data, *, patch_size, config, pretrain_steps, generator, content_loss, vgg_weights):
        """Two phases: the generator on MSE (or ``generator`` as given), then SRGAN's adversarial fine-tuning."""
        import dataclasses
        import pathlib
        import time

        from kerasdl.apps.task import SUMMARY_FILE, TrainingPlan
        from kerasdl.data.images import check_writable_dir
        from kerasdl.files import atomic_path, read_json, write_json
        from kerasdl.saving import load_model

        given = self._pretrained_generator(generator) if generator is not None else None
        plan = self._plan_patches(data, val_data, patch_size=patch_size, config=config)
        if content_loss == "vgg":  # downloaded (once) or read here, before the run folder exists
            from kerasdl.models.image_translation import vgg_content_extractor

            try:
                vgg_content_extractor(weights=vgg_weights)
            except Exception as err:
                raise UserInputError(
                    f"--content-loss vgg: cannot load VGG19's weights {vgg_weights!r} ({first_line(err)}); "
                    "pass --vgg-weights FILE"
                ) from None
        try:  # bad options fail here too
            scheme = self._srgan_builder(
                generator=self.build_model, patch_size=patch_size, content_loss="mse", vgg_weights=None
            )()
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None
        discriminator = {
            "filters": self.recipe.options["discriminator_filters"],
            "dense_units": self.recipe.options["dense_units"],
            "parameters": scheme.discriminator.count_params(),
        }
        del scheme
        started = time.monotonic()
        if given is not None:
            source, pretraining = given[0], {"source": "--generator", "model": str(given[0]), "name": given[1].name}
        elif pretrain_steps:
            check_writable_dir(self.run_dir)
            source, pretraining = self._pretrain(plan, steps=pretrain_steps, config=config)
            pretraining = {"source": "trained here", **pretraining}
        else:
            source, pretraining = None, {"source": "none: a fresh SRResNet", "steps": 0}
        if config.time_limit is not None:  # the adversarial phase gets what the pretraining left
            left = config.time_limit - (time.monotonic() - started) / 60.0
            config = dataclasses.replace(config, time_limit=max(left, 1e-3))
        build = self._srgan_builder(
            generator=(lambda: load_model(source, compile=False)) if source is not None else self.build_model,
            patch_size=patch_size,
            content_loss=content_loss,
            vgg_weights=vgg_weights,
        )
        adversarial = {
            "content_loss": content_loss,
            "adversarial_weight": self.recipe.options["adversarial_weight"],
            "steps": config.epochs * config.steps_per_epoch,
            "learning_rate": config.learning_rate,
            "discriminator": discriminator,
            "vgg_weights": vgg_weights if content_loss == "vgg" else None,
        }
        reporter, self.reporter = self.reporter, None  # announced below, once it describes the generator
        try:
            report = self._fit(
                TrainingPlan(
                    build_model=build,
                    loss=None,  # the scheme computes its own losses
                    metrics=None,
                    train_data=plan.train_data,
                    val_data=plan.val_data,
                    config=config,
                    description=plan.description.replace("Training", "Adversarial fine-tuning of", 1),
                    state=plan.state,
                    summary={**plan.summary, "phases": {"pretraining": pretraining, "adversarial": adversarial}},
                    monitor=None,  # a GAN's losses do not rank its epochs: the last one is kept
                )
            )
        finally:
            self.reporter = reporter
        # The run's model is the generator: best.keras becomes a plain SR model, as every recipe's.
        generator_model = self.model.generator
        with atomic_path(report.files["best model"], suffix=".keras") as tmp:
            generator_model.save(tmp)
        self.model = generator_model
        summary_path = self.run_dir / SUMMARY_FILE
        summary = read_json(summary_path)
        history = report.history
        summary["phases"]["adversarial"].update(
            seconds=summary["train_seconds"],
            epochs_run=summary["epochs_run"],
            final={k: v[-1] for k, v in history.items() if k != "epoch" and v},
            log=str(self.run_dir / "training_log.csv"),
        )
        summary["parameters"] = generator_model.count_params()
        write_json(summary, summary_path)
        files = dict(report.files)
        if pretraining["source"] == "trained here":
            files = {
                "pretrained model": pathlib.Path(pretraining["model"]),
                "pretraining log": pathlib.Path(pretraining["log"]),
                **files,
            }
        pretrain_seconds = 0.0 if pretraining.get("reused") else pretraining.get("seconds") or 0.0
        return self._announce(
            dataclasses.replace(
                report, parameters=summary["parameters"], seconds=report.seconds + pretrain_seconds, files=files
            )
        )

    def evaluate(self, data=None, *, output=None, figure=None, tile: int = 128):
        """Y-channel PSNR/SSIM of the model and of bicubic, per image, as the SR literature scores them.

        Each HR image is cropped to a multiple of the scale, downscaled with antialiased
        bicubic to 8 bits, upscaled by both, and scored on Y (BT.601) with a border of
        ``scale`` pixels; images with room for two 96x96 blocks also get NIQE (no reference,
        lower is more natural), the measure on which an SRGAN beats its PSNR-trained SRResNet.

        Args:
            data: a folder of HR test images; None: the run's held-out images (the sample
                photos' test strips by default).
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the before/after figure (default ``<run_dir>/before_after.png``).
            tile: tile side for inference, in LR pixels.

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.super_resolution.evaluation import evaluate_files, format_table
        from kerasdl.apps.super_resolution.figures import before_after_figure

        model = self._require_model()
        files, dataset = self._test_files(data)
        metrics, results = evaluate_files(model, files, dataset=dataset, tile=tile)
        metrics["model"] = self.model_name
        mean = metrics["mean"]
        headline = (
            f"x{metrics['scale']} {mean['model']['psnr']:.2f} dB vs bicubic {mean['bicubic']['psnr']:.2f} dB "
            f"({metrics['psnr_gain_db']:+.2f} dB)"
        )
        model_niqe, bicubic_niqe = (mean[method].get("niqe") for method in ("model", "bicubic"))
        if model_niqe is not None and bicubic_niqe is not None:
            headline += f"; NIQE {model_niqe:.2f} vs bicubic {bicubic_niqe:.2f}"
        return self._report(
            Scores(
                metrics,
                headline,
                format_table(metrics),
                figures={
                    "before/after figure": (
                        "before_after.png",
                        lambda path: before_after_figure(results, path, model_name=self.model_name),
                    )
                },
            ),
            output=output,
            figure=figure,
        )

    def _apply(self, image, *, tile):
        from kerasdl.apps.super_resolution.upscale import upscale_tiles

        return upscale_tiles(self.model, image, tile=tile)

    # ------------------------------------------------------------ export

    def _serve_image(self, image):
        from kerasdl.apps.image_to_image import whole_image
        from kerasdl.apps.super_resolution.upscale import upscale_with

        return upscale_with(whole_image(self.model), image, scale=self.scale, channels=self.channels)

    def _quality_pair(self, image, index: int):
        import numpy as np

        from kerasdl.data.sr_patches import downscale, modcrop

        hr = np.asarray(modcrop(image, self.scale), np.float32)
        return np.asarray(downscale(hr, self.scale), np.float32), hr, self.scale

    def _export_metadata(self, channels) -> dict:
        return {"scale": self.scale, "channels": "luminance (full-range BT.601 Y)" if channels == 1 else "RGB"}

    def _usage(self, channels) -> dict:
        return {
            "serving_default": "image_bytes: [batch] encoded PNG/JPEG/BMP/GIF -> image_png: [batch] upscaled PNG "
            "(grayscale for gray inputs, else RGB)",
            "serving_float": f"lr: [batch, h, w, {channels}] float32 in [0, 1] -> "
            f"output: [batch, {self.scale}h, {self.scale}w, {channels}]",
        }
