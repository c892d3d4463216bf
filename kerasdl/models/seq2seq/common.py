"""What every sequence-to-sequence builder shares: the two token inputs.

A seq2seq model here maps ``{"encoder_token_ids", "decoder_token_ids"}`` (int, 0 = padding)
to next-token logits ``(batch, target_length, target_vocabulary_size)``: the decoder input is
the target shifted right (it starts with the start token), so one call scores a whole
sentence under teacher forcing, and a sampler decodes by calling it on its own prefix.
"""

from __future__ import annotations

import keras

ENCODER_INPUT = "encoder_token_ids"
DECODER_INPUT = "decoder_token_ids"


def token_inputs(source_sequence_length=None, target_sequence_length=None):
    """The encoder and decoder token-id inputs (lengths may be ``None``: any length)."""
    encoder = keras.Input(shape=(source_sequence_length,), dtype="int32", name=ENCODER_INPUT)
    decoder = keras.Input(shape=(target_sequence_length,), dtype="int32", name=DECODER_INPUT)
    return encoder, decoder
