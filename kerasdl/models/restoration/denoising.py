"""Image denoising builders: DnCNN, optionally at reduced resolution (FFDNet's downsampling).

A denoiser maps a noisy image ``(h, w, channels)`` in [0, 1] to the clean estimate of the
same size. With residual learning (DnCNN's default) the network body predicts the noise
and the model subtracts it from its input. The U-Net (``kerasdl.models.segmentation.unet``) is
the other denoiser the denoising app trains.
"""

import keras
from keras import layers

from kerasdl.layers import CropToReference, PadToMultiple, PixelShuffle, PixelUnshuffle
from kerasdl.models.arguments import check_int_at_least
from kerasdl.models.inputs import image_input, model_inputs
from kerasdl.registry import register_model


@register_model(family="restoration")
def dncnn(
    *,
    channels=1,
    input_tensor=None,
    input_shape=None,
    depth=17,
    filters=64,
    batch_norm=True,
    residual=True,
    downscale=1,
    zero_init_output=False,
    name="dncnn",
):
    """DnCNN: a plain stack of convolutions with batch norm that predicts the noise.

    Follows "Beyond a Gaussian Denoiser: Residual Learning of Deep CNN for Image Denoising"
    (Zhang, Zuo, Chen, Meng and Zhang, 2017): conv + ReLU, ``depth - 2`` times conv + batch
    norm + ReLU, and a last conv back to the image channels, 3x3 kernels and 64 filters
    throughout; depth 17 (DnCNN-S, 556k parameters for grayscale). With ``residual`` the
    body's output is the noise, subtracted from the input. ``downscale=2`` runs the body on
    the four pixel-unshuffled sub-images, as FFDNet does (Zhang et al., 2018): four times
    fewer operations per pixel and a twice larger receptive field. FFDNet's noise-level
    map input is left out, so the model stays blind like DnCNN-B.

    Args:
        channels: 1 for grayscale, 3 for colour (CDnCNN).
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``; defaults to ``(None, None, channels)``.
        depth: number of convolution layers, at least 2.
        filters: width of the hidden layers.
        batch_norm: batch normalisation in the middle layers (the paper's choice).
        residual: residual learning: the body predicts the noise (output = input - noise).
        downscale: 1 (DnCNN) or the pixel-unshuffle factor of the body (FFDNet uses 2).
        zero_init_output: start the last convolution at zero, so with ``residual`` the
            untrained model is the identity.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` to ``(h, w, channels)``, any size.

    Example:
        >>> model = dncnn()  # DnCNN-S, grayscale
        >>> fast = dncnn(depth=12, downscale=2)
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB); Received: channels={channels!r}")
    check_int_at_least("depth", depth, 2)
    check_int_at_least("filters", filters, 1)
    check_int_at_least("downscale", downscale, 1)
    noisy = image_input(
        input_tensor=input_tensor,
        input_shape=input_shape,
        default_shape=(None, None, channels),
        name="noisy",
        channels=channels,
    )
    x = noisy
    if downscale > 1:
        x = PadToMultiple(downscale, name="pad")(x)
        x = PixelUnshuffle(downscale, name="pixel_unshuffle")(x)
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv1")(x)
    for i in range(2, depth):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm, name=f"conv{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
    init = "zeros" if zero_init_output else "glorot_uniform"
    x = layers.Conv2D(channels * downscale**2, 3, padding="same", kernel_initializer=init, name=f"conv{depth}")(x)
    if downscale > 1:
        x = PixelShuffle(downscale, name="pixel_shuffle")(x)
        x = CropToReference(name="crop")([x, noisy])
    if residual:
        x = layers.Subtract(name="noise_removal")([noisy, x])
    # float32 output so mixed-precision training keeps the loss and the outputs exact.
    x = layers.Activation("linear", dtype="float32", name="denoised")(x)
    return keras.Model(model_inputs(noisy), x, name=name)
