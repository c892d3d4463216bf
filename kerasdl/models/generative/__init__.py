"""Generative builders: autoencoders (dense, convolutional, denoising, sparse)."""

from kerasdl.models.generative.autoencoders import (
    autoencoder_parts,
    conv_autoencoder,
    denoising_autoencoder,
    dense_autoencoder,
    sparse_autoencoder,
)

__all__ = [
    "autoencoder_parts",
    "conv_autoencoder",
    "dense_autoencoder",
    "denoising_autoencoder",
    "sparse_autoencoder",
]
