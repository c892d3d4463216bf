"""Apps: each wires data, a model from the registry, training, evaluation and export."""

from kerasdl.apps import super_resolution  # noqa: F401
from kerasdl.apps import classification  # noqa: F401
from kerasdl.apps import denoising  # noqa: F401
from kerasdl.apps import sentiment  # noqa: F401
from kerasdl.apps import translation  # noqa: F401
from kerasdl.apps import captioning  # noqa: F401
