"""Builders, grouped by family; importing this package registers them all."""

from kerasdl.models import restoration  # noqa: F401
