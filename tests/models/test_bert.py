"""The BERT builder: its three heads through the harness, BERT-base's size, attention both ways, masked padding."""

import keras
import numpy as np
import pytest

from kerasdl.models.language.bert import BACKBONE, bert
from tests.testing import run_builder_test

TINY = {"vocabulary_size": 50, "sequence_length": 16, "embed_dim": 8, "num_heads": 2, "intermediate_dim": 16}
IDS = np.array([[2, 7, 9, 4, 0, 0], [3, 5, 5, 8, 11, 6]], dtype="int32")


@pytest.mark.slow
def test_masked_lm_head_gives_logits_for_the_masked_positions():
    positions = np.array([[1, 3], [0, 5]], dtype="int32")
    run_builder_test(
        bert,
        init_kwargs={**TINY, "head": "masked_lm", "mask_length": 2},
        input_data={"token_ids": IDS, "mask_positions": positions},
        expected_output_shape=(2, 2, 50),
    )


@pytest.mark.slow
def test_classifier_head_gives_class_scores():
    run_builder_test(
        bert, init_kwargs={**TINY, "head": "classifier", "classes": 3}, input_data=IDS, expected_output_shape=(2, 3)
    )


def test_bert_base_has_keras_hubs_parameter_count():
    """BERT-base's encoder (keras-hub's bert_base_en: 30,522 word pieces, 512 positions) has 109,482,240."""
    model = bert(
        vocabulary_size=30522,
        sequence_length=512,
        embed_dim=768,
        num_heads=12,
        intermediate_dim=3072,
        num_layers=12,
        head=None,
    )
    assert model.get_layer(BACKBONE).count_params() == 109_482_240


def test_attention_looks_both_ways_and_ignores_padding():
    model = bert(**TINY, head=None, dropout=0.0)
    ids = IDS[:1, :4]
    changed_last = ids.copy()
    changed_last[0, -1] = 12
    out, out_changed = model(ids), model(changed_last)
    assert out.shape == (1, 4, 8)
    assert not np.allclose(out[0, 0], out_changed[0, 0], atol=1e-6)  # bidirectional, unlike a causal LM
    padded = np.concatenate([ids, np.zeros((1, 3), "int32")], axis=1)
    np.testing.assert_allclose(model(padded)[0, :4], out[0], rtol=1e-5, atol=1e-5 * np.abs(out).max())


def test_a_classifier_takes_a_pretrained_masked_lms_encoder():
    pretrained = bert(**TINY, head="masked_lm", mask_length=2)
    classifier = bert(**TINY, head="classifier")
    classifier.get_layer(BACKBONE).set_weights(pretrained.get_layer(BACKBONE).get_weights())
    for ours, theirs in zip(classifier.get_layer(BACKBONE).weights, pretrained.get_layer(BACKBONE).weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"head": "pooled"}, "head must be one of"),
        ({"embed_dim": 9}, "divisible by num_heads"),
        ({"mask_length": 0}, "mask_length"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bert(**{**TINY, **kwargs})
