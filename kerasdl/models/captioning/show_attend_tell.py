"""Show, Attend and Tell: a CNN feature grid read by an LSTM with soft (Bahdanau) attention.

Xu et al., "Show, Attend and Tell: Neural Image Caption Generation with Visual Attention"
(ICML 2015). The LSTM's initial state comes from the mean annotation vector (their Eq. 5);
at each step an additive attention (their ``f_att``, Bahdanau et al. 2015) over the feature
grid gives the context vector, and the "deep output" ``L_o(E y + L_h h + L_z z)`` scores the
next word. The attention reads the current LSTM state ``h_t`` rather than ``h_{t-1}`` (the
"spatial attention" of Lu et al., "Knowing When to Look", CVPR 2017), which lets a whole
caption train in one parallel call under teacher forcing; the doubly stochastic attention
penalty is left out.
"""

from __future__ import annotations

import keras
from keras import layers

from kerasdl.models.arguments import check_positive_int, check_rate
from kerasdl.models.captioning import common
from kerasdl.models.captioning.encoders import SMALL_CNN, image_encoder
from kerasdl.registry import register_model

ATTENTION_LAYER = "attention"


def _decoder(features_shape, *, vocabulary_size, sequence_length, embed_dim, units, dropout):
    features, ids = common.decoder_inputs(features_shape, sequence_length)
    mean = layers.GlobalAveragePooling1D(name="mean_annotation")(features)
    h0 = layers.Dense(units, activation="tanh", name="init_h")(mean)
    c0 = layers.Dense(units, activation="tanh", name="init_c")(mean)
    keys = layers.Dense(units, name="annotation_projection")(features)

    words = layers.Embedding(vocabulary_size, embed_dim, mask_zero=True, name="embedding")(ids)
    words = layers.Dropout(dropout, name="embedding_dropout")(words)
    h = layers.LSTM(units, return_sequences=True, name="lstm")(words, initial_state=[h0, c0])
    context, _ = layers.AdditiveAttention(name=ATTENTION_LAYER)([h, keys], return_attention_scores=True)
    deep = layers.Add(name="deep_output")(
        [
            words,
            layers.Dense(embed_dim, name="state_to_output")(h),
            layers.Dense(embed_dim, name="context_to_output")(context),
        ]
    )
    deep = layers.Activation("tanh", name="deep_output_tanh")(deep)
    return common.decoder_model(features, ids, deep, vocabulary_size=vocabulary_size, dropout=dropout)


@register_model("show_attend_tell", family="captioning")
def show_attend_tell(
    *,
    vocabulary_size=5000,
    sequence_length=None,
    image_shape=(128, 128, 3),
    encoder=SMALL_CNN,
    encoder_weights=None,
    train_encoder=True,
    embed_dim=256,
    units=512,
    dropout=0.0,
    name="show_attend_tell",
):
    """Show, Attend and Tell captioner, after Xu et al. (ICML 2015).

    Args:
        vocabulary_size: word ids are in ``[0, vocabulary_size)``; 0 pads, and the app reserves
            1-3 for unknown, start and end.
        sequence_length: fixed caption-input length, or ``None`` for any.
        image_shape: ``(height, width, 3)``; images are float32 in [0, 1].
        encoder: ``"small_cnn"``, a registered vision builder or a keras.applications name
            (see :func:`~kerasdl.models.captioning.encoders.image_encoder`).
        encoder_weights: ``None``, ``"imagenet"`` or a weights file for the encoder.
        train_encoder: fine-tune the encoder (``True``) or keep it frozen.
        embed_dim: word-embedding width (and of the deep output layer).
        units: LSTM width (and of the attention).
        dropout: dropout rate on the embeddings and before the output layer.
        name: the model's name.

    Returns:
        A Keras model from ``{"image", "caption_ids"}`` to next-token logits
        ``(batch, length, vocabulary_size)``, holding the nested models ``"encoder"`` and
        ``"decoder"``; :func:`attention_model` gives the attention weights.

    Example:
        >>> model = show_attend_tell(vocabulary_size=30, image_shape=(32, 32, 3), embed_dim=8, units=16)
        >>> model({"image": keras.ops.zeros((2, 32, 32, 3)),
        ...        "caption_ids": keras.ops.ones((2, 5), "int32")}).shape
        (2, 5, 30)
    """
    common.check_common(vocabulary_size=vocabulary_size, sequence_length=sequence_length, embed_dim=embed_dim)
    check_positive_int("units", units)
    check_rate("dropout", dropout)
    image_shape = common.check_image_shape(image_shape)
    enc = image_encoder(
        encoder=encoder, encoder_weights=encoder_weights, train_encoder=train_encoder, image_shape=image_shape
    )
    dec = _decoder(
        enc.output.shape[1:],
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        units=units,
        dropout=dropout,
    )
    return common.assemble(enc, dec, sequence_length=sequence_length, name=name)


def attention_model(model):
    """A model from the decoder's inputs to the attention weights ``(batch, length, positions)``.

    Raises:
        ValueError: ``model`` is not a Show, Attend and Tell captioner.
    """
    try:
        decoder = model.get_layer(common.DECODER_LAYER)
        layer = decoder.get_layer(ATTENTION_LAYER)
    except ValueError:
        raise ValueError(
            f"model {model.name!r} has no attention over the image (not a show_attend_tell model)"
        ) from None
    return keras.Model(decoder.inputs, layer.output[1], name=f"{model.name}_attention")
