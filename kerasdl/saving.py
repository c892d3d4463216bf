"""Loading `.keras` files that kerasdl wrote, without importing the app or builder that made them.

Every layer, loss and metric a kerasdl model can reference is registered by ``kerasdl.layers``,
``kerasdl.losses`` or ``kerasdl.metrics``; keras-hub's layers (TransformerEncoder ...) register
on ``import keras_hub``. The models with their own training step (the GANs' ``Pix2Pix``,
``CycleGAN``, ``AdversarialNetwork``...) register in the module that defines them, which the
archive names. ``load_model`` imports what the archive needs, then loads it in safe mode.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import zipfile

from kerasdl.errors import UserInputError, first_line

_CONFIG_FILE = "config.json"  # the model's configuration inside a .keras archive
# Heavy modules, imported only when the archive's configuration mentions one of their words.
_ON_MENTION = {
    "keras_hub": ("keras_hub", "keras_nlp"),
    "kerasdl.metrics.image_quality": ("kerasdl>psnr",),  # needs TensorFlow
    # a compiled loss function is recorded under module "builtins": its own module is named here
    "kerasdl.models.language.skipgram": ("kerasdl>negative_sampling_loss",),
}


def _archive_config(path) -> str:
    """The archive's ``config.json`` as text, or "" when it cannot be read (keras then says why)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(_CONFIG_FILE).decode("utf-8", errors="replace")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return ""


def register_serializables(config: str | None = None) -> None:
    """Imports the modules that register kerasdl's serialisable layers, losses and metrics.

    Args:
        config: a model's configuration as text; keras-hub and the TensorFlow metrics are
            imported only if it mentions them. ``None`` imports them all.
    """
    import kerasdl.layers  # noqa: F401
    import kerasdl.losses  # noqa: F401
    import kerasdl.metrics

    for module in kerasdl.metrics.SUBMODULES:
        if module not in _ON_MENTION:
            importlib.import_module(module)
    for module, words in _ON_MENTION.items():
        if config is None or any(word in config for word in words):
            importlib.import_module(module)
    if config:
        _import_defining_modules(config)


def _kerasdl_objects(node):
    """``(module, registered_name)`` of every kerasdl object in a parsed Keras configuration."""
    if isinstance(node, dict):
        name, module = node.get("registered_name"), node.get("module")
        if isinstance(name, str) and name.startswith("kerasdl>") and isinstance(module, str):
            yield module, name
        for value in node.values():
            yield from _kerasdl_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _kerasdl_objects(value)


def _import_defining_modules(config: str) -> None:
    """Imports the kerasdl module the archive names for each kerasdl object not registered yet.

    Objects the packages above register are left alone (so a file written before one of them
    moved still loads without importing its old module); a module outside kerasdl, or one
    that no longer exists, is left for keras to report.
    """
    import keras

    try:
        objects = set(_kerasdl_objects(json.loads(config)))
    except ValueError:
        return
    for module, name in sorted(objects):
        if keras.saving.get_registered_object(name) is None and module.split(".")[0] == "kerasdl":
            try:
                importlib.import_module(module)
            except ImportError:
                pass


def load_model(path, *, compile=True):
    """Loads a ``.keras`` file that kerasdl wrote, in safe mode, without importing any app.

    Args:
        path: the ``.keras`` file.
        compile: whether to restore the optimizer, loss and metrics it was compiled with.

    Returns:
        The ``keras.Model``.

    Raises:
        kerasdl.errors.UserInputError: (one line) the file is missing or is not a loadable
            Keras archive.

    Example:

    >>> import kerasdl
    >>> model = kerasdl.load_model("saved_models/denoising/best.keras")  # doctest: +SKIP
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserInputError(f"no model file at {path}")
    legacy_h5 = path.suffix.lower() in (".h5", ".hdf5")
    if not legacy_h5 and not zipfile.is_zipfile(path):  # keras would say "File not found"
        raise UserInputError(
            f"cannot load model {path}: the file is damaged or not a Keras model (not a zip archive, as .keras files are)"
        )
    register_serializables(_archive_config(path))
    import keras

    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as err:  # keras raises many types for a damaged archive
        first = first_line(err)
        if isinstance(err, (OSError, EOFError, zipfile.BadZipFile)):  # h5py's or zipfile's words for a damaged file
            first = f"the file is damaged or not a Keras model ({first})"
        raise UserInputError(f"cannot load model {path}: {first}") from None
