"""Image-captioning builders (Show, Attend and Tell; a Transformer captioner); importing registers them."""

from kerasdl.models.captioning.common import (  # noqa: F401
    CAPTION_INPUT,
    DECODER_LAYER,
    ENCODER_LAYER,
    FEATURES_INPUT,
    IMAGE_INPUT,
)
from kerasdl.models.captioning.encoders import image_encoder  # noqa: F401
from kerasdl.models.captioning.show_attend_tell import attention_model, show_attend_tell  # noqa: F401
from kerasdl.models.captioning.transformer import transformer_captioner  # noqa: F401
