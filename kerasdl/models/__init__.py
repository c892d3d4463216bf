"""Builders, grouped by family; importing this package registers them all."""

from kerasdl.models import (
    captioning,  # noqa: F401
    generative,  # noqa: F401
    restoration,  # noqa: F401
    seq2seq,  # noqa: F401
    sequence,  # noqa: F401
    vision,  # noqa: F401
)
