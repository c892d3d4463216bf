"""Sentiment analysis: train a text classifier on reviews, beat TF-IDF + logistic regression, serve raw text."""

from kerasdl.apps.sentiment import commands
from kerasdl.registry import register_app


@register_app("sentiment")
class SentimentApp:
    """Sentiment of reviews (NBSVM, CNN, LSTM, Transformer, keras-hub presets) vs TF-IDF + logistic regression."""

    aliases = ()
    add_commands = staticmethod(commands.add_commands)
