"""Fine-tuning a keras-hub text-classifier preset (BERT, DistilBERT, RoBERTa, ...) with the app's data."""

from __future__ import annotations

from kerasdl.apps.recipe import Recipe
from kerasdl.apps.sentiment.recipes import TEXT_INPUT
from kerasdl.errors import UserInputError

# How a preset fine-tunes by default: a few epochs at a small rate, as keras-hub's examples do.
PRESET_RECIPE = Recipe(
    "keras_hub.models.TextClassifier",
    training={"epochs": 2, "steps_per_epoch": None, "learning_rate": 2e-5, "batch_size": 16},
    summary="a keras-hub text-classifier preset (preset=), fine-tuned",
)


def load_classifier(preset: str, *, classes: int):
    """``keras_hub.models.TextClassifier.from_preset(preset, num_classes=classes)``, with one-line errors.

    ``preset`` is a keras-hub name (``"bert_tiny_en_uncased"``; downloaded from Kaggle or
    Hugging Face on first use and cached) or a local preset folder (``save_to_preset``).
    """
    import keras_hub

    try:
        return keras_hub.models.TextClassifier.from_preset(preset, num_classes=classes)
    except Exception as err:  # noqa: BLE001 - unknown names, no network, broken folders raise many types
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        raise UserInputError(
            f"cannot load keras-hub preset {preset!r}: {first} (presets download on first use; "
            "without a network pass a local preset folder)"
        ) from None


def is_task(model) -> bool:
    """Whether ``model`` is a keras-hub text classifier (a task with its own preprocessor)."""
    import keras_hub

    return isinstance(model, keras_hub.models.TextClassifier)


def text_model(classifier, *, name: str = "preset_classifier"):
    """Raw strings -> the classifier's own preprocessor -> the classifier -> softmax.

    keras-hub trains and saves the task itself (its ``fit`` maps the preprocessor over the
    data, and its ``.keras`` file restores the tokenizer's vocabulary); this wrapper, built
    after loading, gives the app what its own models are: raw strings in, probabilities out,
    the preprocessing (tokenizer, packing, padding) in the graph for the SavedModel.
    """
    import keras

    preprocessor = classifier.preprocessor
    if preprocessor is None:
        raise UserInputError(f"keras-hub model {classifier.name!r} has no preprocessor; the app needs one to read text")
    text = keras.Input(shape=(), dtype="string", name=TEXT_INPUT)
    logits = classifier(preprocessor(text))
    return keras.Model(text, keras.layers.Softmax(dtype="float32", name="probabilities")(logits), name=name)
