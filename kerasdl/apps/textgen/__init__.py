"""Text generation: a GPT trained on any text, scored by perplexity beside a Kneser-Ney n-gram, served as strings."""

from kerasdl.apps.textgen.task import TextGeneration

__all__ = ["TextGeneration"]
