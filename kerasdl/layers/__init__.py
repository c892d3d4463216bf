"""Small reusable layers, serialisable so `.keras` files load in safe mode."""

from kerasdl.layers.bag_of_tokens import BagOfTokens
from kerasdl.layers.bicubic_upsampling import BicubicUpsampling
from kerasdl.layers.caption_groups import CaptionGroups
from kerasdl.layers.dueling import DuelingCombine
from kerasdl.layers.image_preprocessing import ImagePreprocessing
from kerasdl.layers.lenet import ConnectionTableConv2D, TrainableSubsampling, scaled_tanh
from kerasdl.layers.local_response_normalization import LocalResponseNormalization
from kerasdl.layers.masking_noise import MaskingNoise
from kerasdl.layers.mean_update_embedding import MeanUpdateEmbedding
from kerasdl.layers.padding import CropToReference, PadToMultiple
from kerasdl.layers.pixel_shuffle import ICNR, PixelShuffle, PixelUnshuffle
from kerasdl.layers.sampling import DecoderLikelihood, GaussianSampling, gaussian_kl
from kerasdl.layers.sparsity import KLSparsity, kl_sparsity
from kerasdl.layers.text_standardization import standardize_review

__all__ = [
    "BagOfTokens",
    "BicubicUpsampling",
    "CaptionGroups",
    "ConnectionTableConv2D",
    "CropToReference",
    "DecoderLikelihood",
    "DuelingCombine",
    "GaussianSampling",
    "ImagePreprocessing",
    "KLSparsity",
    "LocalResponseNormalization",
    "MaskingNoise",
    "MeanUpdateEmbedding",
    "PadToMultiple",
    "ICNR",
    "PixelShuffle",
    "PixelUnshuffle",
    "TrainableSubsampling",
    "gaussian_kl",
    "kl_sparsity",
    "scaled_tanh",
    "standardize_review",
]
