"""Exporting models: TF Serving SavedModel, LiteRT file, parity checks and metadata."""

from kerasdl.export.bundle import ExportResult, export_model
from kerasdl.export.endpoint import Endpoint
from kerasdl.export.litert import TFLiteConversionError, run_tflite, write_tflite
from kerasdl.export.parity import check_saved_model_parity, check_tflite_parity
from kerasdl.export.saved_model import (
    DEFAULT_SIGNATURE,
    FLOAT_ENDPOINT,
    load_serving_signature,
    write_saved_model,
)
from kerasdl.export.versions import next_version, version_dir

__all__ = [
    "DEFAULT_SIGNATURE",
    "FLOAT_ENDPOINT",
    "Endpoint",
    "ExportResult",
    "TFLiteConversionError",
    "check_saved_model_parity",
    "check_tflite_parity",
    "export_model",
    "load_serving_signature",
    "next_version",
    "run_tflite",
    "version_dir",
    "write_saved_model",
    "write_tflite",
]
