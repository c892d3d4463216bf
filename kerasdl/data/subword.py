"""Subword tokenizers learned from a training corpus: SentencePiece, served by keras-hub.

SentencePiece (Kudo & Richardson 2018) keeps whitespace as a symbol, so detokenisation gives
the sentence back (accents, ñ, ¿¡ included); ``byte_fallback`` spells characters never seen in
training as UTF-8 bytes instead of ``<unk>``. The ids of the special pieces are fixed so every
model agrees: 0 pads, 1 is unknown, 2 starts a sentence, 3 ends it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import keras_hub
import sentencepiece

PAD_ID, UNKNOWN_ID, START_ID, END_ID = 0, 1, 2, 3


def train_sentencepiece(texts: Iterable[str], *, vocabulary_size: int = 8000, model_type: str = "unigram") -> bytes:
    """A SentencePiece model proto learned from ``texts`` (no normalisation: text kept as written).

    Args:
        texts: training sentences.
        vocabulary_size: pieces in the vocabulary, the four special ones and 256 byte pieces
            included. If the corpus has fewer distinct pieces, SentencePiece's own error asks for less.
        model_type: ``"unigram"`` or ``"bpe"``.

    Returns:
        The serialised model, for :func:`tokenizer` (and to be saved next to a model).
    """
    if isinstance(vocabulary_size, bool) or not isinstance(vocabulary_size, int) or vocabulary_size < 300:
        raise ValueError(
            f"vocabulary_size must be an int >= 300 (bytes + specials); Received: vocabulary_size={vocabulary_size!r}"
        )
    if model_type not in ("unigram", "bpe"):
        raise ValueError(f"model_type must be 'unigram' or 'bpe'; Received: model_type={model_type!r}")
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise ValueError("texts is empty: a tokenizer needs at least one non-blank sentence")
    proto = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=proto,
        vocab_size=vocabulary_size,
        model_type=model_type,
        pad_id=PAD_ID,
        unk_id=UNKNOWN_ID,
        bos_id=START_ID,
        eos_id=END_ID,
        byte_fallback=True,
        normalization_rule_name="identity",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
    )
    return proto.getvalue()


def tokenizer(proto: bytes, *, sequence_length: int | None = None, add_start: bool = False, add_end: bool = False):
    """A keras-hub ``SentencePieceTokenizer`` (strings ↔ int32 ids, runs inside a TF graph)."""
    return keras_hub.tokenizers.SentencePieceTokenizer(
        proto=proto, sequence_length=sequence_length, add_bos=add_start, add_eos=add_end
    )
