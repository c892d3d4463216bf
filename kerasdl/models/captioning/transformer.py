"""A Transformer captioner: the CNN feature grid is the memory of a keras-hub Transformer decoder.

The feature grid is projected to the model width and given learned position embeddings
(optionally refined by Transformer encoder layers), and a stack of ``TransformerDecoder``
layers (Vaswani et al. 2017: causal self-attention over the caption, cross-attention to the
image) predicts the next word, as in the CPTR/"image Transformer captioning" line of work and
the keras.io image-captioning example.
"""

from __future__ import annotations

import warnings

import keras  # noqa: F401  (the docstring example uses it)
import keras_hub
from keras import layers

from kerasdl.models.arguments import check_int_at_least, check_positive_int, check_rate
from kerasdl.models.captioning import common
from kerasdl.models.captioning.encoders import SMALL_CNN, image_encoder
from kerasdl.registry import register_model


def _decoder(
    features_shape,
    *,
    vocabulary_size,
    sequence_length,
    embed_dim,
    intermediate_dim,
    num_heads,
    num_encoder_layers,
    num_decoder_layers,
    dropout,
):
    features, ids = common.decoder_inputs(features_shape)
    memory = layers.Dense(embed_dim, name="feature_projection")(features)
    memory = layers.Add(name="feature_positions")(
        [memory, keras_hub.layers.PositionEmbedding(features_shape[0], name="feature_position_embedding")(memory)]
    )
    for i in range(num_encoder_layers):
        memory = keras_hub.layers.TransformerEncoder(
            intermediate_dim, num_heads, dropout=dropout, name=f"encoder_layer_{i}"
        )(memory)
    y = keras_hub.layers.TokenAndPositionEmbedding(
        vocabulary_size, sequence_length, embed_dim, mask_zero=True, name="embedding"
    )(ids)
    for i in range(num_decoder_layers):
        y = keras_hub.layers.TransformerDecoder(
            intermediate_dim, num_heads, dropout=dropout, name=f"decoder_layer_{i}"
        )(y, memory)
    return common.decoder_model(features, ids, y, vocabulary_size=vocabulary_size, dropout=dropout)


@register_model("transformer_captioner", family="captioning")
def transformer_captioner(
    *,
    vocabulary_size=5000,
    sequence_length=32,
    image_shape=(128, 128, 3),
    encoder=SMALL_CNN,
    encoder_weights=None,
    train_encoder=True,
    embed_dim=256,
    intermediate_dim=512,
    num_heads=4,
    num_encoder_layers=1,
    num_decoder_layers=2,
    dropout=0.1,
    name="transformer_captioner",
):
    """Transformer captioner: CNN feature grid as encoder memory, keras-hub ``TransformerDecoder``.

    After Vaswani et al., "Attention Is All You Need" (2017), with the image grid in place of
    the source sentence.

    Args:
        vocabulary_size: word ids are in ``[0, vocabulary_size)``; 0 pads.
        sequence_length: the longest caption input (size of its position embedding).
        image_shape: ``(height, width, 3)``; images are float32 in [0, 1].
        encoder: ``"small_cnn"``, a registered vision builder or a keras.applications name.
        encoder_weights: ``None``, ``"imagenet"`` or a weights file for the encoder.
        train_encoder: fine-tune the encoder (``True``) or keep it frozen.
        embed_dim: model width; ``num_heads`` must divide it.
        intermediate_dim: width of each feed-forward block.
        num_heads: attention heads.
        num_encoder_layers: Transformer encoder layers over the feature grid (0 = none).
        num_decoder_layers: Transformer decoder layers.
        dropout: dropout rate inside the Transformer layers.
        name: the model's name.

    Returns:
        A Keras model from ``{"image", "caption_ids"}`` (any length up to ``sequence_length``)
        to next-token logits ``(batch, length, vocabulary_size)``, holding the nested models
        ``"encoder"`` and ``"decoder"``.

    Example:
        >>> model = transformer_captioner(vocabulary_size=30, sequence_length=8, image_shape=(32, 32, 3),
        ...     embed_dim=16, intermediate_dim=32, num_heads=2)
        >>> model({"image": keras.ops.zeros((2, 32, 32, 3)),
        ...        "caption_ids": keras.ops.ones((2, 5), "int32")}).shape
        (2, 5, 30)
    """
    common.check_common(vocabulary_size=vocabulary_size, sequence_length=sequence_length, embed_dim=embed_dim)
    check_positive_int("sequence_length", sequence_length)
    check_positive_int("intermediate_dim", intermediate_dim)
    check_positive_int("num_heads", num_heads)
    check_int_at_least("num_encoder_layers", num_encoder_layers, 0)
    check_positive_int("num_decoder_layers", num_decoder_layers)
    check_rate("dropout", dropout)
    if embed_dim % num_heads:
        raise ValueError(f"num_heads must divide embed_dim={embed_dim}; Received: num_heads={num_heads!r}")
    image_shape = common.check_image_shape(image_shape)
    enc = image_encoder(
        encoder=encoder, encoder_weights=encoder_weights, train_encoder=train_encoder, image_shape=image_shape
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not support masking.*")
        dec = _decoder(
            enc.output.shape[1:],
            vocabulary_size=vocabulary_size,
            sequence_length=sequence_length,
            embed_dim=embed_dim,
            intermediate_dim=intermediate_dim,
            num_heads=num_heads,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            dropout=dropout,
        )
    return common.assemble(enc, dec, sequence_length=None, name=name)
