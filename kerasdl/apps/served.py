"""``kerasdl.load``: an exported model, callable on the raw inputs its app's ``predict`` takes."""

from __future__ import annotations

import pathlib

from kerasdl.errors import UserInputError

METADATA_FILE = "metadata.json"
# The largest image (height x width) an image app's serving_default takes unless its export says
# otherwise: a 40-megapixel photo, 480 MB once decoded to float32 RGB.
DEFAULT_MAX_PIXELS = 40_000_000


class ServedModel:
    """A version folder written by an app's ``export``, run through its ``serving_default`` signature.

    Calling it takes what the app's ``predict`` takes (image files, folders, bytes or arrays;
    strings) and returns what ``predict`` returns, computed by the SavedModel alone, as TF
    Serving would: float images, ``{"label", "probability"}`` dicts, translations, captions.

    Attributes:
        path: the version folder.
        metadata: its ``metadata.json`` (app, signatures, metrics, parity...).
        app: the name of the app that exported it.
    """

    def __init__(self, path, metadata: dict, task_class):
        import tensorflow as tf

        from kerasdl.quiet import native_stderr_silenced

        self.path = pathlib.Path(path)
        self.metadata = metadata
        self.app = metadata["app"]
        self._task_class = task_class
        with native_stderr_silenced():
            self._saved_model = tf.saved_model.load(str(self.path))
        self.signature = self._saved_model.signatures["serving_default"]

    def __call__(self, inputs) -> list:
        """The app's predictions for ``inputs``, from the SavedModel."""
        arguments = self._task_class.serving_inputs(inputs)
        return self._task_class.serving_outputs(self.signature(**arguments))

    def __repr__(self) -> str:
        return f"ServedModel(app={self.app!r}, path={str(self.path)!r}, version={self.metadata.get('version')})"


def image_bytes_inputs(inputs) -> dict:
    """``serving_default``'s argument for the image apps: the inputs as encoded image bytes."""
    import tensorflow as tf

    from kerasdl.data.images import encoded_image_inputs

    return {"image_bytes": tf.constant(encoded_image_inputs(inputs))}


def png_image_outputs(outputs) -> list:
    """What the image-to-image apps' ``serving_default`` returns, as ``predict`` does: float32 images in [0, 1]."""
    import numpy as np
    import tensorflow as tf

    return [tf.io.decode_png(png).numpy().astype(np.float32) / 255.0 for png in outputs["image_png"].numpy()]


def text_inputs(inputs, *, name: str = "text") -> dict:
    """``serving_default``'s argument for the text apps: a string, or a list of them, as a ``[batch]`` string tensor."""
    import tensorflow as tf

    return {name: tf.constant([inputs] if isinstance(inputs, str) else list(inputs), tf.string)}


def load(path) -> ServedModel:
    """Loads an exported version folder (``saved_models/<app>/<version>``) as a callable.

    Example:
        >>> upscale = kerasdl.load("saved_models/super_resolution/1")   # doctest: +SKIP
        >>> image = upscale("photo.png")[0]                              # doctest: +SKIP

    Args:
        path: the version folder, with its ``metadata.json``; or the app's folder
            (``saved_models/<app>``), whose newest version is loaded.

    Returns:
        A :class:`ServedModel`.

    Raises:
        UserInputError: no such folder, or no ``metadata.json`` written by a kerasdl app.
    """
    from kerasdl.files import read_json
    from kerasdl.registry import get_app

    path = pathlib.Path(path)
    if not path.is_dir():
        raise UserInputError(f"no such folder: {path}")
    if not (path / METADATA_FILE).is_file():
        versions = sorted(
            (p for p in path.iterdir() if p.name.isdigit() and (p / METADATA_FILE).is_file()), key=lambda p: int(p.name)
        )
        if not versions:
            raise UserInputError(
                f"{path} holds no exported model ({METADATA_FILE} and a SavedModel, or version folders)"
            )
        path = versions[-1]
    metadata = read_json(path / METADATA_FILE)
    try:
        task_class = get_app(metadata.get("app"))
    except ValueError:
        raise UserInputError(f"{path / METADATA_FILE} names no kerasdl app (app: {metadata.get('app')!r})") from None
    return ServedModel(path, metadata, task_class)
