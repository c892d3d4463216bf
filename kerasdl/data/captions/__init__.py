"""Captioned images: Flickr8k, CSV and COCO layouts, the embedded generated scenes, a word vocabulary."""

from kerasdl.data.captions.loaders import (  # noqa: F401
    CaptionSplit,
    load_captions,
    load_coco,
    load_csv,
    load_flickr8k,
    read_images,
)
from kerasdl.data.captions.scenes import generate_scenes, scene_splits  # noqa: F401
from kerasdl.data.captions.vocabulary import (  # noqa: F401
    END,
    RESERVED,
    START,
    UNKNOWN,
    build_vocabulary,
    encode_captions,
    normalize_caption,
)
