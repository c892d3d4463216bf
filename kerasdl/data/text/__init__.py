"""Labelled text for the sentiment app: loaders for common layouts, the embedded review set, splits."""

from kerasdl.data.text.loaders import (
    CLASS_NAMES,
    LabeledTexts,
    clean_text,
    decode_text,
    is_aclimdb,
    keras_home,
    label_index,
    load_aclimdb,
    load_keras_imdb,
    load_review_folder,
    load_table,
    read_texts,
)
from kerasdl.data.text.reviews import embedded_reviews, generate_reviews
from kerasdl.data.text.splits import DATASETS, SPLIT_SEED, TextSplit, load_split, load_texts

__all__ = [
    "CLASS_NAMES",
    "DATASETS",
    "SPLIT_SEED",
    "LabeledTexts",
    "TextSplit",
    "clean_text",
    "decode_text",
    "read_texts",
    "embedded_reviews",
    "generate_reviews",
    "is_aclimdb",
    "keras_home",
    "label_index",
    "load_aclimdb",
    "load_keras_imdb",
    "load_review_folder",
    "load_split",
    "load_table",
    "load_texts",
]
