"""``SuperResolution``: single-image super-resolution measured against bicubic, as a Python object."""

from __future__ import annotations

from kerasdl.apps.image_to_image import ImageToImageTask
from kerasdl.apps.recipe import Recipe
from kerasdl.apps.task import Scores
from kerasdl.errors import UserInputError

SCALES = (2, 3, 4)  # kerasdl.models.restoration.SUPPORTED_SCALES, without importing TensorFlow
# 25 epochs x 180 steps of 16 patches: the default CPU budget of `make bench` (Set5 x3 > +2.8 dB).
TRAINING = {"epochs": 25, "steps_per_epoch": 180, "learning_rate": 2e-3, "batch_size": 16}
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
}


class SuperResolution(ImageToImageTask):
    """Single-image super-resolution (SRCNN, ESPCN, EDSR) measured against bicubic.

    Example:
        >>> sr = SuperResolution(scale=3)                   # the compact EDSR on luminance
        >>> sr.train("photos/", epochs=5)                    # doctest: +SKIP
        >>> sr.evaluate("Set5/").headline                    # doctest: +SKIP
        >>> upscaled = sr.predict("small.png")[0]            # doctest: +SKIP
        >>> sr.export("saved_models")                         # doctest: +SKIP

    Args:
        model: ``"edsr"`` (default), ``"espcn"`` or ``"srcnn"``.
        scale: the upscaling factor, 2, 3 or 4.
        channels: 1 trains on luminance (Y; colour images get bicubic chroma), 3 on RGB.
        model_options: builder options over the recipe's (e.g. ``{"num_blocks": 16}``).
        run_dir: where training writes (default ``runs/super_resolution``).
    """

    name = "super_resolution"
    aliases = ("sr",)
    recipes = RECIPES
    default_model = "edsr"
    loss = "mean_absolute_error"
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

    def _builder_arguments(self) -> dict:
        return {**self.recipe.options, "scale": self.scale, "channels": self.channels}

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

    def train(self, data=None, *, val_data=None, patch_size: int = 32, **training):
        """Trains on random patches of a folder of high-resolution images.

        Args:
            data: a folder of HR images (recursive); None: scikit-learn's sample photos,
                cut into training, validation and test strips.
            val_data: a folder of validation images; default: every tenth image of ``data``.
            patch_size: the low-resolution patch side.
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's
                (``epochs``, ``steps_per_epoch``, ``learning_rate``, ``batch_size``, ``time_limit``...).

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        config = self.recipe.train_config(**training)
        return self._fit(self._plan_patches(data, val_data, patch_size=patch_size, config=config))

    def evaluate(self, data=None, *, output=None, figure=None, tile: int = 128):
        """Y-channel PSNR/SSIM of the model and of bicubic, per image, as the SR literature scores them.

        Each HR image is cropped to a multiple of the scale, downscaled with antialiased
        bicubic to 8 bits, upscaled by both, and scored on Y (BT.601) with a border of
        ``scale`` pixels.

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
