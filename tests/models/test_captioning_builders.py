"""Captioning builders: the harness, causality, attention over the image, encoders, argument checks."""

import keras
import numpy as np
import pytest

from kerasdl.models.captioning import attention_model, image_encoder, show_attend_tell, transformer_captioner
from tests.testing import run_builder_test

IMAGES = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
CAPTIONS = np.array([[2, 5, 6, 7, 0], [2, 8, 0, 0, 0]], "int32")
TINY_SAT = dict(vocabulary_size=30, image_shape=(32, 32, 3), embed_dim=8, units=16)
TINY_TRANSFORMER = dict(
    vocabulary_size=30,
    sequence_length=8,
    image_shape=(32, 32, 3),
    embed_dim=8,
    intermediate_dim=16,
    num_heads=2,
    num_decoder_layers=1,
    dropout=0.0,
)


def inputs(captions=CAPTIONS):
    return {"image": IMAGES, "caption_ids": captions}


@pytest.mark.parametrize("builder, kwargs", [(show_attend_tell, TINY_SAT), (transformer_captioner, TINY_TRANSFORMER)])
def test_builder_harness(builder, kwargs):
    model = run_builder_test(builder, init_kwargs=kwargs, input_data=inputs(), expected_output_shape=(2, 5, 30))
    assert {layer.name for layer in model.layers} >= {"encoder", "decoder"}


@pytest.mark.parametrize("builder, kwargs", [(show_attend_tell, TINY_SAT), (transformer_captioner, TINY_TRANSFORMER)])
def test_a_word_depends_on_earlier_words_and_the_image_only(builder, kwargs):
    model = builder(**kwargs)
    changed = CAPTIONS.copy()
    changed[:, 3] = 9  # a later word changes: the logits before it must not
    before, after = model(inputs()), model(inputs(changed))
    np.testing.assert_allclose(np.asarray(before)[:, :3], np.asarray(after)[:, :3], atol=1e-5)
    other_image = model({"image": IMAGES[::-1].copy(), "caption_ids": CAPTIONS})
    assert np.abs(np.asarray(other_image) - np.asarray(before)).max() > 1e-6  # the image matters


def test_sat_parameter_count_follows_the_paper():
    e, u, v, c = 8, 16, 30, 128  # c: the small CNN's feature channels
    model = show_attend_tell(**TINY_SAT)
    lstm = 4 * (u * (e + u) + u)
    decoder = (
        2 * (c * u + u)  # init_h, init_c from the mean annotation
        + (c * u + u)  # annotation projection (attention keys)
        + v * e
        + lstm  # embedding, LSTM
        + u  # additive attention's scale vector
        + 2 * (u * e + e)  # deep output: L_h h, L_z z
        + (e * v + v)
    )  # logits
    assert model.get_layer("decoder").count_params() == decoder


def test_attention_is_a_distribution_over_the_feature_grid():
    model = show_attend_tell(**TINY_SAT)
    features = model.get_layer("encoder")(IMAGES)
    weights = np.asarray(
        attention_model(model)({"features": features, "caption_ids": keras.ops.convert_to_tensor(CAPTIONS)})
    )
    assert weights.shape == (2, 5, 16)  # 32x32 image, stride 8: a 4x4 grid
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="not a show_attend_tell"):
        attention_model(transformer_captioner(**TINY_TRANSFORMER))


def test_registered_and_keras_applications_encoders():
    resnet = show_attend_tell(**{**TINY_SAT, "encoder": "resnet18"})
    assert resnet.get_layer("encoder").output.shape[1:] == (1, 512)  # 32x32 / 32
    assert resnet(inputs()).shape == (2, 5, 30)
    mobile = image_encoder(encoder="MobileNetV2", image_shape=(32, 32, 3), train_encoder=False)
    assert mobile.output.shape[1:] == (1, 1280)
    assert not mobile.trainable_weights  # frozen


def test_encoder_weights_from_a_file(tmp_path):
    source = image_encoder(image_shape=(32, 32, 3))
    path = tmp_path / "encoder.weights.h5"
    source.save_weights(path)
    loaded = image_encoder(image_shape=(32, 32, 3), encoder_weights=str(path))
    np.testing.assert_allclose(loaded(IMAGES), source(IMAGES), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(vocabulary_size=3), "vocabulary_size must be at least 4"),
        (dict(vocabulary_size=0), "vocabulary_size must be a positive int"),
        (dict(units=0), "units must be a positive int"),
        (dict(dropout=1.0), "dropout must be a float"),
        (dict(image_shape=(32, 32, 1)), "image_shape must be"),
        (dict(encoder="no_such_net"), "encoder must be"),
        (dict(encoder="small_cnn", encoder_weights="imagenet"), "no ImageNet weights"),
        (dict(encoder_weights="/no/such/file.h5"), "encoder_weights must be"),
        (dict(train_encoder="yes"), "train_encoder must be a bool"),
    ],
)
def test_sat_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        show_attend_tell(**{**TINY_SAT, **kwargs})
    assert "Received" in str(info.value)


def test_transformer_arguments_are_checked():
    with pytest.raises(ValueError, match="num_heads must divide"):
        transformer_captioner(**{**TINY_TRANSFORMER, "num_heads": 3})
    with pytest.raises(ValueError, match="sequence_length must be a positive int"):
        transformer_captioner(**{**TINY_TRANSFORMER, "sequence_length": None})
