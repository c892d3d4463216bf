"""What a generative model is made of: its parts and a summary (kind, latent size, classes, image shape).

Both work on a model straight from a builder and on one reloaded from a ``.keras`` file, so
an app can sample, score or export whatever model a run saved.
"""

from __future__ import annotations

import dataclasses

from kerasdl.layers import GaussianSampling
from kerasdl.models.generative.adversarial import AdversarialNetwork
from kerasdl.models.generative.variational import vae_likelihood


@dataclasses.dataclass(frozen=True)
class GenerativeInfo:
    """A generative model in a few fields.

    Attributes:
        kind: ``"vae"`` (:func:`~kerasdl.models.generative.vae`, ``cvae``) or ``"gan"``
            (an :class:`~kerasdl.models.generative.AdversarialNetwork`).
        latent_dim: the size of the code or noise the decoder or generator takes.
        classes: the number of classes of a conditional model, ``None`` otherwise.
        image_shape: one generated image's shape, ``(height, width, channels)``.
        likelihood: a VAE decoder's observation model, ``"bernoulli"`` or ``"gaussian"``;
            ``None`` for a GAN.
        stddev: a VAE's Gaussian decoder standard deviation; ``None`` for a GAN.
    """

    kind: str
    latent_dim: int
    classes: int | None
    image_shape: tuple[int, ...]
    likelihood: str | None = None
    stddev: float | None = None

    @property
    def conditional(self) -> bool:
        """Whether the model takes class labels."""
        return self.classes is not None

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "image_shape": list(self.image_shape)}


def _is_vae(model) -> bool:
    names = {layer.name for layer in getattr(model, "layers", [])}
    return {"encoder", "decoder", "sampling"} <= names and isinstance(model.get_layer("sampling"), GaussianSampling)


def generative_parts(model) -> dict:
    """The named parts of a generative model: ``encoder``/``decoder`` of a VAE, ``generator``/``discriminator`` of a GAN.

    Args:
        model: a model from one of the generative builders (``vae``, ``cvae``, ``gan``,
            ``cgan``, ``dcgan``), possibly reloaded from a ``.keras`` file.

    Returns:
        ``{"encoder": ..., "decoder": ...}`` or ``{"generator": ..., "discriminator": ...}``,
        the sub-models themselves (sharing the model's weights).

    Raises:
        ValueError: for any other model.

    Example:
        >>> from kerasdl.models.generative import gan
        >>> sorted(generative_parts(gan(image_shape=(4, 4, 1), latent_dim=2, hidden_units=(4,))))
        ['discriminator', 'generator']
    """
    if isinstance(model, AdversarialNetwork):
        return {"generator": model.generator, "discriminator": model.discriminator}
    if _is_vae(model):
        return {"encoder": model.get_layer("encoder"), "decoder": model.get_layer("decoder")}
    names = [layer.name for layer in getattr(model, "layers", [])]
    raise ValueError(
        "model must be a VAE (layers 'encoder', 'sampling', 'decoder') or an AdversarialNetwork; "
        f"Received: model={getattr(model, 'name', model)!r} with layers {names}"
    )


def generative_info(model) -> GenerativeInfo:
    """A :class:`GenerativeInfo` describing a VAE, CVAE or adversarial network.

    Args:
        model: a model from one of the generative builders, possibly reloaded.

    Returns:
        Its kind, latent size, classes, image shape, and for a VAE the decoder's likelihood.

    Raises:
        ValueError: for any other model.

    Example:
        >>> from kerasdl.models.generative import cvae
        >>> generative_info(cvae(input_shape=(8, 8, 1), classes=3, latent_dim=2, filters=(4,)))
        GenerativeInfo(kind='vae', latent_dim=2, classes=3, image_shape=(8, 8, 1), likelihood='bernoulli', stddev=0.1)
    """
    parts = generative_parts(model)
    if "generator" in parts:
        generator = parts["generator"]
        shape = generator.outputs[0].shape[1:]
        return GenerativeInfo("gan", model.latent_dim, model.classes, tuple(int(d) for d in shape))
    encoder, decoder = parts["encoder"], parts["decoder"]
    conditional = len(decoder.inputs) == 2
    classes = int(decoder.get_layer("label_one_hot").num_tokens) if conditional else None
    likelihood, stddev = vae_likelihood(decoder)
    return GenerativeInfo(
        "vae",
        int(decoder.inputs[0].shape[-1]),
        classes,
        tuple(int(d) for d in encoder.inputs[0].shape[1:]),
        likelihood,
        stddev,
    )
