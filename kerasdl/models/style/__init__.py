"""Style transfer builders: the feed-forward stylizer and the feature network its losses read."""

from kerasdl.models.style.features import (
    CONTENT_LAYER,
    STYLE_LAYERS,
    fixed_random_weights,
    style_feature_extractor,
)
from kerasdl.models.style.transformation import fast_stylizer

__all__ = ["CONTENT_LAYER", "STYLE_LAYERS", "fast_stylizer", "fixed_random_weights", "style_feature_extractor"]
