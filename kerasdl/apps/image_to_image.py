"""What image-to-image apps (super-resolution, denoising) share: image folders in, PNGs out.

Training cuts random patches from any folder of images (the app's embedded photos by
default); the run's held-out images are its test data; ``predict`` takes files, folders,
encoded bytes or arrays, of any size (tiled); the export's ``serving_default`` takes encoded
image bytes and returns PNG bytes.
"""

from __future__ import annotations

import pathlib
from typing import ClassVar

from kerasdl.apps.reports import Predictions
from kerasdl.apps.task import ServingSpec, Task
from kerasdl.errors import UserInputError


def encode_png(image):
    """A float image tensor in [0, 1] to 8-bit PNG bytes (rounded, as :func:`~kerasdl.data.images.save_png` does)."""
    import tensorflow as tf

    pixels = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0), tf.uint8)
    return tf.io.encode_png(pixels)


def png_endpoint(process, *, max_pixels: int):
    """A ``serving_default`` function: ``[batch]`` encoded images in, ``{"image_png": [batch] PNG}`` out.

    Each image is decoded (PNG/JPEG/GIF/BMP/WebP), given to ``process`` and encoded as PNG; a gray
    image (one channel, or three equal ones) is processed and returned as one channel, as
    ``predict`` does. Images in one batch may differ in size; undecodable bytes, or an image of
    more than ``max_pixels`` pixels (checked on its header, before decoding), make the call fail
    with TensorFlow's ``InvalidArgumentError``.

    Args:
        process: maps a float image tensor ``(h, w, 1 or 3)`` in [0, 1] to the output image,
            in TensorFlow ops (it is traced into the SavedModel).
        max_pixels: the largest image (``height * width``) the signature takes.
    """
    import tensorflow as tf

    from kerasdl.export.images import decode_image

    def one(data):
        image = decode_image(data, max_pixels=max_pixels)
        gray = tf.reduce_all(tf.equal(image[..., :1], image))
        return tf.cond(gray, lambda: encode_png(process(image[..., :1])), lambda: encode_png(process(image)))

    def serve(image_bytes):
        return {"image_png": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

    return serve


QUALITY_SIDE = 512  # quantized variants are scored on centre crops of the test images at most this large
CALIBRATION_SIDE = 96  # int8 calibration crops of the training images
LATENCY_SIDE = 128  # the batch-1 latency input: a centre crop of the first test input


def _centre_crop(image, side: int):
    h, w = image.shape[:2]
    top, left = max((h - side) // 2, 0), max((w - side) // 2, 0)
    return image[top : top + side, left : left + side]


def model_channels(model) -> int:
    """The channels an image model takes: 1 (grayscale, or luminance for super-resolution) or 3 (RGB)."""
    return int(model.input_shape[-1])


def whole_image(model):
    """The model on one whole image tensor ``(h, w, c)``: what a serving signature runs."""

    def predict(image):
        return model(image[None], training=False)[0]

    return predict


def _check_patch_size(model, patch_size: int, *, depth_flag: bool) -> None:
    """Raises ``UserInputError`` when the model's padding cannot reach its multiple from a ``patch_size`` patch.

    A U-Net halves its input ``depth`` times, padding it (mirrored) to a multiple of
    ``2**depth`` first; a patch under half that fails inside training (TensorFlow's
    ``MirrorPad``), after the run folder was written.
    """
    from kerasdl.layers.padding import PadToMultiple, minimum_side

    side = minimum_side(model)
    if patch_size < side:
        multiple = max(layer.multiple for layer in model.layers if isinstance(layer, PadToMultiple))
        power = multiple.bit_length() - 1
        what = (
            f"halves its input {power} times" if multiple == 2**power else f"pads its input to a multiple of {multiple}"
        )
        hint = " or a smaller --depth" if depth_flag else ""
        raise UserInputError(
            f"--patch-size {patch_size} is too small for this model: it {what}, "
            f"so patches must be at least {side} pixels; pass a larger --patch-size{hint}"
        )


class ImageToImageTask(Task):
    """An app that maps an image to an image, trained on patches cut from a folder of images.

    Subclasses provide :meth:`_default_images`, :meth:`_builder_arguments`,
    :meth:`_datasets`, :meth:`_apply` (the model on one whole image, tiled, in Python),
    :meth:`_serve_image` (the same in TensorFlow ops, for the SavedModel) and their ``evaluate``.
    """

    loss: ClassVar[str] = "mean_squared_error"
    input_name: ClassVar[str] = "image"  # the serving_float input
    output_suffix: ClassVar[str] = "_out"  # <stem><suffix>.png from predict
    default_data: ClassVar[str] = "the embedded default images"
    default_tile: ClassVar[int] = 256
    # The serving signature runs the model on the whole image: its activations grow with the pixels.
    serving_max_pixels: ClassVar[int] = 16_000_000

    def __init__(self, model=None, *, channels: int = 1, model_options=None, run_dir=None):
        if channels not in (1, 3):
            raise UserInputError(f"channels must be 1 or 3; got {channels!r}")
        self.channels = channels
        super().__init__(model, model_options=model_options, run_dir=run_dir)

    def _init_arguments(self) -> dict:
        return {**super()._init_arguments(), "channels": self.channels}

    # ------------------------------------------------------------ hooks

    def _default_images(self) -> dict[str, list[pathlib.Path]]:
        """The embedded default data: ``{"train": files, "val": files, "test": files}``."""
        raise NotImplementedError

    def _builder_arguments(self) -> dict:
        """The builder's keyword arguments: the recipe's options and what this task fixes."""
        raise NotImplementedError

    def _patch_side(self, patch_size: int) -> int:
        """The side of the training crop cut from an image, for a ``patch_size`` model input."""
        return patch_size

    def _datasets(self, train_images, val_images, *, patch_size, config, **options):
        """``(training, validation)`` ``tf.data`` pipelines of ``(input, target)`` patch batches."""
        raise NotImplementedError

    def _apply(self, image, *, tile: int, **options):
        """The model on one whole float image ``(h, w, c)`` (any channels), tiled.

        Returns:
            A :class:`~kerasdl.inference.tiling.TiledOutput` of the float output image,
            which ``predict`` streams into a PNG band by band or stitches whole.
        """
        raise NotImplementedError

    def _serve_image(self, image):
        """The model on one float image tensor ``(h, w, 1 or 3)`` inside the SavedModel (TensorFlow ops)."""
        raise NotImplementedError

    def _describe(self) -> str:
        return f"{self.model_name} ({'grayscale/Y' if self.channels == 1 else 'RGB'})"

    def build_model(self):
        """The untrained model, as ``train`` builds it (the recipe's builder and options)."""
        from kerasdl.registry import get_model

        return get_model(self.recipe.builder, **self._builder_arguments())

    # ------------------------------------------------------------ data

    def _training_files(self, data, val_data):
        from kerasdl.data.images import find_images, training_and_validation_files

        if data is None:
            default = self._default_images()
            return default["train"], (find_images(val_data) if val_data else default["val"])
        return training_and_validation_files(data, val_data)

    def _test_files(self, data) -> tuple[list[pathlib.Path], str]:
        """Test files and how to name them: ``data``; else the run's held-out images; else the default test images."""
        from kerasdl.data.images import find_images

        if data is not None:
            return find_images(data), str(data)
        trained_on = self.state.get("data")
        if trained_on:
            return self._training_files(trained_on, self.state.get("val_data"))[
                1
            ], f"held-out validation images of {trained_on}"
        return self._default_images()["test"], self.default_data + " (test part)"

    def _load(self, files):
        from kerasdl.data.images import load_image

        return [load_image(f, channels=self.channels) for f in files]

    # ------------------------------------------------------------ verbs

    def _plan_patches(self, data, val_data, *, patch_size, config, summary=None, state=None, **options):
        """The shared part of ``train``: images loaded and checked, the model built once, datasets made."""
        from kerasdl.apps.task import TrainingPlan
        from kerasdl.data.sr_patches import check_patchable
        from kerasdl.metrics.image_quality import psnr

        config.validate()
        train_files, val_files = self._training_files(data, val_data)
        train_images, val_images = self._load(train_files), self._load(val_files)
        side = self._patch_side(patch_size)
        check_patchable(train_images, train_files, side)
        check_patchable(val_images, val_files, side)
        kwargs = self._builder_arguments()
        try:
            model = self.build_model()  # bad options fail here, before the run folder exists
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None
        _check_patch_size(model, patch_size, depth_flag="depth" in self.recipe.options)
        train_ds, val_ds = self._datasets(train_images, val_images, patch_size=patch_size, config=config, **options)
        source = data or self.default_data
        description = (
            f"Training {self._describe()} on {len(train_images)} images from {source}; "
            f"{config.epochs} epochs x {config.steps_per_epoch} steps of {config.batch_size}"
        )
        return TrainingPlan(
            build_model=self.build_model,
            loss=self.loss,
            metrics=[psnr],
            train_data=train_ds,
            val_data=val_ds,
            config=config,
            description=description,
            state={
                "data": None if data is None else str(data),
                "val_data": None if val_data is None else str(val_data),
                **(state or {}),
            },
            summary={
                "data": None if data is None else str(data),
                "patch_size": patch_size,
                "model_kwargs": kwargs,
                **(summary or {}),
            },
        )

    def predict(self, inputs, *, output_dir=None, tile: int | None = None, **options) -> Predictions:
        """Applies the model to images of any size.

        Args:
            inputs: image files, folders (their images, recursively), encoded image bytes
                or arrays ``(h, w[, c])`` (uint8, or float in [0, 1]); one or a list.
            output_dir: write ``<name><suffix>.png`` files there and return their paths.
            tile: tile side for large images (the result equals whole-image inference); at
                least the model's receptive-field radius. Files are written a row of tiles
                at a time, so memory is bounded by the tile, not the output image.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: float32 images in [0, 1], or the
            written paths with ``output_dir``; ``.inputs`` names each input.
        """
        from kerasdl.data.images import check_writable_dir, read_image_inputs, save_png

        self._require_model()
        images = read_image_inputs(inputs)  # every input is checked before anything is written
        self._check_inputs(images, **options)
        tile = tile or self.default_tile
        self._check_tile(tile)
        out_dir = check_writable_dir(output_dir) if output_dir is not None else None
        results = []
        for name, image in images:
            output = self._apply(image, tile=tile, **options)
            if out_dir is not None:
                stem = pathlib.Path(name).stem if pathlib.Path(name).suffix else name
                results.append(save_png(output.bands(), out_dir / f"{stem}{self.output_suffix}.png"))
            else:
                results.append(output.numpy())
        return Predictions(results, inputs=[name for name, _ in images])

    def _check_inputs(self, images, **options) -> None:
        """Raises ``UserInputError`` for an input the model cannot take (checked before any output)."""

    def _check_tile(self, tile: int) -> None:
        """Raises ``UserInputError`` for a tile below the model's receptive-field radius.

        Each tile is computed with that much context on every side, so a smaller tile spends
        nearly all its time on context (``--tile 1`` took 150 s for a 160x160 image).
        """
        from kerasdl.inference.tiling import receptive_radius

        minimum = max(1, receptive_radius(self.model))
        if tile < minimum:
            raise UserInputError(f"--tile must be at least {minimum} for this model; got {tile}")

    def _float_sample(self):
        import numpy as np

        return np.random.default_rng(0).random((2, 24, 32, self.channels), dtype=np.float32)

    def _png_samples(self):
        """Encoded sample images for the parity check: colour and gray, two sizes."""
        import numpy as np
        import tensorflow as tf

        rng = np.random.default_rng(0)
        return tf.stack(
            [
                encode_png(tf.constant(rng.random((20, 28, 3), dtype=np.float32))),
                encode_png(tf.repeat(tf.constant(rng.random((24, 20, 1), dtype=np.float32)), 3, axis=-1)),
            ]
        )

    def _serving(self, *, max_pixels: int | None = None) -> ServingSpec:
        """Encoded images in, PNGs out (``serving_default``); the model on float images (``serving_float``, LiteRT).

        Args:
            max_pixels: the largest image (height x width) the served model takes; a bigger one is
                refused, from its header, before it is decoded. None: the app's default
                (16 megapixels; 4 for super-resolution, whose output is scale² larger).
        """
        import tensorflow as tf

        from kerasdl.export import Endpoint
        from kerasdl.export.images import check_max_pixels

        max_pixels = check_max_pixels(self.serving_max_pixels if max_pixels is None else max_pixels)
        channels = self.channels
        png = Endpoint(
            name="serving_default",
            fn=png_endpoint(self._serve_image, max_pixels=max_pixels),
            input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")],
            sample_inputs=[self._png_samples()],
            compare="png",
        )
        return ServingSpec(
            model=self.model,
            float_input=tf.TensorSpec([None, None, None, channels], tf.float32, name=self.input_name),
            sample_inputs=self._float_sample(),
            endpoints=[png],
            usage=self._usage(channels),
            metadata={**self._export_metadata(channels), "max_pixels": max_pixels},
        )

    def _usage(self, channels) -> dict:
        raise NotImplementedError

    # ------------------------------------------------------------ quantized LiteRT variants

    def _quality_pair(self, image, index: int):
        """``(model input, target, border)`` for one clean test image: what the quantized variants are scored on."""
        raise NotImplementedError

    def _litert_quality(self, data=None):
        """PSNR on the test images (centre crops of at most 512 px); int8 calibrated on training crops.

        Args:
            data: a folder of test images; None: the run's held-out images.
        """
        import numpy as np

        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality
        from kerasdl.metrics.image_quality import luma_psnr_ssim

        files, dataset = self._test_files(data)
        pairs = [self._quality_pair(_centre_crop(image, QUALITY_SIDE), i) for i, image in enumerate(self._load(files))]
        train_files, _ = self._training_files(self.state.get("data"), self.state.get("val_data"))
        train_images = [image for image in self._load(train_files) if min(image.shape[:2]) >= CALIBRATION_SIDE]

        def representative():
            rng = np.random.default_rng(0)
            for i in range(CALIBRATION_SAMPLES if train_images else 0):
                image = train_images[rng.integers(len(train_images))]
                y = rng.integers(image.shape[0] - CALIBRATION_SIDE + 1)
                x = rng.integers(image.shape[1] - CALIBRATION_SIDE + 1)
                crop = image[y : y + CALIBRATION_SIDE, x : x + CALIBRATION_SIDE]
                yield self._quality_pair(crop, 10_000 + i)[0][None]

        def score(predict):
            return float(
                np.mean(
                    [
                        luma_psnr_ssim(np.clip(predict(x[None])[0], 0.0, 1.0), target, border=border)[0]
                        for x, target, border in pairs
                    ]
                )
            )

        latency_input = _centre_crop(pairs[0][0], LATENCY_SIDE)[None]
        return LiteRTQuality(
            metric="psnr_db",
            data=f"{dataset}, {len(pairs)} images",
            score=score,
            representative=representative,
            latency_input=latency_input,
            max_loss=0.3,
            unit="dB",
            parity_inputs=latency_input,
        )

    def _export_metadata(self, channels) -> dict:
        return {}

    # ------------------------------------------------------------ a served model's inputs and outputs

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s arguments from the inputs ``predict`` takes: their encoded bytes."""
        from kerasdl.apps.served import image_bytes_inputs

        return image_bytes_inputs(inputs)

    @staticmethod
    def serving_outputs(outputs) -> list:
        """Float32 images in [0, 1] from ``serving_default``'s PNGs."""
        from kerasdl.apps.served import png_image_outputs

        return png_image_outputs(outputs)
