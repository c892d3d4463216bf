"""BERT: a Transformer encoder pretrained by masked language modelling, from keras-hub's backbone."""

import keras

from kerasdl.models.sequence.common import check_positive, check_transformer_arguments, classifier_head, token_input
from kerasdl.registry import register_model

HEADS = ("masked_lm", "classifier", None)
BACKBONE = "bert_backbone"  # the layer whose weights a classifier takes from a pretrained masked LM


@register_model(family="language")
def bert(
    *,
    vocabulary_size=8000,
    sequence_length=256,
    embed_dim=128,
    num_heads=2,
    intermediate_dim=512,
    num_layers=2,
    dropout=0.1,
    head="masked_lm",
    mask_length=None,
    classes=2,
    classifier_activation="softmax",
    name="bert",
):
    """BERT (Devlin et al., 2019), configured small: a bidirectional encoder with a masked-LM or classifier head.

    The encoder is keras-hub's ``BertBackbone``: token, position and segment embeddings, then
    ``num_layers`` post-norm Transformer encoder blocks attending both ways, padding (id 0)
    masked. Pretraining hides some tokens and asks the model for them (the masked-LM head,
    keras-hub's ``MaskedLMHead``: a dense layer and layer norm, then logits over the
    vocabulary; BERT ties that last matrix to the token embedding, here it is a layer of its
    own, so that the model's config rebuilds it alone); fine-tuning puts a
    classifier on the pooled ``[CLS]`` output. Both heads share the layer ``bert_backbone``,
    so a classifier takes a pretrained masked LM's encoder with
    ``classifier.get_layer("bert_backbone").set_weights(pretrained.get_layer("bert_backbone").get_weights())``.
    BERT-base is ``embed_dim=768, num_heads=12, intermediate_dim=3072, num_layers=12`` with
    30,522 word pieces; the defaults here are a small BERT for a CPU.

    Args:
        vocabulary_size: number of token ids, padding (0) included.
        sequence_length: the most tokens an example may have (the position table's size).
        embed_dim: width of the embeddings and of every block; divisible by ``num_heads``.
        num_heads: attention heads per block.
        intermediate_dim: width of each block's feed-forward layer.
        num_layers: encoder blocks stacked.
        dropout: dropout rate inside the encoder and before the classifier.
        head: ``"masked_lm"`` (inputs ``token_ids`` and ``mask_positions``; logits for the
            masked positions), ``"classifier"`` (class scores from the pooled output) or None
            (the encoder's ``(batch, length, embed_dim)`` output).
        mask_length: masked positions per example (the ``mask_positions`` input's length);
            None for any.
        classes: number of classes, for the classifier head.
        classifier_activation: the classifier's activation (None for logits).
        name: the model's name.

    Returns:
        A ``keras.Model``: ``{"token_ids", "mask_positions"} -> (batch, mask_length,
        vocabulary_size)`` logits for ``"masked_lm"``, ``token_ids -> (batch, classes)`` for
        ``"classifier"``, ``token_ids -> (batch, length, embed_dim)`` for None.

    Example:
        >>> model = bert(vocabulary_size=1000, sequence_length=64, head="masked_lm", mask_length=8)
        >>> model.output_shape
        (None, 8, 1000)
    """
    import keras_hub

    check_transformer_arguments(
        vocabulary_size=vocabulary_size,
        sequence_length=sequence_length,
        embed_dim=embed_dim,
        num_heads=num_heads,
        intermediate_dim=intermediate_dim,
        num_layers=num_layers,
        dropout=dropout,
        classes=classes,
    )
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}; Received: head={head!r}")
    if mask_length is not None:
        check_positive(mask_length=mask_length)

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=vocabulary_size,
        num_layers=num_layers,
        num_heads=num_heads,
        hidden_dim=embed_dim,
        intermediate_dim=intermediate_dim,
        dropout=dropout,
        max_sequence_length=sequence_length,
        num_segments=2,
        name=BACKBONE,
    )
    ids = token_input(None)  # any length up to sequence_length
    encoded = backbone(
        {
            "token_ids": ids,
            "segment_ids": keras.ops.zeros_like(ids),
            "padding_mask": keras.ops.not_equal(ids, 0),
        }
    )
    if head is None:
        return keras.Model(ids, encoded["sequence_output"], name=name)
    if head == "classifier":
        outputs = classifier_head(
            encoded["pooled_output"], classes=classes, classifier_activation=classifier_activation, dropout=dropout
        )
        return keras.Model(ids, outputs, name=name)
    positions = keras.Input(shape=(mask_length,), dtype="int32", name="mask_positions")
    logits = keras_hub.layers.MaskedLMHead(
        vocabulary_size=vocabulary_size,
        intermediate_activation="gelu",
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name="masked_lm_head",
    )(encoded["sequence_output"], mask_positions=positions)
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)  # float32 under mixed precision
    return keras.Model({"token_ids": ids, "mask_positions": positions}, logits, name=name)
