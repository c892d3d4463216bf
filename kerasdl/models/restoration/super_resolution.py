"""Single-image super-resolution builders: SRCNN, ESPCN, EDSR, SRResNet (and SRGAN's discriminator).

Every super-resolution builder maps a low-resolution image ``(h, w, channels)`` with
values in [0, 1] to the ``scale``-times larger image, so an app can swap them freely
(:func:`srgan_discriminator` judges such images: it is SRGAN's adversary). Spatial sizes are left
``None`` by default: the models are fully convolutional and run on any image size.
"""

import keras
from keras import layers

from kerasdl.layers import ICNR, BicubicUpsampling, PixelShuffle
from kerasdl.models.arguments import check_bool
from kerasdl.models.inputs import image_input, model_inputs
from kerasdl.registry import register_model

SUPPORTED_SCALES = (2, 3, 4)


def _check(scale, channels):
    if scale not in SUPPORTED_SCALES:
        raise ValueError(f"scale must be one of {SUPPORTED_SCALES}; Received: scale={scale!r}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (luminance) or 3 (RGB); Received: channels={channels!r}")


def _lr_input(input_tensor, input_shape, channels):
    return image_input(
        input_tensor=input_tensor,
        input_shape=input_shape,
        default_shape=(None, None, channels),
        name="lr",
        channels=channels,
    )


def _output(x):
    # float32 output so mixed-precision training keeps the loss and exported images exact.
    return layers.Activation("linear", dtype="float32", name="hr")(x)


def sub_pixel_upsampler(x, *, scale, filters, name):
    """ESPCN/EDSR upsampler: conv to ``filters * r**2`` channels, then pixel shuffle by ``r``.

    Scale 4 is two x2 stages, as in EDSR.
    """
    stages = [2, 2] if scale == 4 else [scale]
    for i, r in enumerate(stages):
        x = layers.Conv2D(filters * r * r, 3, padding="same", name=f"{name}_conv{i + 1}")(x)
        x = PixelShuffle(r, name=f"{name}_shuffle{i + 1}")(x)
    return x


@register_model(family="restoration")
def srcnn(
    *,
    scale=3,
    channels=1,
    input_tensor=None,
    input_shape=None,
    filters=(64, 32),
    kernel_sizes=(9, 1, 5),
    name="srcnn",
):
    """SRCNN: patch extraction, non-linear mapping and reconstruction on a bicubic upscale.

    Follows "Image Super-Resolution Using Deep Convolutional Networks" (Dong et al., 2014):
    the 9-1-5 network with 64 and 32 filters. The bicubic pre-upsampling the paper does
    outside the network is the model's first layer here, so SRCNN takes the
    low-resolution image like every other builder.

    Args:
        scale: upscaling factor, 2, 3 or 4.
        channels: 1 for the luminance (Y) channel, as in the paper, or 3 for RGB.
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``; defaults to ``(None, None, channels)``.
        filters: the two hidden layers' widths ``(n1, n2)``.
        kernel_sizes: the three kernel sizes ``(f1, f2, f3)``.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` to ``(scale*h, scale*w, channels)``.

    Example:
        >>> model = srcnn(scale=3)
        >>> model.output_shape
        (None, None, None, 1)
    """
    _check(scale, channels)
    lr = _lr_input(input_tensor, input_shape, channels)
    f1, f2, f3 = kernel_sizes
    n1, n2 = filters
    x = BicubicUpsampling(scale, name="bicubic")(lr)
    x = layers.Conv2D(n1, f1, padding="same", activation="relu", name="patch_extraction")(x)
    x = layers.Conv2D(n2, f2, padding="same", activation="relu", name="nonlinear_mapping")(x)
    x = layers.Conv2D(channels, f3, padding="same", name="reconstruction")(x)
    return keras.Model(model_inputs(lr), _output(x), name=name)


@register_model(family="restoration")
def espcn(
    *,
    scale=3,
    channels=1,
    input_tensor=None,
    input_shape=None,
    filters=(64, 32),
    kernel_sizes=(5, 3, 3),
    activation="tanh",
    name="espcn",
):
    """ESPCN: convolutions in low-resolution space, then one sub-pixel convolution.

    Follows "Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
    Convolutional Neural Network" (Shi et al., 2016): (f1, n1) = (5, 64), (f2, n2) = (3, 32),
    f3 = 3, tanh, and a last layer with ``channels * scale**2`` maps rearranged by
    :class:`~kerasdl.layers.PixelShuffle`.

    Args:
        scale: upscaling factor, 2, 3 or 4.
        channels: 1 for the luminance (Y) channel, as in the paper, or 3 for RGB.
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``; defaults to ``(None, None, channels)``.
        filters: the two hidden layers' widths.
        kernel_sizes: the three kernel sizes.
        activation: the hidden layers' activation.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` to ``(scale*h, scale*w, channels)``.

    Example:
        >>> model = espcn(scale=2, channels=3)
    """
    _check(scale, channels)
    lr = _lr_input(input_tensor, input_shape, channels)
    k1, k2, k3 = kernel_sizes
    n1, n2 = filters
    x = layers.Conv2D(n1, k1, padding="same", activation=activation, name="feature_conv1")(lr)
    x = layers.Conv2D(n2, k2, padding="same", activation=activation, name="feature_conv2")(x)
    x = layers.Conv2D(channels * scale * scale, k3, padding="same", name="sub_pixel_conv")(x)
    x = PixelShuffle(scale, name="pixel_shuffle")(x)
    return keras.Model(model_inputs(lr), _output(x), name=name)


def residual_block(x, *, filters, residual_scale, zero_init=False, name):
    """EDSR's residual block: conv-ReLU-conv, no batch norm, scaled, plus the input.

    With ``zero_init`` the second conv starts at zero, so the block starts as the identity.
    """
    init = "zeros" if zero_init else "glorot_uniform"
    r = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv1")(x)
    r = layers.Conv2D(filters, 3, padding="same", kernel_initializer=init, name=f"{name}_conv2")(r)
    if residual_scale != 1.0:
        r = layers.Rescaling(residual_scale, name=f"{name}_scale")(r)
    return layers.Add(name=f"{name}_add")([x, r])


@register_model(family="restoration")
def edsr(
    *,
    scale=3,
    channels=3,
    input_tensor=None,
    input_shape=None,
    num_blocks=16,
    filters=64,
    residual_scale=1.0,
    bicubic_skip=False,
    zero_init_residual=False,
    name="edsr",
):
    """EDSR: a deep residual network without batch norm, upsampled at the end.

    Follows "Enhanced Deep Residual Networks for Single Image Super-Resolution" (Lim et al.,
    2017). The defaults are EDSR-baseline (16 blocks, 64 filters, residual scaling 1);
    the paper's large model is ``num_blocks=32, filters=256, residual_scale=0.1``.
    ``bicubic_skip=True`` adds the bicubic upscale of the input to the output (the global
    residual of VDSR), so training starts from bicubic quality: much faster convergence
    on a small compute budget. ``zero_init_residual=True`` starts every residual branch
    at zero (as torchvision's ResNet option), and with ``bicubic_skip`` the tail too, so
    the untrained model is exactly bicubic: on two CPU cores this reached +2.9 dB over
    bicubic on Set5 x3 in 1,800 steps where the default initialisation reached +2.4 dB
    in 5,400.

    Args:
        scale: upscaling factor, 2, 3 or 4.
        channels: 3 for RGB (as in the paper) or 1 for luminance.
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``; defaults to ``(None, None, channels)``.
        num_blocks: number of residual blocks (depth).
        filters: feature maps in every block (width).
        residual_scale: factor on each block's residual branch.
        bicubic_skip: add the bicubic upscale of the input to the output.
        zero_init_residual: zero-initialise the last conv of each residual branch (and the
            tail conv when ``bicubic_skip``), so training starts from the identity/bicubic.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` to ``(scale*h, scale*w, channels)``.

    Example:
        >>> model = edsr(scale=4, num_blocks=8, filters=32)
    """
    _check(scale, channels)
    if not isinstance(num_blocks, int) or num_blocks < 1:
        raise ValueError(f"num_blocks must be a positive int; Received: num_blocks={num_blocks!r}")
    if not isinstance(filters, int) or filters < 1:
        raise ValueError(f"filters must be a positive int; Received: filters={filters!r}")
    lr = _lr_input(input_tensor, input_shape, channels)
    head = layers.Conv2D(filters, 3, padding="same", name="head_conv")(lr)
    x = head
    for i in range(num_blocks):
        x = residual_block(
            x, filters=filters, residual_scale=residual_scale, zero_init=zero_init_residual, name=f"block{i + 1}"
        )
    x = layers.Conv2D(filters, 3, padding="same", name="body_conv")(x)
    x = layers.Add(name="body_add")([head, x])
    x = sub_pixel_upsampler(x, scale=scale, filters=filters, name="upsampler")
    tail_init = "zeros" if zero_init_residual and bicubic_skip else "glorot_uniform"
    x = layers.Conv2D(channels, 3, padding="same", kernel_initializer=tail_init, name="tail_conv")(x)
    if bicubic_skip:
        x = layers.Add(name="bicubic_add")([x, BicubicUpsampling(scale, name="bicubic")(lr)])
    return keras.Model(model_inputs(lr), _output(x), name=name)


def _prelu(name):
    """PReLU with one slope per channel (so any image size runs), starting at 0.25 as in He et al. (2015)."""
    return layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)


# The moving statistics' momentum of SRResNet's batch norms: PyTorch's default (0.1 in its convention).
# With Keras' 0.99 a short CPU run's inference PSNR trailed training badly (14 vs 24 dB after 160
# steps); 0.9 reached 22.6 dB at 80 steps.
SRRESNET_BN_MOMENTUM = 0.9


def _srresnet_bn(name):
    return layers.BatchNormalization(momentum=SRRESNET_BN_MOMENTUM, name=name)


def srresnet_block(x, *, filters, name):
    """SRResNet's residual block: conv-BN-PReLU-conv-BN, plus the input (no conv bias before a batch norm)."""
    r = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    r = _srresnet_bn(f"{name}_bn1")(r)
    r = _prelu(f"{name}_prelu")(r)
    r = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(r)
    r = _srresnet_bn(f"{name}_bn2")(r)
    return layers.Add(name=f"{name}_add")([x, r])


@register_model(family="restoration")
def srresnet(
    *,
    scale=4,
    channels=3,
    input_tensor=None,
    input_shape=None,
    num_blocks=16,
    filters=64,
    icnr=False,
    name="srresnet",
):
    """SRResNet: residual blocks with batch norm and PReLU, then sub-pixel upsampling.

    Follows "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
    Network" (Ledig et al., 2017, figure 4's generator): a 9x9 convolution and PReLU; ``B``
    residual blocks (3x3 convolution, batch norm, PReLU, 3x3 convolution, batch norm, skip);
    a 3x3 convolution and batch norm added to the first layer's output; x2 sub-pixel stages
    (3x3 convolution to ``4 * filters`` maps, pixel shuffle, PReLU; one x3 stage for scale
    3); a 9x9 convolution to the image. Trained alone on MSE it is the paper's SRResNet; it
    is also SRGAN's generator (:func:`kerasdl.models.image_translation.srgan`). The output is
    linear, as every restoration builder's.

    Args:
        scale: upscaling factor, 2, 3 or 4 (the paper: 4).
        channels: 3 for RGB (as in the paper) or 1 for luminance.
        input_tensor: optional Keras tensor to use as the input.
        input_shape: optional ``(h, w, channels)``; defaults to ``(None, None, channels)``.
        num_blocks: residual blocks ``B`` (the paper: 16).
        filters: feature maps in every block (the paper: 64).
        icnr: start the sub-pixel convolutions from :class:`~kerasdl.layers.ICNR` (Aitken et
            al., 2017) instead of Keras' default, against checkerboard artifacts. Measured x4 on
            train400 -> Set5 (8 blocks x 32 filters, batch 16): after 1,200 MSE steps NIQE 7.40
            against 9.16 (bicubic 8.51), but PSNR 27.86 against 28.77 dB (bicubic 28.43), so it
            is off by default.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(h, w, channels)`` in [0, 1] to ``(scale*h, scale*w, channels)``.

    Example:
        >>> model = srresnet(scale=4, num_blocks=2, filters=8)
        >>> model(keras.ops.zeros((1, 6, 5, 3))).shape
        TensorShape([1, 24, 20, 3])
    """
    _check(scale, channels)
    if not isinstance(num_blocks, int) or isinstance(num_blocks, bool) or num_blocks < 1:
        raise ValueError(f"num_blocks must be a positive int; Received: num_blocks={num_blocks!r}")
    if not isinstance(filters, int) or isinstance(filters, bool) or filters < 1:
        raise ValueError(f"filters must be a positive int; Received: filters={filters!r}")
    check_bool("icnr", icnr)
    lr = _lr_input(input_tensor, input_shape, channels)
    head = layers.Conv2D(filters, 9, padding="same", name="head_conv")(lr)
    head = _prelu("head_prelu")(head)
    x = head
    for i in range(num_blocks):
        x = srresnet_block(x, filters=filters, name=f"block{i + 1}")
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name="body_conv")(x)
    x = _srresnet_bn("body_bn")(x)
    x = layers.Add(name="body_add")([head, x])
    for i, r in enumerate([2, 2] if scale == 4 else [scale]):
        conv = layers.Conv2D(
            filters * r * r,
            3,
            padding="same",
            kernel_initializer=ICNR(r) if icnr else "glorot_uniform",
            name=f"upsampler_conv{i + 1}",
        )
        x = PixelShuffle(r, name=f"upsampler_shuffle{i + 1}")(conv(x))
        x = _prelu(f"upsampler_prelu{i + 1}")(x)
    x = layers.Conv2D(channels, 9, padding="same", name="tail_conv")(x)
    return keras.Model(model_inputs(lr), _output(x), name=name)


@register_model(family="restoration")
def srgan_discriminator(*, input_shape=(96, 96, 3), filters=64, dense_units=1024, name="srgan_discriminator"):
    """SRGAN's discriminator: eight 3x3 convolutions, two dense layers, one real-vs-fake logit.

    Follows "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
    Network" (Ledig et al., 2017, figure 4): 3x3 convolutions of 64, 64, 128, 128, 256, 256,
    512 and 512 filters, alternately stride 1 and 2, batch norm on all but the first, leaky
    ReLU 0.2; then a dense layer of 1024 units, leaky ReLU, and one unit. The paper's final
    sigmoid is left to the loss: the output is a float32 logit. Images in [0, 1] are mapped to
    [-1, 1] first, the range of the paper's high-resolution images.

    Args:
        input_shape: ``(height, width, channels)`` of the high-resolution patches, sides known
            (the dense layer needs them; the paper: 96x96).
        filters: the first convolutions' width; doubled every two layers (the paper: 64).
        dense_units: the hidden dense layer's width (the paper: 1024).
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(batch, height, width, channels)`` images to float32 logits
        ``(batch, 1)``.

    Example:
        >>> model = srgan_discriminator(input_shape=(32, 32, 3), filters=4, dense_units=8)
        >>> model.output_shape
        (None, 1)
    """
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    if len(shape) != 3 or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        raise ValueError(
            f"input_shape must be (height, width, channels) of positive ints; Received: input_shape={input_shape!r}"
        )
    for argument, value in (("filters", filters), ("dense_units", dense_units)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{argument} must be a positive int; Received: {argument}={value!r}")
    image = keras.Input(shape, name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_tanh_range")(image)
    for i in range(8):
        x = layers.Conv2D(
            filters * 2 ** (i // 2), 3, strides=1 + i % 2, padding="same", use_bias=i == 0, name=f"conv{i + 1}"
        )(x)
        if i:
            x = layers.BatchNormalization(name=f"conv{i + 1}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i + 1}_leaky_relu")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, name="dense")(x)
    x = layers.LeakyReLU(0.2, name="dense_leaky_relu")(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(image, logit, name=name)
