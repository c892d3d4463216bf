"""``export_model``: the one export path every app uses (SavedModel + LiteRT + metadata)."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import logging
import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterable, Sequence

import keras
import tensorflow as tf

from kerasdl.errors import UserInputError
from kerasdl.export import metadata as metadata_lib
from kerasdl.export.endpoint import Endpoint
from kerasdl.export.litert import describe_tflite, write_tflite
from kerasdl.export.parity import check_saved_model_parity, check_tflite_parity
from kerasdl.export.saved_model import (
    FLOAT_ENDPOINT,
    check_signatures,
    describe_signatures,
    write_saved_model,
)
from kerasdl.export.versions import next_version, remove_stale_temp_dirs, temp_dir_prefix, version_dir
from kerasdl.files import dumps, write_json
from kerasdl.quiet import native_stderr_silenced

TFLITE_FILE = "model.tflite"
METADATA_FILE = "metadata.json"
FOLDER_MODE, FILE_MODE = 0o755, 0o644  # what TF Serving, often another user, needs to read a version
PUBLISH_ATTEMPTS = 100


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What ``export_model`` wrote.

    Attributes:
        path: The version folder, ``<root>/<app>/<version>``.
        version: The version number.
        tflite_path: The ``model.tflite`` inside it, or None.
        metadata: What was written to ``metadata.json``.
    """

    path: pathlib.Path
    version: int
    tflite_path: pathlib.Path | None
    metadata: dict

    def to_dict(self) -> dict:
        """The result as JSON-ready data."""
        return json.loads(dumps(dataclasses.asdict(self)))

    @property
    def title(self) -> str:
        """One line: the version and the parity measured (and the app's own checks)."""
        parity = self.metadata["parity"]
        line = ", ".join(f"{k} {v:.1e}" for k, v in parity["max_abs_diff"].items())
        if parity.get("checks"):
            line += "; " + ", ".join(f"{k} {v}" for k, v in parity["checks"].items())
        return f"Exported version {self.version} (parity max |diff|: {line})"

    @property
    def table(self) -> str | None:
        """The LiteRT variants (size, latency, metric) as a table, when quantized variants were written."""
        from kerasdl.export.quantize import variants_table

        litert = self.metadata.get("litert")
        return variants_table(litert) if litert else None

    @property
    def files(self) -> dict:
        """What was written, ``{what: path}``, and the command that shows the signatures."""
        files = {"SavedModel": self.path, "LiteRT": self.tflite_path or "skipped"}
        for variant, entry in (self.metadata.get("litert") or {}).get("variants", {}).items():
            if variant != "none":
                files[f"LiteRT {variant}"] = self.path / entry["file"]
        files.update({name: self.path / name for name in self.metadata.get("files", [])})
        files.update(
            {"metadata": self.path / METADATA_FILE, "inspect": f"saved_model_cli show --dir {self.path} --all"}
        )
        return files


def _check_arguments(app, version, endpoints: Sequence[Endpoint], extra: dict, spec, tflite_shape):
    if not isinstance(app, str) or not app or app in (".", "..") or "/" in app or os.sep in app:
        raise UserInputError(f"app name must be a plain folder name, got {app!r}")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise UserInputError(f"--version must be a positive integer, got {version!r}")
    names = [e.name for e in endpoints]
    if FLOAT_ENDPOINT in names or len(set(names)) != len(names):
        raise ValueError(f"endpoint names must be unique and not {FLOAT_ENDPOINT!r}: {names}")
    reserved = sorted(set(extra) & set(metadata_lib.RESERVED_KEYS))
    if reserved:
        raise ValueError(f"metadata keys {reserved} are written by export_model itself")
    if tflite_shape is not None and len(tflite_shape) != len(spec.shape):
        raise ValueError(f"tflite_input_shape {tuple(tflite_shape)} does not match {spec.shape}")


def _make_temp_dir(app_dir: pathlib.Path) -> pathlib.Path:
    """A new temporary folder in ``app_dir`` (created readable), after removing those killed exports left."""
    try:
        missing = [folder for folder in (app_dir, *app_dir.parents) if not folder.exists()]
        app_dir.mkdir(parents=True, exist_ok=True)
        for folder in missing:  # what this export created, readable whatever the umask
            with contextlib.suppress(OSError):  # created by another user meanwhile
                os.chmod(folder, FOLDER_MODE)
        remove_stale_temp_dirs(app_dir)
        return pathlib.Path(tempfile.mkdtemp(prefix=temp_dir_prefix(), dir=app_dir))
    except OSError as error:
        raise UserInputError(f"cannot write to {app_dir}: {error.strerror or error}") from None


def _make_readable(folder: pathlib.Path) -> None:
    """Folders 0755 and files 0644 under ``folder``, whatever the umask (``mkdtemp``/``mkstemp`` make 0700/0600)."""
    os.chmod(folder, FOLDER_MODE)
    for parent, folders, files in os.walk(folder):
        for name in folders:
            os.chmod(os.path.join(parent, name), FOLDER_MODE)
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)


def _publish(tmp: pathlib.Path, app_dir: pathlib.Path, record: dict, *, explicit: bool) -> pathlib.Path:
    """Renames the finished ``tmp`` to ``<app_dir>/<record["version"]>``; returns that folder.

    ``os.rename`` of a folder never replaces a non-empty one, so a version that appeared
    meanwhile (a concurrent export) is left alone: without an explicit version the next free
    number is taken (``record`` and its ``metadata.json`` updated) and the rename retried.
    """
    version = record["version"]
    for _ in range(PUBLISH_ATTEMPTS):
        final = app_dir / str(version)
        if not os.path.lexists(final):
            try:
                os.rename(tmp, final)
                return final
            except OSError as error:
                if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                    raise UserInputError(f"cannot write {final}: {error.strerror or error}") from None
        if explicit:
            raise UserInputError(f"{final} already exists; pass another --version or omit it")
        version = max(next_version(app_dir), version + 1)
        record["version"] = version
        write_json(record, tmp / METADATA_FILE)
        os.chmod(tmp / METADATA_FILE, FILE_MODE)
    raise UserInputError(f"no free version number in {app_dir} after {PUBLISH_ATTEMPTS} tries")


def export_model(
    model: keras.Model,
    *,
    app: str,
    root: str | os.PathLike = "saved_models",
    version: int | None = None,
    float_input_signature: tf.TensorSpec,
    sample_inputs,
    endpoints: Iterable[Endpoint] = (),
    tflite: bool = True,
    tflite_input_shape: Sequence[int | None] | None = None,
    metadata: dict | None = None,
    atol: float = 1e-4,
    png_levels: int = 1,
    files: dict | None = None,
    checks=None,
    quantize=None,
    quality=None,
    integer_io: bool = False,
    max_loss: float | None = None,
) -> ExportResult:
    """Export a model as a TF Serving version folder with LiteRT file and metadata.

    Everything is written into a temporary folder inside ``<root>/<app>/`` and
    renamed to ``<root>/<app>/<version>`` only after every parity check passed;
    on any failure the temporary folder is removed. Temporary folders that killed
    exports left there are removed first (those of running exports are kept). The
    version is world-readable (folders 0755, files 0644), as TF Serving needs.
    Without ``version``, two exports at once both succeed: the second to finish
    takes the next free number.

    Args:
        model: The Keras model (one float tensor input, one tensor output).
        app: The app / TF Serving model name, e.g. ``"sr"``.
        root: The model base folder.
        version: The version number; by default one more than the largest.
        float_input_signature: ``tf.TensorSpec`` of the ``serving_float`` input
            (spatial dims may be None).
        sample_inputs: One input batch for the parity checks.
        endpoints: Extra ``Endpoint`` signatures; one named ``serving_default``
            replaces the default alias of ``serving_float``.
        tflite: Whether to write and check ``model.tflite``.
        tflite_input_shape: A fixed TFLite input shape, e.g. ``(1, 64, 64, 1)``;
            None keeps the signature's dynamic shape.
        metadata: Extra top-level ``metadata.json`` entries (metrics, model name,
            ``command``...).
        atol: Max abs difference allowed for float outputs.
        png_levels: Max pixel difference allowed for ``compare="png"`` endpoints.
        files: ``{file name: bytes or str}`` written into the version folder (a
            vocabulary, a tokenizer model), before the checks run.
        checks: More checks, called with the finished (still temporary) folder before it is
            renamed into place; returns ``{name: value}`` added to ``parity["checks"]`` and
            raises ``ExportParityError`` when an artifact disagrees.
        quantize: Quantized LiteRT variants written beside ``model.tflite``: ``"dynamic"``,
            ``"float16"``, ``"int8"`` (a list, or comma-separated). Each is checked and measured
            (size, batch-1 latency, ``quality``'s metric) into ``metadata.json["litert"]``.
        quality: A :class:`~kerasdl.export.quantize.LiteRTQuality`: the app's metric, its
            calibration data and the default ``max_loss``.
        integer_io: Give the int8 file int8 input and output (microcontrollers).
        max_loss: Refuse the export when a variant loses more of the metric than this
            (default: ``quality.max_loss``).

    Returns:
        The ``ExportResult``.

    Raises:
        UserInputError: The explicit version exists, or the root cannot be written.
        ExportParityError: A reloaded artifact does not reproduce the model.
        TFLiteConversionError: LiteRT conversion needs non-builtin ops.
        QuantizationLossError: A quantized variant loses more than ``max_loss``.
    """
    from kerasdl.export.quantize import measure_variants, parse_quantize

    variants = parse_quantize(quantize)
    if len(variants) > 1 and not tflite:
        raise UserInputError("--quantize writes LiteRT files: it cannot go with --no-tflite")
    if integer_io and "int8" not in variants:
        raise UserInputError("--integer-io is for the int8 variant: add --quantize int8")
    if max_loss is not None and (isinstance(max_loss, bool) or not max_loss >= 0):
        raise UserInputError(f"--max-loss must be a number >= 0, got {max_loss!r}")
    endpoints = tuple(endpoints)
    extra = dict(metadata or {})
    _check_arguments(app, version, endpoints, extra, float_input_signature, tflite_input_shape)
    app_dir = pathlib.Path(root) / app
    explicit = version is not None
    if version is None:
        version = next_version(app_dir)
    final = version_dir(root, app, version)
    if explicit and final.exists():
        raise UserInputError(f"{final} already exists; pass another --version or omit it")

    tmp = _make_temp_dir(app_dir)
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))  # TensorFlow's INFO lines ("Assets written to ...") are not for users
    try:
        arg_names = write_saved_model(model, tmp, float_input_signature, endpoints)
        # Reloading and running the artifacts makes TF's and LiteRT's C++ code print
        # harmless notes ("NodeDef mentions attribute ...", the XNNPACK delegate line).
        with native_stderr_silenced():
            loaded = tf.saved_model.load(str(tmp))
            check_signatures(tmp, loaded, arg_names, artifact=f"SavedModel {final}")
            diffs = check_saved_model_parity(
                model,
                loaded,
                arg_names,
                sample_inputs,
                float_input_signature.dtype,
                endpoints,
                atol=atol,
                png_levels=png_levels,
                artifact=f"SavedModel {final}",
            )
            tflite_info = litert = None
            if tflite:
                shape = float_input_signature.shape if tflite_input_shape is None else tflite_input_shape
                converter = write_tflite(model, tmp / TFLITE_FILE, tf.TensorSpec(shape, tf.float32))
                diffs["tflite"] = check_tflite_parity(
                    model,
                    tmp / TFLITE_FILE,
                    sample_inputs,
                    tflite_input_shape,
                    atol=atol,
                    artifact=f"TFLite model {final / TFLITE_FILE}",
                )
                tflite_info = {**describe_tflite(tmp / TFLITE_FILE), "converter": converter}
                if len(variants) > 1:
                    litert = measure_variants(
                        model,
                        tmp,
                        tf.TensorSpec(shape, tf.float32),
                        variants,
                        quality=quality,
                        sample_inputs=sample_inputs,
                        integer_io=integer_io,
                        max_loss=max_loss,
                        atol=atol,
                        artifact=f"LiteRT {final}",
                        float_converter=converter,
                    )
            for name, content in (files or {}).items():
                target = tmp / name
                if isinstance(content, str):
                    target.write_text(content, encoding="utf-8")
                else:
                    target.write_bytes(content)
            extra_checks = checks(tmp) if checks is not None else {}

        record = {
            "app": app,
            "version": version,
            "created": metadata_lib.utc_now(),
            "command": extra.pop("command", None) or metadata_lib.default_command(),
            **extra,
            "signatures": describe_signatures(loaded),
            **({"files": sorted(files)} if files else {}),
            "tflite": tflite_info,
            **({"litert": litert} if litert else {}),
            "parity": {
                "atol": atol,
                "png_levels": png_levels,
                "max_abs_diff": diffs,
                "compare": {FLOAT_ENDPOINT: "float", **{e.name: e.compare for e in endpoints}},
                **({"checks": extra_checks} if extra_checks else {}),
            },
            "versions": metadata_lib.library_versions(),
        }
        record = json.loads(dumps(record))
        write_json(record, tmp / METADATA_FILE)
        _make_readable(tmp)
        final = _publish(tmp, app_dir, record, explicit=explicit)
        version = record["version"]
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        logger.setLevel(level)
    return ExportResult(
        path=final,
        version=version,
        tflite_path=final / TFLITE_FILE if tflite else None,
        metadata=record,
    )
