"""Generative builders: autoencoders (dense, convolutional, denoising, sparse), VAEs and GANs."""

from kerasdl.models.generative.adversarial import AdversarialNetwork, cgan, dcgan, gan
from kerasdl.models.generative.autoencoders import (
    autoencoder_parts,
    conv_autoencoder,
    denoising_autoencoder,
    dense_autoencoder,
    sparse_autoencoder,
)
from kerasdl.models.generative.parts import GenerativeInfo, generative_info, generative_parts
from kerasdl.models.generative.variational import cvae, vae, vae_likelihood

__all__ = [
    "AdversarialNetwork",
    "GenerativeInfo",
    "autoencoder_parts",
    "cgan",
    "conv_autoencoder",
    "cvae",
    "dcgan",
    "dense_autoencoder",
    "denoising_autoencoder",
    "gan",
    "generative_info",
    "generative_parts",
    "sparse_autoencoder",
    "vae",
    "vae_likelihood",
]
