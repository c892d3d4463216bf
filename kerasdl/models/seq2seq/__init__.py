"""Sequence-to-sequence builders: RNN encoder–decoder with attention, Transformer."""

from kerasdl.models.seq2seq.rnn import attention_model, rnn_seq2seq
from kerasdl.models.seq2seq.transformer import transformer_seq2seq

__all__ = ["attention_model", "rnn_seq2seq", "transformer_seq2seq"]
