"""The description of an extra serving signature."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import tensorflow as tf

COMPARE_MODES = ("float", "png")


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """An extra serving signature: a tf.function-compatible callable using the model, and its input signature.

    Attributes:
        name: The signature name, e.g. ``"serving_default"`` or ``"serving_png"``.
        fn: Takes tensors per ``input_signature`` and returns a dict of tensors;
            it uses the (tracked) model.
        input_signature: One ``tf.TensorSpec`` per positional argument of ``fn``.
        sample_inputs: Concrete inputs (numpy/tf), one per argument, used for the
            parity check of this endpoint.
        compare: ``"float"`` compares outputs with ``atol``; ``"png"`` treats each
            output as a batch of encoded images, decodes them and compares the
            integer pixels with tolerance ``png_levels``.
    """

    name: str
    fn: Callable
    input_signature: list[tf.TensorSpec]
    sample_inputs: list
    compare: str = "float"

    def __post_init__(self):
        if self.compare not in COMPARE_MODES:
            raise ValueError(f"Endpoint {self.name!r}: compare must be one of {COMPARE_MODES}, got {self.compare!r}")
        if len(self.sample_inputs) != len(self.input_signature):
            raise ValueError(
                f"Endpoint {self.name!r}: {len(self.sample_inputs)} sample inputs "
                f"for {len(self.input_signature)} input specs"
            )
