"""The losses of neural style transfer: Gram matrices, content, style and total variation (``keras.ops``).

Follows Gatys, Ecker & Bethge (2016), with the normalisation and weights of keras.io's
``neural_style_transfer.py`` (its results are the usual reference): the style loss of a layer
is ``sum((G - A)**2) / (4 * 3**2 * N**2)`` with ``N`` the image's pixels, the content loss
``sum((F - P)**2)``, the total variation ``sum((dx**2 + dy**2)**1.25)`` on the 0-255 scale,
weighted ``2.5e-8``, ``1e-6`` (shared by the style layers) and ``1e-6``.
"""

from __future__ import annotations

import keras
from keras import ops

CONTENT_WEIGHT = 2.5e-8
STYLE_WEIGHT = 1e-6
TV_WEIGHT = 1e-6
IMAGE_CHANNELS = 3  # keras.io normalises every layer's style loss by the image's channels, not the layer's


def gram_matrix(features):
    """``(b, h, w, c)`` activations to ``(b, c, c)`` Gram matrices: ``G[i, j] = sum over positions of F_i F_j``."""
    shape = ops.shape(features)
    flat = ops.reshape(features, (shape[0], -1, shape[-1]))
    return ops.einsum("bpi,bpj->bij", flat, flat)


def content_loss(features, target):
    """Per image: the summed squared difference of two layers' activations ``(b, h, w, c)``."""
    return ops.sum(ops.square(features - target), axis=(1, 2, 3))


def style_loss(features, target_gram, *, pixels):
    """Per image: ``sum((G - A)**2) / (4 * 3**2 * pixels**2)``, ``G`` the Gram matrix of ``features``.

    Args:
        features: ``(b, h, w, c)`` activations of one layer.
        target_gram: the style's Gram matrix ``(c, c)`` or ``(b, c, c)`` at the same number of positions.
        pixels: the pixels of the input image (``N`` in the normalisation).
    """
    difference = gram_matrix(features) - target_gram
    scale = 4.0 * IMAGE_CHANNELS**2 * ops.cast(pixels, features.dtype) ** 2
    return ops.sum(ops.square(difference), axis=(1, 2)) / scale


def total_variation_loss(images):
    """Per image: ``sum((dy**2 + dx**2)**1.25)`` of ``(b, h, w, c)`` images on the 0-255 scale (as keras.io)."""
    x = images * 255.0
    a = ops.square(x[:, :-1, :-1, :] - x[:, 1:, :-1, :])
    b = ops.square(x[:, :-1, :-1, :] - x[:, :-1, 1:, :])
    return ops.sum(ops.power(a + b, 1.25), axis=(1, 2, 3))


def _pixels(images):
    shape = ops.shape(images)
    return shape[1] * shape[2]


class GatysLoss:
    """The style-transfer loss of one style image: content, style and total variation, per image.

    The style's Gram matrices are computed once, per position, and scaled to the positions of
    each image scored, so a style image of any size serves images of any size (at equal sizes
    this is keras.io's loss exactly).

    Args:
        extractor: a feature network from
            :func:`~kerasdl.models.style.style_feature_extractor` (a dict of activations).
        style_image: ``(h, w, 3)`` float image in [0, 1].
        style_layers: the extractor's style layers.
        content_layer: its content layer.
        content_weight: weight of the content loss.
        style_weight: weight of the style loss, shared equally by the style layers.
        tv_weight: weight of the total variation.

    Example:
        >>> loss = GatysLoss(extractor, style, style_layers=STYLE_LAYERS, content_layer="block5_conv2")
        >>> total = loss(image, loss.content_targets(content_image))   # doctest: +SKIP
    """

    def __init__(
        self,
        extractor,
        style_image,
        *,
        style_layers,
        content_layer,
        content_weight=CONTENT_WEIGHT,
        style_weight=STYLE_WEIGHT,
        tv_weight=TV_WEIGHT,
    ):
        self.extractor = extractor
        self.style_layers, self.content_layer = tuple(style_layers), content_layer
        self.content_weight, self.style_weight, self.tv_weight = content_weight, style_weight, tv_weight
        style = ops.convert_to_tensor(style_image, "float32")[None]
        features = extractor(style)
        # Gram matrices per position: sum over positions / positions.
        self.style_grams = {
            name: gram_matrix(features[name])[0] / ops.cast(_pixels(features[name]), "float32")
            for name in self.style_layers
        }

    def content_targets(self, content_images):
        """The content layer's activations of ``(b, h, w, 3)`` content images (the targets)."""
        return ops.stop_gradient(self.extractor(ops.convert_to_tensor(content_images, "float32"))[self.content_layer])

    def parts(self, images, content_targets):
        """``{"content", "style", "total_variation"}``: each weighted term, per image ``(b,)``."""
        features = self.extractor(images)
        pixels = _pixels(images)
        style = 0.0
        for name in self.style_layers:
            positions = ops.cast(_pixels(features[name]), "float32")
            term = style_loss(features[name], self.style_grams[name] * positions, pixels=pixels)
            style = style + term * (self.style_weight / len(self.style_layers))
        return {
            "content": self.content_weight * content_loss(features[self.content_layer], content_targets),
            "style": style,
            "total_variation": self.tv_weight * total_variation_loss(images),
        }

    def __call__(self, images, content_targets):
        """The total loss per image ``(b,)``."""
        parts = self.parts(images, content_targets)
        return parts["content"] + parts["style"] + parts["total_variation"]


@keras.saving.register_keras_serializable(package="kerasdl")
class PerceptualStyleLoss(keras.losses.Loss):
    """Johnson et al.'s perceptual loss: a :class:`GatysLoss` of the output, the input as its content.

    Called as ``loss(content_images, stylized_images)``: ``y_true`` is the content batch. The
    feature network and the style's Gram matrices are not saved with a model compiled with
    it (they are tens of megabytes); a reloaded loss is unbound and says so when called.

    Args:
        gatys: the :class:`GatysLoss` to apply; None: unbound (bind it with :meth:`bind`).
        name: the loss's name.
    """

    def __init__(self, gatys=None, name="perceptual_style_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.gatys = gatys

    def bind(self, gatys) -> PerceptualStyleLoss:
        """Sets the :class:`GatysLoss` (built inside the distribution strategy's scope)."""
        self.gatys = gatys
        return self

    def call(self, y_true, y_pred):
        if self.gatys is None:
            raise ValueError(
                "this PerceptualStyleLoss was reloaded without its feature network and style: bind a GatysLoss first"
            )
        return self.gatys(y_pred, self.gatys.content_targets(y_true))

    def get_config(self):
        return super().get_config()
