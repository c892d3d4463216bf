"""Standardising review text inside the model graph, for ``keras.layers.TextVectorization``."""

import keras

# Punctuation that carries sentiment or sentence structure ("great!", "great?", "(sigh)"):
# it becomes a token of its own; any other character that is not a letter, a digit or an
# apostrophe separates words.
_KEPT_PUNCTUATION = r"!?.,;:()\""


@keras.saving.register_keras_serializable(package="kerasdl")
def standardize_review(text):
    """Lower-cases, turns HTML line breaks into spaces and splits punctuation off words.

    ``"Great film!<br /><br />I LOVED it."`` becomes ``"great film !  i loved it . "``
    (with more spaces);
    splitting on whitespace then gives the tokens. A registered function, so a
    ``TextVectorization(standardize=standardize_review)`` in a ``.keras`` file loads in safe
    mode and runs unchanged in an exported SavedModel.

    Args:
        text: a string tensor of any shape.

    Returns:
        The standardised string tensor, same shape.
    """
    import tensorflow as tf  # string ops: TextVectorization runs on TensorFlow whatever the backend

    # Unicode lower-casing; bytes that are not UTF-8 become U+FFFD, a word separator below.
    text = tf.strings.lower(text, encoding="utf-8")
    text = tf.strings.regex_replace(text, r"<br\s*/?>", " ")
    text = tf.strings.regex_replace(text, f"([{_KEPT_PUNCTUATION}])", r" \1 ")
    return tf.strings.regex_replace(text, f"[^\\p{{L}}\\p{{N}}'{_KEPT_PUNCTUATION} ]+", " ")
