"""Autoencoders: dense and convolutional undercomplete, denoising and sparse.

Every builder returns one ``keras.Model``, ``decoder(encoder(x))``, whose parts are the
functional sub-models named ``"encoder"`` (input to ``(latent_dim,)`` code) and
``"decoder"`` (code to input shape); :func:`autoencoder_parts` hands them out::

    model = dense_autoencoder(input_shape=(28, 28, 1), latent_dim=32)
    model.compile(optimizer="adam", loss="mse")
    model.fit(images, images)  # the input is its own target
    encoder, decoder, model = autoencoder_parts(model)
    codes = encoder.predict(images)  # (n, 32)

The builders share one vocabulary: ``input_shape, latent_dim, architecture, hidden_units,
filters, kernel_size, ..., activation, latent_activation, output_activation, name``. The
reconstruction is float32 (sigmoid by default, for data in [0, 1]), so mixed-precision
training keeps the loss exact.
"""

import math

import keras
from keras import layers

from kerasdl.layers import KLSparsity, MaskingNoise
from kerasdl.models.arguments import check_choice, check_positive_int, is_int
from kerasdl.registry import register_model

ARCHITECTURES = ("dense", "conv")
NOISES = ("gaussian", "masking")
SPARSITIES = ("l1", "kl")


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _check_positive_ints(value, argument, *, allow_empty=False):
    values = tuple(value) if isinstance(value, (list, tuple)) else None
    if values is None or (not values and not allow_empty) or not all(is_int(v) for v in values):
        what = "a sequence of positive ints" + (" (possibly empty)" if allow_empty else "")
        raise ValueError(f"{argument} must be {what}; Received: {argument}={value!r}")
    return values


def _check_fraction(value, argument, *, include_one=False):
    if not (_is_number(value) and 0 < value and (value <= 1 if include_one else value < 1)):
        interval = "(0, 1]" if include_one else "(0, 1)"
        raise ValueError(f"{argument} must be a float in {interval}; Received: {argument}={value!r}")


def _check_non_negative(value, argument):
    if not (_is_number(value) and value >= 0):
        raise ValueError(f"{argument} must be a non-negative float; Received: {argument}={value!r}")


def _check_undercomplete(input_shape, latent_dim):
    size = math.prod(input_shape)
    if latent_dim >= size:
        raise ValueError(
            f"an undercomplete autoencoder needs latent_dim smaller than the input size {size}; "
            f"Received: latent_dim={latent_dim!r}"
        )


def _reconstruction(x, output_activation):
    # float32 output so mixed-precision training keeps the reconstruction loss exact.
    return layers.Activation(output_activation, dtype="float32", name="reconstruction")(x)


def dense_parts(
    *,
    input_shape,
    latent_dim,
    hidden_units,
    activation="relu",
    latent_activation=None,
    output_activation="sigmoid",
    code_layer=None,
):
    """Encoder and decoder of a fully connected autoencoder, the decoder mirroring the encoder.

    Args:
        input_shape: the shape of one example, e.g. ``(784,)`` or ``(28, 28, 1)``; inputs
            of higher rank are flattened and the reconstruction reshaped back.
        latent_dim: width of the code layer.
        hidden_units: encoder widths between input and code; the decoder uses them reversed.
        activation: hidden layers' activation.
        latent_activation: the code layer's activation (``None``: linear).
        output_activation: the reconstruction's activation.
        code_layer: optional layer applied to the code inside the encoder (a sparsity penalty).

    Returns:
        ``(encoder, decoder)``, functional models named ``"encoder"`` and ``"decoder"``.
    """
    inputs = keras.Input(input_shape, name="input")
    x = layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation=activation, name=f"dense{i + 1}")(x)
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(x)
    if code_layer is not None:
        code = code_layer(code)
    encoder = keras.Model(inputs, code, name="encoder")

    latent = keras.Input((latent_dim,), name="latent")
    y = latent
    for i, units in enumerate(reversed(hidden_units)):
        y = layers.Dense(units, activation=activation, name=f"dense{i + 1}")(y)
    y = layers.Dense(math.prod(input_shape), name="output_dense")(y)
    if len(input_shape) > 1:
        y = layers.Reshape(input_shape, name="reshape")(y)
    decoder = keras.Model(latent, _reconstruction(y, output_activation), name="decoder")
    return encoder, decoder


def conv_parts(
    *,
    input_shape,
    latent_dim,
    filters,
    kernel_size=3,
    activation="relu",
    latent_activation=None,
    output_activation="sigmoid",
    code_layer=None,
):
    """Encoder and decoder of a convolutional autoencoder with a dense code in the middle.

    The encoder halves the image with each stride-2 convolution, flattens the last maps
    and projects them to ``latent_dim``; the decoder projects back, reshapes and doubles
    the size with each stride-2 transposed convolution, then a convolution gives the
    image's channels.

    Args:
        input_shape: ``(height, width, channels)``, both sides divisible by ``2**len(filters)``.
        latent_dim: width of the code layer.
        filters: encoder widths, one stride-2 convolution each; the decoder uses them reversed.
        kernel_size: every convolution's kernel side.
        activation: hidden layers' activation.
        latent_activation: the code layer's activation (``None``: linear).
        output_activation: the reconstruction's activation.
        code_layer: optional layer applied to the code inside the encoder (a sparsity penalty).

    Returns:
        ``(encoder, decoder)``, functional models named ``"encoder"`` and ``"decoder"``.
    """
    step = 2 ** len(filters)
    if len(input_shape) != 3 or input_shape[0] % step or input_shape[1] % step:
        raise ValueError(
            f"input_shape must be (height, width, channels) with height and width divisible by "
            f"2**len(filters) = {step}; Received: input_shape={tuple(input_shape)}"
        )
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for i, width in enumerate(filters):
        x = layers.Conv2D(width, kernel_size, strides=2, padding="same", activation=activation, name=f"conv{i + 1}")(x)
    maps_shape = tuple(x.shape[1:])
    x = layers.Flatten(name="flatten")(x)
    code = layers.Dense(latent_dim, activation=latent_activation, name="code")(x)
    if code_layer is not None:
        code = code_layer(code)
    encoder = keras.Model(inputs, code, name="encoder")

    latent = keras.Input((latent_dim,), name="latent")
    y = layers.Dense(math.prod(maps_shape), activation=activation, name="dense")(latent)
    y = layers.Reshape(maps_shape, name="reshape")(y)
    for i, width in enumerate(reversed(filters)):
        y = layers.Conv2DTranspose(
            width, kernel_size, strides=2, padding="same", activation=activation, name=f"deconv{i + 1}"
        )(y)
    y = layers.Conv2D(input_shape[-1], kernel_size, padding="same", name="output_conv")(y)
    decoder = keras.Model(latent, _reconstruction(y, output_activation), name="decoder")
    return encoder, decoder


def join(encoder, decoder, *, corruption=None, name):
    """The autoencoder ``decoder(encoder(corruption(x)))`` as one model.

    Args:
        encoder: a model from examples to codes.
        decoder: a model from codes back to examples.
        corruption: optional layer applied to the input first (active in training only).
        name: the model's name.

    Returns:
        A ``keras.Model`` whose layers include ``encoder`` and ``decoder``.
    """
    inputs = keras.Input(encoder.input_shape[1:], name="input")
    x = corruption(inputs) if corruption is not None else inputs
    return keras.Model(inputs, decoder(encoder(x)), name=name)


def autoencoder_parts(model):
    """``(encoder, decoder, model)`` of an autoencoder built here, also after a ``.keras`` reload.

    Args:
        model: a model with sub-models named ``"encoder"`` and ``"decoder"``.

    Returns:
        The encoder (input to code), the decoder (code to reconstruction) and ``model``.

    Example:
        >>> encoder, decoder, model = autoencoder_parts(dense_autoencoder(latent_dim=8))
        >>> encoder.output_shape, decoder.output_shape
        ((None, 8), (None, 28, 28, 1))
    """
    names = [layer.name for layer in model.layers]
    if "encoder" not in names or "decoder" not in names:
        raise ValueError(
            f"model must have layers named 'encoder' and 'decoder'; Received: model={model.name!r} with layers {names}"
        )
    return model.get_layer("encoder"), model.get_layer("decoder"), model


def _autoencoder(
    *,
    architecture,
    input_shape,
    latent_dim,
    hidden_units=None,
    filters=None,
    kernel_size=None,
    undercomplete=False,
    corruption=None,
    name,
    **layer_options,
):
    """Checks the shared arguments, builds the dense or convolutional parts and joins them.

    Args:
        architecture: ``"dense"`` (:func:`dense_parts`) or ``"conv"`` (:func:`conv_parts`).
        input_shape, latent_dim, hidden_units, filters, kernel_size: as the public builders'.
        undercomplete: whether the code must be smaller than the input.
        corruption: optional layer before the encoder, as :func:`join`'s.
        name: the model's name.
        **layer_options: ``activation``, ``latent_activation``, ``output_activation`` and
            ``code_layer``, passed on to the parts.
    """
    check_choice("architecture", architecture, ARCHITECTURES)
    input_shape = _check_positive_ints(input_shape, "input_shape")
    check_positive_int("latent_dim", latent_dim)
    if architecture == "dense":
        hidden_units = _check_positive_ints(hidden_units, "hidden_units", allow_empty=True)
        encoder, decoder = dense_parts(
            input_shape=input_shape, latent_dim=latent_dim, hidden_units=hidden_units, **layer_options
        )
    else:
        filters = _check_positive_ints(filters, "filters")
        check_positive_int("kernel_size", kernel_size)
        encoder, decoder = conv_parts(
            input_shape=input_shape, latent_dim=latent_dim, filters=filters, kernel_size=kernel_size, **layer_options
        )
    if undercomplete:
        _check_undercomplete(encoder.input_shape[1:], latent_dim)
    return join(encoder, decoder, corruption=corruption, name=name)


@register_model(family="generative")
def dense_autoencoder(
    *,
    input_shape=(28, 28, 1),
    latent_dim=32,
    hidden_units=(256, 128),
    activation="relu",
    latent_activation=None,
    output_activation="sigmoid",
    name="dense_autoencoder",
):
    """A fully connected undercomplete autoencoder: input, narrowing layers, a code, mirrored back.

    Follows "Reducing the Dimensionality of Data with Neural Networks" (Hinton and
    Salakhutdinov, 2006): an encoder of shrinking fully connected layers down to a small
    linear code, a decoder that mirrors it, and a logistic reconstruction, trained to
    reproduce its input (here end to end by back-propagation, without the paper's RBM
    pre-training). The paper's MNIST network is ``hidden_units=(1000, 500, 250),
    latent_dim=30``.

    Args:
        input_shape: the shape of one example, ``(784,)`` or ``(28, 28, 1)`` alike.
        latent_dim: width of the code, smaller than the input size.
        hidden_units: encoder widths between input and code (may be empty); the decoder
            uses them in reverse.
        activation: hidden layers' activation.
        latent_activation: the code layer's activation; ``None`` is linear, as in the paper.
        output_activation: the reconstruction's activation; sigmoid for data in [0, 1].
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``input_shape`` to ``input_shape``, ``decoder(encoder(x))``,
        with sub-models ``"encoder"`` (to ``(latent_dim,)``) and ``"decoder"``.

    Example:
        >>> model = dense_autoencoder(input_shape=(784,), latent_dim=32)
        >>> model.get_layer("encoder").output_shape
        (None, 32)
    """
    return _autoencoder(architecture="dense", undercomplete=True, **locals())


@register_model(family="generative")
def conv_autoencoder(
    *,
    input_shape=(28, 28, 1),
    latent_dim=32,
    filters=(32, 64),
    kernel_size=3,
    activation="relu",
    latent_activation=None,
    output_activation="sigmoid",
    name="conv_autoencoder",
):
    """A convolutional undercomplete autoencoder: strided convolutions, a dense code, transposed convolutions.

    The undercomplete autoencoder of Hinton and Salakhutdinov (2006) with convolutional
    encoder and decoder, as in "Stacked Convolutional Auto-Encoders for Hierarchical
    Feature Extraction" (Masci et al., 2011), with stride-2 convolutions in place of
    pooling. 28x28 images and ``filters=(32, 64)`` give 7x7x64 maps around the code.

    Args:
        input_shape: ``(height, width, channels)``, sides divisible by ``2**len(filters)``.
        latent_dim: width of the code, smaller than the input size.
        filters: encoder widths, one stride-2 convolution each; the decoder uses them reversed.
        kernel_size: every convolution's kernel side.
        activation: hidden layers' activation.
        latent_activation: the code layer's activation; ``None`` is linear.
        output_activation: the reconstruction's activation; sigmoid for data in [0, 1].
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``input_shape`` to ``input_shape``, ``decoder(encoder(x))``,
        with sub-models ``"encoder"`` (to ``(latent_dim,)``) and ``"decoder"``.

    Example:
        >>> model = conv_autoencoder(input_shape=(32, 32, 3), latent_dim=64)
        >>> model.output_shape
        (None, 32, 32, 3)
    """
    return _autoencoder(architecture="conv", undercomplete=True, **locals())


@register_model(family="generative")
def denoising_autoencoder(
    *,
    input_shape=(28, 28, 1),
    latent_dim=32,
    architecture="dense",
    hidden_units=(256, 128),
    filters=(32, 64),
    kernel_size=3,
    noise="gaussian",
    noise_stddev=0.3,
    masking_rate=0.25,
    seed=None,
    activation="relu",
    latent_activation=None,
    output_activation="sigmoid",
    name="denoising_autoencoder",
):
    """An autoencoder that reconstructs the clean input from a corrupted copy.

    Follows "Extracting and Composing Robust Features with Denoising Autoencoders"
    (Vincent, Larochelle, Bengio and Manzagol, 2008): the input ``x`` is corrupted into
    ``x~`` (masking noise: a random fraction of values set to 0, as in the paper, or
    additive Gaussian noise), encoded and decoded, and the loss compares the
    reconstruction with the clean ``x``: train with ``model.fit(x, x)``. The corruption is
    a layer before the encoder that acts only with ``training=True``, so ``predict`` and
    the exported model are deterministic and the encoder is the clean ``x -> code`` map.
    The code need not be smaller than the input: the noise, not the bottleneck, keeps the
    model from learning the identity.

    Args:
        input_shape: the shape of one example; ``(height, width, channels)`` for ``"conv"``.
        latent_dim: width of the code.
        architecture: ``"dense"`` (as :func:`dense_autoencoder`) or ``"conv"`` (as
            :func:`conv_autoencoder`).
        hidden_units: encoder widths for ``"dense"``.
        filters: encoder widths for ``"conv"``.
        kernel_size: convolution kernel side for ``"conv"``.
        noise: ``"gaussian"`` (``x + N(0, noise_stddev**2)``) or ``"masking"`` (a fraction
            ``masking_rate`` of the values set to 0).
        noise_stddev: standard deviation of the Gaussian noise, in (0, 1].
        masking_rate: fraction of values destroyed by masking noise, in (0, 1).
        seed: optional int seed of the noise.
        activation: hidden layers' activation.
        latent_activation: the code layer's activation; ``None`` is linear.
        output_activation: the reconstruction's activation; sigmoid for data in [0, 1].
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``input_shape`` to ``input_shape`` whose layers are the input,
        the ``"corruption"`` layer, ``"encoder"`` and ``"decoder"``.

    Example:
        >>> model = denoising_autoencoder(input_shape=(784,), noise="masking", masking_rate=0.25)
        >>> model.get_layer("corruption").rate
        0.25
    """
    check_choice("noise", noise, NOISES)
    if noise == "gaussian":
        _check_fraction(noise_stddev, "noise_stddev", include_one=True)
        corruption = layers.GaussianNoise(noise_stddev, seed=seed, name="corruption")
    else:
        _check_fraction(masking_rate, "masking_rate")
        corruption = MaskingNoise(masking_rate, seed=seed, name="corruption")
    return _autoencoder(
        architecture=architecture,
        input_shape=input_shape,
        latent_dim=latent_dim,
        hidden_units=hidden_units,
        filters=filters,
        kernel_size=kernel_size,
        activation=activation,
        latent_activation=latent_activation,
        output_activation=output_activation,
        corruption=corruption,
        name=name,
    )


@register_model(family="generative")
def sparse_autoencoder(
    *,
    input_shape=(28, 28, 1),
    latent_dim=32,
    architecture="dense",
    hidden_units=(256, 128),
    filters=(32, 64),
    kernel_size=3,
    sparsity="l1",
    l1=1e-4,
    target=0.05,
    kl_weight=1e-2,
    activation="relu",
    latent_activation="sigmoid",
    output_activation="sigmoid",
    name="sparse_autoencoder",
):
    """An autoencoder whose code is kept sparse by a penalty on its activations.

    With ``sparsity="kl"`` it follows Andrew Ng's "Sparse autoencoder" (CS294A lecture
    notes, 2011): sigmoid code units and the penalty ``kl_weight * sum_j KL(target ||
    rho_hat_j)``, ``rho_hat_j`` being unit ``j``'s mean activation over the batch
    (:class:`~kerasdl.layers.KLSparsity`). With ``sparsity="l1"`` the penalty is
    ``l1 * sum_j |h_j|`` averaged over the examples (``keras.layers.ActivityRegularization``),
    the simplest activity penalty; "k-Sparse Autoencoders" (Makhzani and Frey, 2013) keep
    the k largest units instead, which is not built here. Either way the penalty sits on
    the encoder's code, in a layer named ``"sparsity"``, and appears in ``model.losses``,
    which ``fit`` adds to the reconstruction loss. The code may be wider than the input:
    the penalty, not the bottleneck, limits what it carries.

    The default ``kl_weight`` is small next to Ng's ``beta = 3`` because Keras losses are
    means over the pixels, where his reconstruction term sums over them; with MSE on
    scikit-learn's 8x8 digits it brings a 100-unit code's mean activation from 0.50 to
    0.05-0.06 in 40 epochs.

    Args:
        input_shape: the shape of one example; ``(height, width, channels)`` for ``"conv"``.
        latent_dim: width of the code.
        architecture: ``"dense"`` (as :func:`dense_autoencoder`) or ``"conv"`` (as
            :func:`conv_autoencoder`).
        hidden_units: encoder widths for ``"dense"``; ``()`` gives Ng's single hidden layer.
        filters: encoder widths for ``"conv"``.
        kernel_size: convolution kernel side for ``"conv"``.
        sparsity: ``"l1"`` or ``"kl"``.
        l1: weight of the L1 penalty, at least 0.
        target: the desired mean activation ``rho`` of each code unit for ``"kl"``, in (0, 1).
        kl_weight: weight ``beta`` of the KL penalty, at least 0.
        activation: hidden layers' activation.
        latent_activation: the code layer's activation; ``"kl"`` needs ``"sigmoid"``.
        output_activation: the reconstruction's activation; sigmoid for data in [0, 1].
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``input_shape`` to ``input_shape``, ``decoder(encoder(x))``,
        with sub-models ``"encoder"`` (to ``(latent_dim,)``) and ``"decoder"``.

    Example:
        >>> model = sparse_autoencoder(input_shape=(64,), latent_dim=100, hidden_units=(), sparsity="kl")
        >>> _ = model(keras.ops.zeros((2, 64)))
        >>> len(model.losses)
        1
    """
    check_choice("sparsity", sparsity, SPARSITIES)
    if sparsity == "l1":
        _check_non_negative(l1, "l1")
        # float32, so under mixed precision the penalty is a float32 loss (a float16 one breaks fit).
        penalty = layers.ActivityRegularization(l1=float(l1), dtype="float32", name="sparsity")
    else:
        if latent_activation != "sigmoid":
            raise ValueError(
                "sparsity='kl' needs code activations in (0, 1), so latent_activation must be 'sigmoid'; "
                f"Received: latent_activation={latent_activation!r}"
            )
        _check_fraction(target, "target")
        _check_non_negative(kl_weight, "kl_weight")
        penalty = KLSparsity(target=target, weight=kl_weight, name="sparsity")
    return _autoencoder(
        architecture=architecture,
        input_shape=input_shape,
        latent_dim=latent_dim,
        hidden_units=hidden_units,
        filters=filters,
        kernel_size=kernel_size,
        activation=activation,
        latent_activation=latent_activation,
        output_activation=output_activation,
        code_layer=penalty,
        name=name,
    )
