"""``Denoising``: image denoising measured against scikit-image's denoisers and BM3D, as a Python object."""

from __future__ import annotations

import os

from kerasdl.apps.image_to_image import ImageToImageTask
from kerasdl.apps.recipe import Recipe
from kerasdl.apps.task import Scores
from kerasdl.errors import UserInputError

DEFAULT_NOISE = "gaussian:25"
# 9,000 steps: about 18 minutes on two free CPU cores (see `make bench`, which stops at 20).
TRAINING = {"epochs": 45, "steps_per_epoch": 200, "learning_rate": 2e-3, "batch_size": 16}
RECIPES = {
    # A residual U-Net of 4 levels from 16 filters, its last layer zero-initialised (training
    # starts from the identity): the fastest to learn on two CPU cores. At an equal time it beat
    # the 32-filter 3-level U-Net, and DnCNN (even at half resolution) learned far slower (22.7
    # dB on Set12 at sigma 25 where the U-Net had 28.7).
    "unet": Recipe(
        "unet",
        options={"depth": 4, "filters": 16, "residual": True, "zero_init_output": True},
        training=TRAINING,
        summary="residual U-Net, 4 levels from 16 filters (the default)",
    ),
    "dncnn": Recipe(
        "dncnn",
        options={"depth": 17, "filters": 64, "zero_init_output": True},
        training=TRAINING,
        summary="DnCNN-S: 17 layers with batch norm, residual learning",
    ),
}
BASELINE_CHOICES = ("all", "none", "scikit-image")


def noise_model(noise):
    """A :class:`~kerasdl.data.noise.NoiseModel` from a spec such as ``"gaussian:25"`` (or one already)."""
    from kerasdl.data.noise import NoiseModel

    return noise if isinstance(noise, NoiseModel) else NoiseModel.parse(str(noise))


def baseline_methods(baselines) -> tuple[str, ...]:
    """The classical methods ``baselines`` names: ``"all"``, ``"none"``, ``"scikit-image"`` or names (a list or commas)."""
    from kerasdl.apps.denoising.baselines import METHODS, SCIKIT_IMAGE

    if not isinstance(baselines, str):
        names = list(baselines)
        if not names:
            return ()
    else:
        names = [v.strip() for v in baselines.split(",") if v.strip()]
    if names == ["all"]:
        return METHODS
    if names == ["none"]:
        return ()
    if names == ["scikit-image"]:
        return SCIKIT_IMAGE
    unknown = [n for n in names if n not in METHODS]
    if unknown or not names:
        raise UserInputError(
            f"unknown method {', '.join(unknown) or repr(baselines)}; use all, none, scikit-image "
            f"or a comma list of {', '.join(METHODS)}"
        )
    return tuple(names)


class Denoising(ImageToImageTask):
    """Image denoising (U-Net, DnCNN) measured against scikit-image's denoisers and BM3D.

    Example:
        >>> denoiser = Denoising()                               # the residual U-Net, grayscale
        >>> denoiser.train("photos/", noise="gaussian:25")        # doctest: +SKIP
        >>> denoiser.evaluate("Set12/", noise="gaussian:50")     # doctest: +SKIP
        >>> clean = denoiser.predict("noisy.png", sigma=25)[0]    # doctest: +SKIP

    Args:
        model: ``"unet"`` (default) or ``"dncnn"``.
        channels: 1 (grayscale; colour images are denoised channel by channel) or 3 (RGB).
        model_options: builder options over the recipe's (e.g. ``{"depth": 3}``).
        run_dir: where training writes (default ``runs/denoising``).
    """

    name = "denoising"
    aliases = ("denoise",)
    recipes = RECIPES
    default_model = "unet"
    loss = "mean_squared_error"
    input_name = "noisy"
    output_suffix = "_denoised"
    default_data = "scikit-learn sample photos and digits"
    default_tile = 256
    bare_models = True  # the channels are read from the model (its training noise is then unknown)

    def _check_model(self, model, source) -> None:
        from kerasdl.apps.denoising.denoise import check_denoising_model
        from kerasdl.apps.image_to_image import model_channels

        check_denoising_model(model, source)
        self.channels = model_channels(model)

    @property
    def trained_noise(self):
        """The :class:`~kerasdl.data.noise.NoiseModel` the model was trained for, or None when unknown."""
        spec = self.state.get("noise")
        return noise_model(spec) if spec else None

    def _default_images(self):
        from kerasdl.data.denoise_patches import default_images

        return default_images()

    def _builder_arguments(self) -> dict:
        options = dict(self.recipe.options)
        if self.recipe.builder == "dncnn":
            return {**options, "channels": self.channels}
        return {"input_shape": (None, None, self.channels), "classes": self.channels, **options}

    def _datasets(self, train_images, val_images, *, patch_size, config, noise):
        from kerasdl.data import denoise_patches

        return (
            denoise_patches.training_dataset(
                train_images, noise=noise, patch_size=patch_size, batch_size=config.batch_size, seed=config.seed
            ),
            denoise_patches.validation_dataset(
                val_images, noise=noise, patch_size=patch_size, batch_size=config.batch_size
            ),
        )

    def _describe(self) -> str:
        return f"{self.model_name} ({'grayscale' if self.channels == 1 else 'RGB'}) for {self._noise.describe()} noise"

    # ------------------------------------------------------------ verbs

    def train(self, data=None, *, val_data=None, noise=DEFAULT_NOISE, patch_size: int = 64, **training):
        """Trains on patches of clean images with noise drawn on the fly.

        Args:
            data: a folder of clean images (recursive); None: scikit-learn's sample photos
                and digits (their training parts).
            val_data: a folder of validation images; default: every tenth image of ``data``.
            noise: ``gaussian:SIGMA``, ``gaussian:LOW-HIGH`` (blind), ``poisson:PEAK`` or
                ``salt_pepper:AMOUNT``, sigma on the 0-255 scale.
            patch_size: the training patch side.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        self._noise = noise_model(noise or DEFAULT_NOISE)
        config = self.recipe.train_config(**training)
        plan = self._plan_patches(
            data,
            val_data,
            patch_size=patch_size,
            config=config,
            noise=self._noise,
            summary={"noise": self._noise.spec, "batch_size": config.batch_size},
            state={"noise": self._noise.spec},
        )
        return self._fit(plan)

    def evaluate(
        self,
        data=None,
        *,
        noise=None,
        noise_seed: int = 0,
        baselines="all",
        workers: int = os.cpu_count() or 1,
        output=None,
        figure=None,
        tile: int = 256,
    ):
        """PSNR/SSIM of the model, the noisy input and classical denoisers, on seeded noise (DnCNN's protocol).

        Args:
            data: a folder of clean test images; None: the run's held-out images (the
                sample photos' and digits' test parts by default).
            noise: the test noise (default: the noise the model was trained for). A model
                trained for one Gaussian level is applied to others by denoiser scaling.
            noise_seed: the same seed gives the same noisy images and scores.
            baselines: ``"all"``, ``"none"``, ``"scikit-image"`` or a list of ``nl_means``,
                ``tv_chambolle``, ``wavelet``, ``bm3d``.
            workers: processes for the classical methods (they run beside the network).
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the comparison figure (default ``<run_dir>/comparison.png``).
            tile: tile side for large images.

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.denoising.evaluation import evaluate_files, format_table
        from kerasdl.apps.denoising.figures import comparison_figure

        model = self._require_model()
        methods = baseline_methods(baselines)
        trained = self.trained_noise
        test_noise = noise_model(noise) if noise else (trained or noise_model(DEFAULT_NOISE))
        if workers < 1:
            raise UserInputError(f"workers must be a positive integer; got {workers}")
        files, dataset = self._test_files(data)
        metrics, results = evaluate_files(
            model,
            files,
            noise=test_noise,
            dataset=dataset,
            seed=noise_seed,
            methods=methods,
            tile=tile,
            workers=workers,
            trained_noise=trained,
        )
        metrics["model"] = self.model_name
        mean = metrics["mean"]
        headline = f"{metrics['noise_description']}: model {mean['model']['psnr']:.2f} dB, noisy {mean['noisy']['psnr']:.2f} dB"
        if "best_classical" in metrics:
            best = metrics["best_classical"]
            headline += f", best classical ({best}) {mean[best]['psnr']:.2f} dB"
        return self._report(
            Scores(
                metrics,
                headline,
                format_table(metrics),
                figures={
                    "comparison figure": (
                        "comparison.png",
                        lambda path: comparison_figure(results, path, model_name=self.model_name),
                    )
                },
            ),
            output=output,
            figure=figure,
        )

    def predict(self, inputs, *, output_dir=None, tile: int | None = None, sigma: float | None = None):
        """Denoises images of any size (tiled).

        Args:
            inputs: noisy image files, folders, encoded bytes or arrays; one or a list.
            output_dir: write ``<name>_denoised.png`` files there and return their paths.
            tile: tile side for large images.
            sigma: the inputs' Gaussian noise level (0-255) when it differs from the one the
                model was trained for: the images are contrast-scaled to the model's level and
                back (denoiser scaling). Only for a model trained on one Gaussian level.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: float32 images in [0, 1], or paths.
        """
        return super().predict(inputs, output_dir=output_dir, tile=tile, sigma=sigma)

    def _check_inputs(self, images, *, sigma=None) -> None:
        from kerasdl.apps.denoising.denoise import minimum_side

        side = minimum_side(self.model)
        for name, image in images:
            if min(image.shape[:2]) < side:
                raise UserInputError(
                    f"image {name} is {image.shape[1]}x{image.shape[0]}, smaller than the {side}x{side} "
                    "this model needs"
                )
        trained = self.trained_noise
        if sigma is not None and (trained is None or trained.kind != "gaussian" or trained.low != trained.high):
            what = f"was trained on {trained.describe()} noise" if trained else "has no record of its training noise"
            raise UserInputError(f"sigma (--sigma) is for a model trained on one Gaussian level; this model {what}")

    def _apply(self, image, *, tile, sigma=None):
        from kerasdl.apps.denoising.denoise import denoise_tiles, level_scale

        return denoise_tiles(self.model, image, tile=tile, scale=level_scale(self.trained_noise, sigma))

    # ------------------------------------------------------------ export

    def _serve_image(self, image):
        from kerasdl.apps.denoising.denoise import denoise_with
        from kerasdl.apps.image_to_image import whole_image

        return denoise_with(whole_image(self.model), image, channels=self.channels)

    def _quality_pair(self, image, index: int):
        import numpy as np

        from kerasdl.data.noise import seeded_noisy
        from kerasdl.metrics.image_quality import quantize

        h, w = (max(16 * (n // 16), 16) for n in image.shape[:2])  # the U-Net's pooling grid
        clean = quantize(image[:h, :w]).numpy()
        noisy, _ = seeded_noisy(clean, self.trained_noise or noise_model(DEFAULT_NOISE), seed=0, index=index)
        return np.asarray(noisy, np.float32), clean, 0

    def _export_metadata(self, channels) -> dict:
        return {"channels": "grayscale" if channels == 1 else "RGB", "noise": self.state.get("noise")}

    def _usage(self, channels) -> dict:
        return {
            "serving_default": "image_bytes: [batch] encoded noisy PNG/JPEG/BMP/GIF -> image_png: [batch] denoised PNG "
            "(grayscale for gray inputs, else RGB)",
            "serving_float": f"noisy: [batch, h, w, {channels}] float32, about [0, 1] -> output: [batch, h, w, {channels}]",
        }
