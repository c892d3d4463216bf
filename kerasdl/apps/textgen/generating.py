"""Generating text with a GPT and keras-hub's samplers: greedy, top-k, top-p (nucleus) and beam search.

The prompt is tokenized, put after the end token ``[EOS]`` (which starts every document) and
padded to the output length; the sampler fills the padding one token at a time from the
logits at the last filled position, and stops when every row has produced ``[EOS]`` or
the length runs out. Everything is ``keras.ops`` inside one ``tf.function`` from strings to
strings, so ``predict`` and the exported SavedModel's ``serving_default`` run the same graph.
"""

from __future__ import annotations

import numbers

from kerasdl.apps.textgen.data import END_ID, PAD_ID, UNKNOWN_ID
from kerasdl.errors import UserInputError

SAMPLERS = ("greedy", "top_k", "top_p", "beam")
DEFAULT_MAX_LENGTH = 40
OUTPUT_KEY = "generated"
TEXT_INPUT = "prompt"


def _positive_int(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
        raise UserInputError(f"{name} must be a positive integer; got {value!r}")


def decoding(
    sampler: str = "greedy", *, top_k: int | None = None, top_p: float | None = None, beam_width: int | None = None
) -> tuple[str, dict]:
    """The sampler asked for and its options, checked: ``("top_p", {"top_p": 0.9})``.

    Raises:
        UserInputError: an unknown sampler, a bad value, or an option of another sampler.
    """
    if sampler not in SAMPLERS:
        raise UserInputError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    _positive_int("top_k", top_k)
    _positive_int("beam_width", beam_width)
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1):
        raise UserInputError(f"top_p must be a number in (0, 1]; got {top_p!r}")
    given = {"top_k": top_k, "top_p": top_p, "beam_width": beam_width}
    wanted = {"greedy": (), "top_k": ("top_k",), "top_p": ("top_p",), "beam": ("beam_width",)}[sampler]
    stray = [k for k, v in given.items() if v is not None and k not in wanted]
    if stray:
        raise UserInputError(f"{', '.join(stray)} does not apply to the {sampler} sampler")
    defaults = {"top_k": 10, "top_p": 0.9, "beam_width": 4}
    return sampler, {k: (given[k] if given[k] is not None else defaults[k]) for k in wanted}


def describe(sampler: str, options: dict) -> str:
    """A sampler in words."""
    return {
        "greedy": "greedy",
        "top_k": f"top-{options.get('top_k')} sampling",
        "top_p": f"top-p (nucleus) sampling, p={options.get('top_p')}",
        "beam": f"beam search, width {options.get('beam_width')}",
    }[sampler]


def make_sampler(sampler: str, options: dict, *, seed: int | None = None):
    """The keras-hub sampler (``GreedySampler``, ``TopKSampler``, ``TopPSampler``, ``BeamSampler``)."""
    import keras_hub

    if sampler == "greedy":
        return keras_hub.samplers.GreedySampler()
    if sampler == "top_k":
        return keras_hub.samplers.TopKSampler(k=options["top_k"], seed=seed)
    if sampler == "top_p":
        return keras_hub.samplers.TopPSampler(p=options["top_p"], seed=seed)
    return keras_hub.samplers.BeamSampler(num_beams=options["beam_width"])


def generate_ids(model, prompt_ids, prompt_lengths, *, max_new, sampler):
    """Fills each row of ``prompt_ids`` after its prompt with generated tokens.

    Args:
        model: a causal LM from token ids ``(batch, length)`` to logits ``(batch, length, vocabulary)``.
        prompt_ids: int32 ``(batch, total)``: ``[EOS]``, the prompt's tokens, then zeros.
        prompt_lengths: int32 ``(batch,)``: filled positions of each row (``[EOS]`` included).
        max_new: the most tokens generated per row.
        sampler: a keras-hub sampler.

    Returns:
        Int32 ``(batch, total)``: the prompt, its continuation up to and including ``[EOS]``
        (where one came) or ``max_new`` tokens, then zeros.
    """
    from keras import ops

    from kerasdl.inference.seq2seq_decoding import truncate_after_end

    total = ops.shape(prompt_ids)[1]
    positions = ops.arange(total)[None, :]
    keep = positions < prompt_lengths[:, None]
    vocabulary = model.output.shape[-1]
    # Padding and unknown pieces are never generated.
    never = ops.convert_to_tensor([-1e9 if i in (PAD_ID, UNKNOWN_ID) else 0.0 for i in range(vocabulary)])

    def next_logits(prompt, cache, index):
        logits = model(prompt, training=False)
        return ops.cast(ops.take(logits, index - 1, axis=1), "float32") + never, None, cache

    tokens = sampler(next_logits, prompt_ids, index=ops.min(prompt_lengths), mask=keep, stop_token_ids=[END_ID])
    tokens = ops.cast(tokens, "int32")
    # The first [EOS] starts the row; the continuation ends at the next one or after max_new tokens.
    continuation = ops.where(keep, ops.zeros_like(tokens), tokens)
    continuation = truncate_after_end(continuation, END_ID)
    continuation = ops.where(positions < (prompt_lengths + max_new)[:, None], continuation, 0)
    return ops.where(keep, tokens, continuation)


def generate_fn(model, tokenizer, *, sequence_length: int, max_length: int, sampler: str, options: dict, seed=None):
    """A ``tf.function`` from ``[batch]`` prompt strings to ``{"generated": [batch] strings}``.

    The output is the prompt (as the tokenizer reads it: lower case, split into words) and
    its continuation. Prompts are cut to ``sequence_length - 1`` tokens (``predict`` refuses
    longer ones first); outputs stop at ``sequence_length`` tokens in all.
    """
    import tensorflow as tf

    sampler_object = make_sampler(sampler, options, seed=seed)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=TEXT_INPUT)], autograph=False)
    def generate(prompt):
        ragged = tokenizer(prompt)[:, : sequence_length - 1]
        batch = tf.shape(prompt)[0]
        ragged = tf.concat([tf.fill([batch, 1], END_ID), tf.cast(ragged, tf.int32)], axis=1)
        lengths = tf.cast(ragged.row_lengths(), tf.int32)
        total = tf.minimum(tf.reduce_max(lengths) + max_length, sequence_length)
        ids = ragged.to_tensor(default_value=PAD_ID, shape=[None, None])
        ids = tf.pad(ids, [[0, 0], [0, total - tf.shape(ids)[1]]])
        out = generate_ids(model, ids, lengths, max_new=max_length, sampler=sampler_object)
        out = tf.RaggedTensor.from_tensor(out[:, 1:], padding=PAD_ID)  # drop the leading [EOS] and the padding
        out = tf.ragged.boolean_mask(out, tf.not_equal(out, END_ID))
        return {OUTPUT_KEY: tf.strings.strip(tokenizer.detokenize(out))}

    generate.tokenizer = tokenizer
    return generate
