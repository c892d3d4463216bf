"""Language builders: word vectors (skip-gram), causal language models (GPT), masked language models (BERT)."""

from kerasdl.models.language.bert import bert  # noqa: E402,F401
from kerasdl.models.language.gpt import gpt  # noqa: E402,F401
from kerasdl.models.language.skipgram import SkipGram, negative_sampling_loss, skipgram  # noqa: E402,F401
