"""Variational autoencoders: the VAE (Kingma and Welling, 2014) and the conditional VAE (Sohn et al., 2015).

Each builder returns one functional ``keras.Model`` from images (and labels) to
reconstructions, made of the sub-models ``"encoder"`` (to ``[z_mean, z_log_var]``) and
``"decoder"`` (from a latent code to the parameters of ``p(x|z)``) around a
:class:`~kerasdl.layers.GaussianSampling` layer named ``"sampling"``, which adds the KL term
to the model's losses. So plain ``compile`` and ``fit`` train it on the negative ELBO::

    model = vae(input_shape=(28, 28, 1), latent_dim=16)
    likelihood, stddev = vae_likelihood(model)
    model.compile(optimizer="adam", loss=ReconstructionNLL(likelihood, stddev))
    model.fit(images, images)  # loss = -log p(x|z) + KL(q(z|x) || p(z)), per example
    samples = model.get_layer("decoder").predict(np.random.normal(size=(16, 16)))

Images are expected in [0, 1]; the decoder's outputs are Bernoulli probabilities or Gaussian
means there, in float32 under mixed precision too. The builders share the autoencoders'
vocabulary: ``input_shape, latent_dim, architecture, hidden_units, filters, kernel_size``.
"""

import math

import keras
from keras import layers

from kerasdl.layers import DecoderLikelihood, GaussianSampling
from kerasdl.losses.likelihood import check_likelihood
from kerasdl.models.arguments import check_choice, check_int_at_least, check_positive_int
from kerasdl.models.generative.autoencoders import ARCHITECTURES, _check_positive_ints
from kerasdl.registry import register_model


def check_image_shape(shape, argument, *, steps):
    """``shape`` is ``(height, width, channels)`` with both sides divisible by ``2**steps``; returns it as a tuple."""
    shape = _check_positive_ints(shape, argument)
    step = 2**steps
    if len(shape) != 3 or shape[0] % step or shape[1] % step:
        raise ValueError(
            f"{argument} must be (height, width, channels) with height and width divisible by "
            f"2**len(filters) = {step}; Received: {argument}={shape}"
        )
    return shape


def label_input(name="label"):
    """The class-index input of a conditional model: int32, shape ``(1,)``."""
    return keras.Input((1,), dtype="int32", name=name)


def one_hot(label, classes, name="label_one_hot"):
    """The one-hot code ``(batch, classes)`` of an int label ``(batch, 1)``, with a serialisable layer."""
    return layers.CategoryEncoding(num_tokens=classes, output_mode="one_hot", name=name)(label)


def concat_label(x, classes, inputs):
    """For a conditional network: a label input appended to ``inputs``, and ``x`` with the label's one-hot code concatenated.

    Without ``classes`` it returns ``x`` and leaves ``inputs`` alone.
    """
    if not classes:
        return x
    label = label_input()
    inputs.append(label)
    return layers.Concatenate(name="concat_label")([x, one_hot(label, classes)])


def _encoder(input_shape, latent_dim, *, architecture, hidden_units, filters, kernel_size, activation, classes):
    """The recognition model ``q(z|x[, y])``: images (and labels) to ``[z_mean, z_log_var]``."""
    image = keras.Input(input_shape, name="image")
    inputs = [image]
    if architecture == "conv":
        x = image
        for i, width in enumerate(filters):
            x = layers.Conv2D(
                width, kernel_size, strides=2, padding="same", activation=activation, name=f"conv{i + 1}"
            )(x)
        x = layers.Flatten(name="flatten")(x)
    else:
        x = layers.Flatten(name="flatten")(image) if len(input_shape) > 1 else image
    x = concat_label(x, classes, inputs)
    if architecture == "dense":
        for i, units in enumerate(hidden_units):
            x = layers.Dense(units, activation=activation, name=f"dense{i + 1}")(x)
    # float32 heads: exp(log_var) in float16 overflows, and the KL loss should be exact.
    z_mean = layers.Dense(latent_dim, dtype="float32", name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, dtype="float32", name="z_log_var")(x)
    return keras.Model(inputs if classes else image, [z_mean, z_log_var], name="encoder")


def _decoder(
    input_shape,
    latent_dim,
    *,
    architecture,
    hidden_units,
    filters,
    kernel_size,
    activation,
    classes,
    likelihood,
    stddev,
):
    """The generative model ``p(x|z[, y])``: a latent code (and labels) to the parameters of each pixel."""
    latent = keras.Input((latent_dim,), name="latent")
    inputs = [latent]
    y = concat_label(latent, classes, inputs)
    if architecture == "conv":
        step = 2 ** len(filters)
        maps_shape = (input_shape[0] // step, input_shape[1] // step, filters[-1])
        y = layers.Dense(math.prod(maps_shape), activation=activation, name="dense")(y)
        y = layers.Reshape(maps_shape, name="reshape")(y)
        for i, width in enumerate(reversed(filters)):
            y = layers.Conv2DTranspose(
                width, kernel_size, strides=2, padding="same", activation=activation, name=f"deconv{i + 1}"
            )(y)
        y = layers.Conv2D(input_shape[-1], kernel_size, padding="same", name="output_conv")(y)
    else:
        for i, units in enumerate(reversed(hidden_units)):
            y = layers.Dense(units, activation=activation, name=f"dense{i + 1}")(y)
        y = layers.Dense(math.prod(input_shape), name="output_dense")(y)
        if len(input_shape) > 1:
            y = layers.Reshape(input_shape, name="reshape")(y)
    outputs = DecoderLikelihood(likelihood, stddev, name="reconstruction")(y)
    return keras.Model(inputs if classes else latent, outputs, name="decoder")


def _variational_autoencoder(
    *,
    input_shape,
    classes,
    latent_dim,
    architecture,
    hidden_units,
    filters,
    kernel_size,
    likelihood,
    decoder_stddev,
    activation,
    kl_weight,
    seed,
    name,
):
    """Checks the shared arguments and joins encoder, sampling layer and decoder into one model."""
    check_choice("architecture", architecture, ARCHITECTURES)
    check_positive_int("latent_dim", latent_dim)
    check_likelihood(likelihood, decoder_stddev, stddev_name="decoder_stddev")
    if architecture == "conv":
        filters = _check_positive_ints(filters, "filters")
        check_positive_int("kernel_size", kernel_size)
        input_shape = check_image_shape(input_shape, "input_shape", steps=len(filters))
    else:
        hidden_units = _check_positive_ints(hidden_units, "hidden_units", allow_empty=True)
        input_shape = _check_positive_ints(input_shape, "input_shape")
    parts = {
        "architecture": architecture,
        "hidden_units": hidden_units,
        "filters": filters,
        "kernel_size": kernel_size,
        "activation": activation,
        "classes": classes,
    }
    encoder = _encoder(input_shape, latent_dim, **parts)
    decoder = _decoder(input_shape, latent_dim, likelihood=likelihood, stddev=float(decoder_stddev), **parts)
    # The sampling layer is built here, so its own argument check runs before any model exists.
    sampling = GaussianSampling(kl_weight=kl_weight, seed=seed, dtype="float32", name="sampling")

    image = keras.Input(input_shape, name="image")
    if classes:
        label = label_input()
        z = sampling(encoder([image, label]))
        return keras.Model([image, label], decoder([z, label]), name=name)
    return keras.Model(image, decoder(sampling(encoder(image))), name=name)


def vae_likelihood(model):
    """``(likelihood, stddev)`` of a VAE's decoder, read from its output layer (also after a reload).

    Args:
        model: a model from :func:`vae` or :func:`cvae`, or its ``"decoder"``.

    Returns:
        The observation model, ``"bernoulli"`` or ``"gaussian"``, and the Gaussian's standard
        deviation: the arguments of :class:`~kerasdl.losses.ReconstructionNLL`.

    Example:
        >>> vae_likelihood(vae(input_shape=(8, 8, 1), likelihood="gaussian", decoder_stddev=0.2))
        ('gaussian', 0.2)
    """
    decoder = model if model.name == "decoder" else _layer(model, "decoder")
    output = _layer(decoder, "reconstruction")
    if not isinstance(output, DecoderLikelihood):
        raise ValueError(
            f"model's decoder must end in a DecoderLikelihood layer; Received: model={model.name!r} "
            f"ending in {type(output).__name__}"
        )
    return output.likelihood, output.stddev


def _layer(model, name):
    names = [layer.name for layer in getattr(model, "layers", [])]
    if name not in names:
        raise ValueError(f"model must have a layer named {name!r}; Received: model={model.name!r} with layers {names}")
    return model.get_layer(name)


@register_model(family="generative")
def vae(
    *,
    input_shape=(28, 28, 1),
    latent_dim=16,
    architecture="conv",
    hidden_units=(512, 256),
    filters=(32, 64),
    kernel_size=3,
    likelihood="bernoulli",
    decoder_stddev=0.1,
    activation="relu",
    kl_weight=1.0,
    seed=None,
    name="vae",
):
    """VAE: a variational autoencoder with a Gaussian latent code, trained on the negative ELBO.

    Follows "Auto-Encoding Variational Bayes" (Kingma and Welling, 2014): an encoder gives
    the mean and log-variance of ``q(z|x)``, a code is drawn by the reparameterisation
    trick, and a decoder gives the parameters of ``p(x|z)``, Bernoulli probabilities or the
    means of fixed-variance Gaussians. The loss is ``-log p(x|z) + KL(q(z|x) || N(0, I))``:
    compile with :class:`~kerasdl.losses.ReconstructionNLL` (the first term, arguments from
    :func:`vae_likelihood`) and ``fit(x, x)``; the sampling layer adds the second. The paper's
    MNIST networks are ``architecture="dense", hidden_units=(500,)``; the default is
    convolutional: stride-2 convolutions, dense heads, and transposed convolutions back.

    Args:
        input_shape: one image's shape; ``(height, width, channels)`` with sides divisible by
            ``2**len(filters)`` for ``"conv"`` (28, 8, 16 and 32 all work with two filters).
        latent_dim: the code's dimension.
        architecture: ``"conv"`` or ``"dense"``.
        hidden_units: encoder widths for ``"dense"`` (may be empty); the decoder mirrors them.
        filters: encoder widths for ``"conv"``, one stride-2 convolution each; mirrored back.
        kernel_size: every convolution's kernel side.
        likelihood: the decoder's observation model, ``"bernoulli"`` or ``"gaussian"``.
        decoder_stddev: the Gaussian decoder's fixed standard deviation.
        activation: hidden layers' activation.
        kl_weight: the KL term's weight; 1 is the ELBO, other values the beta-VAE.
        seed: optional int seed of the sampling noise.
        name: the model's name.

    Returns:
        A ``keras.Model`` from images to reconstructions in (0, 1), with sub-models
        ``"encoder"`` (images to ``[z_mean, z_log_var]``) and ``"decoder"`` (``(latent_dim,)``
        codes to images) and the ``"sampling"`` layer; it samples in training and uses the
        posterior mean otherwise.

    Example:
        >>> model = vae(input_shape=(8, 8, 1), latent_dim=2, filters=(4, 8))
        >>> model.get_layer("encoder").output_shape, model.output_shape
        ([(None, 2), (None, 2)], (None, 8, 8, 1))
    """
    return _variational_autoencoder(classes=None, **locals())


@register_model(family="generative")
def cvae(
    *,
    input_shape=(28, 28, 1),
    classes=10,
    latent_dim=16,
    architecture="conv",
    hidden_units=(512, 256),
    filters=(32, 64),
    kernel_size=3,
    likelihood="bernoulli",
    decoder_stddev=0.1,
    activation="relu",
    kl_weight=1.0,
    seed=None,
    name="cvae",
):
    """CVAE: a conditional variational autoencoder, encoder and decoder both given the class label.

    Follows "Learning Structured Output Representation using Deep Conditional Generative
    Models" (Sohn, Lee and Yan, 2015): the VAE of :func:`vae` with the recognition model
    ``q(z|x, y)`` and the generative model ``p(x|z, y)`` conditioned on the label ``y``, here
    its one-hot code concatenated to the flattened features and to the latent code. Sampling
    ``z ~ N(0, I)`` and decoding it with a chosen label draws an image of that class. The
    loss is the conditional negative ELBO; train with ``fit([x, y], x)``.

    Args:
        input_shape: one image's shape, as :func:`vae`'s.
        classes: the number of classes, at least 2; labels are ints in ``[0, classes)``.
        latent_dim, architecture, hidden_units, filters, kernel_size: as :func:`vae`'s.
        likelihood, decoder_stddev, activation, kl_weight, seed: as :func:`vae`'s.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``[images, labels]`` (labels int32 ``(batch, 1)``) to
        reconstructions, with sub-models ``"encoder"`` (``[images, labels]`` to
        ``[z_mean, z_log_var]``) and ``"decoder"`` (``[codes, labels]`` to images).

    Example:
        >>> model = cvae(input_shape=(8, 8, 1), classes=3, latent_dim=2, filters=(4,))
        >>> [tuple(shape) for shape in model.get_layer("decoder").input_shape]
        [(None, 2), (None, 1)]
    """
    check_int_at_least("classes", classes, 2)
    return _variational_autoencoder(**locals())
