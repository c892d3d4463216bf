"""SentencePiece tokenizers learned from data: Unicode round trip and the fixed special ids."""

import numpy as np
import pytest

from kerasdl.data.parallel_corpus import generate_pairs
from kerasdl.data.subword import END_ID, PAD_ID, START_ID, tokenizer, train_sentencepiece

SPANISH = ["¿Dónde está el niño?", "¡Qué año tan difícil!", "El pingüino comió ñoquis.", "Él habló con su mamá."]


@pytest.fixture(scope="module")
def proto():
    corpus = [es for _, es in generate_pairs(1500, seed=0)] + SPANISH[:2]
    return train_sentencepiece(corpus, vocabulary_size=400)


def test_round_trip_keeps_accents_and_inverted_marks(proto):
    tok = tokenizer(proto)
    texts = SPANISH + ["Ñandú, Über, façade — 東京"]  # characters never seen in training: byte fallback
    ids = tok(texts)
    assert tok.detokenize(ids) == texts


def test_start_end_and_padding_ids(proto):
    tok = tokenizer(proto, sequence_length=12, add_start=True, add_end=True)
    ids = np.asarray(tok(["tengo dos libros"]))[0]
    assert ids[0] == START_ID
    assert END_ID in ids and ids[list(ids).index(END_ID) + 1 :].tolist() == [PAD_ID] * (
        len(ids) - list(ids).index(END_ID) - 1
    )
    assert (
        tok.id_to_token(PAD_ID) == "<pad>" and tok.id_to_token(START_ID) == "<s>" and tok.id_to_token(END_ID) == "</s>"
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="vocabulary_size must be an int >= 300"):
        train_sentencepiece(["a b c"], vocabulary_size=10)
    with pytest.raises(ValueError, match="texts is empty"):
        train_sentencepiece(["", "  "], vocabulary_size=400)
    with pytest.raises(ValueError, match="model_type"):
        train_sentencepiece(["a"], vocabulary_size=400, model_type="word")
