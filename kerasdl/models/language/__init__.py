"""Language builders: word vectors (skip-gram), causal language models (GPT), masked language models (BERT)."""

from kerasdl.models.language.gpt import gpt  # noqa: E402,F401
