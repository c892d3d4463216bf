"""Builders, grouped by family; importing this package registers them all."""

from kerasdl.models import captioning  # noqa: F401
from kerasdl.models import generative  # noqa: F401
from kerasdl.models import restoration  # noqa: F401
from kerasdl.models import seq2seq  # noqa: F401
from kerasdl.models import sequence  # noqa: F401
from kerasdl.models import vision  # noqa: F401
