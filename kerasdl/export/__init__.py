"""Exporting models: TF Serving SavedModel, LiteRT files (float and quantized), parity checks and metadata.

The names below load on first use, so that ``kerasdl.export.quantize``'s flag parsing does
not import TensorFlow (``--help`` and flag errors answer before it loads).
"""

import importlib

_EXPORTS = {
    "ExportResult": "bundle",
    "export_model": "bundle",
    "Endpoint": "endpoint",
    "TFLiteConversionError": "litert",
    "run_tflite": "litert",
    "write_tflite": "litert",
    "check_saved_model_parity": "parity",
    "check_tflite_parity": "parity",
    "DEFAULT_SIGNATURE": "saved_model",
    "FLOAT_ENDPOINT": "saved_model",
    "load_serving_signature": "saved_model",
    "write_saved_model": "saved_model",
    "next_version": "versions",
    "version_dir": "versions",
    "LiteRTQuality": "quantize",
    "QuantizationLossError": "quantize",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
