"""Decoding a seq2seq model with keras-hub's samplers: greedy, beam search, top-k.

The sampler grows a decoder prompt ``[start, 0, 0, ...]`` one token at a time; at each step
the model scores the prompt so far against the source (kept in the sampler's cache, which
beam search repeats and reorders per beam), and the logits at the last filled position pick
the next token. Everything is ``keras.ops``, so the loop traces into a SavedModel signature.
"""

from __future__ import annotations

import keras_hub
from keras import ops

from kerasdl.models.arguments import check_positive_int
from kerasdl.models.seq2seq.common import DECODER_INPUT, ENCODER_INPUT

SAMPLERS = ("greedy", "beam", "top_k")


def make_sampler(name: str = "greedy", *, beam_width: int = 4, top_k: int = 10, seed: int | None = None):
    """A keras-hub sampler by name: ``"greedy"``, ``"beam"`` (``beam_width`` beams) or ``"top_k"``."""
    if name == "greedy":
        return keras_hub.samplers.GreedySampler()
    if name == "beam":
        check_positive_int("beam_width", beam_width)
        return keras_hub.samplers.BeamSampler(num_beams=beam_width)
    if name == "top_k":
        check_positive_int("top_k", top_k)
        return keras_hub.samplers.TopKSampler(k=top_k, seed=seed)
    raise ValueError(f"sampler must be one of {', '.join(map(repr, SAMPLERS))}; Received: sampler={name!r}")


def truncate_after_end(token_ids, end_id: int):
    """Token ids with everything after the first ``end_id`` in each row set to 0 (padding)."""
    is_end = ops.cast(ops.equal(token_ids, end_id), "int32")
    ended_before = ops.cumsum(is_end, axis=-1) - is_end  # ends strictly before each position
    return ops.where(ended_before > 0, ops.zeros_like(token_ids), token_ids)


def decode(model, encoder_token_ids, *, start_id: int, end_id: int, max_length: int, sampler="greedy"):
    """Target token ids for a batch of sources.

    Args:
        model: a seq2seq model from ``{"encoder_token_ids", "decoder_token_ids"}`` to logits.
        encoder_token_ids: int tensor ``(batch, source_length)``, 0-padded.
        start_id: the token that starts every target.
        end_id: the token that ends it; decoding stops when every row has produced it.
        max_length: longest output, the start token included.
        sampler: a keras-hub sampler or a name for :func:`make_sampler`.

    Returns:
        Int tensor ``(batch, max_length)``: the start token, the output, the end token where one
        was produced, then zeros.
    """
    if isinstance(sampler, str):
        sampler = make_sampler(sampler)
    encoder_token_ids = ops.convert_to_tensor(encoder_token_ids, "int32")
    batch = ops.shape(encoder_token_ids)[0]
    prompt = ops.concatenate(
        [ops.full((batch, 1), start_id, dtype="int32"), ops.zeros((batch, max_length - 1), dtype="int32")], axis=1
    )
    keep = ops.concatenate([ops.ones((batch, 1), "bool"), ops.zeros((batch, max_length - 1), "bool")], axis=1)

    vocabulary_size = model.output.shape[-1]
    # Padding and the start token are never a next token.
    never = ops.convert_to_tensor([0.0 if i not in (0, start_id) else -1e9 for i in range(vocabulary_size)])

    def next_logits(prompt, source, index):
        logits = model({ENCODER_INPUT: source, DECODER_INPUT: prompt}, training=False)
        return ops.cast(ops.take(logits, index - 1, axis=1), "float32") + never, None, source

    tokens = sampler(next_logits, prompt, cache=encoder_token_ids, index=1, mask=keep, stop_token_ids=[end_id])
    return truncate_after_end(ops.cast(tokens, "int32"), end_id)


__all__ = ["SAMPLERS", "decode", "make_sampler", "truncate_after_end"]
