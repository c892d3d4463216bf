"""Sentiment analysis: train a text classifier on reviews, beat TF-IDF + logistic regression, serve raw text."""

from kerasdl.apps.sentiment.task import Sentiment

__all__ = ["Sentiment"]
