"""The training schemes of Pix2Pix, CycleGAN and SRGAN, and the builders that return them.

Each scheme is a ``keras.Model`` holding its networks, with its own ``train_step`` (one
generator update, then one discriminator update on the batch the generator just made,
as the CycleGAN authors' code does) and ``test_step``, so the ordinary ``compile`` and
``fit`` train it, with callbacks, checkpoints and resuming::

    model = pix2pix(input_shape=(256, 256, 3))
    model.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))  # each side gets a copy
    model.fit(sources, targets, batch_size=1, epochs=200)  # logs d_loss, g_loss and l1
    translated = model.predict(sources)  # the generator: images in [0, 1]

As :class:`~kerasdl.models.generative.AdversarialNetwork`, ``compile(optimizer)`` gives the
optimizer to the discriminator(s) and a fresh copy to the generator(s); the losses are
computed in float32 with ``keras.ops`` and differentiated with ``tf.GradientTape``, so only
TensorFlow trains these models (any backend runs them).
"""

import keras
from keras import ops

from kerasdl.layers import ImagePreprocessing
from kerasdl.models.arguments import check_choice, check_number, check_positive_int
from kerasdl.models.generative.adversarial import _bce_from_logits, _loss_and_gradients
from kerasdl.models.image_translation.cyclegan import cyclegan_generator
from kerasdl.models.image_translation.pix2pix import check_input_shape, patchgan_discriminator, pix2pix_generator
from kerasdl.models.restoration.super_resolution import _check, srgan_discriminator, srresnet
from kerasdl.registry import register_model

CONTENT_LOSSES = ("mse", "vgg")
VGG_CONTENT_LAYER = "block5_conv4"
VGG_FEATURE_SCALE = 1.0 / 12.75  # SRGAN's rescaling of the VGG feature maps (Ledig et al., 2017, section 3.2.2)


def _check_identity(identity_weight, channels_a, channels_b):
    if identity_weight and channels_a != channels_b:
        raise ValueError(
            f"identity_weight must be 0 when the domains have different channels ({channels_a} and "
            f"{channels_b}): the identity loss feeds each generator its own output domain; "
            f"Received: identity_weight={identity_weight!r}"
        )


def _float32(x):
    return ops.cast(x, "float32")


def _mean_absolute_error(a, b):
    return ops.mean(ops.abs(_float32(a) - _float32(b)))


def _mean_squared_error(a, b):
    return ops.mean(ops.square(_float32(a) - _float32(b)))


def _least_squares(target, scores):
    """The least-squares GAN loss (Mao et al., 2017): mean squared distance of the scores to ``target``."""
    return ops.mean(ops.square(_float32(scores) - target))


def _psnr(output, reference):
    """Mean PSNR in dB of images in [0, 1], the output clipped first (capped at 100 dB)."""
    error = ops.mean(ops.square(ops.clip(_float32(output), 0.0, 1.0) - _float32(reference)), axis=(1, 2, 3))
    return ops.mean(-10.0 * ops.log(ops.maximum(error, 1e-10)) / ops.log(10.0))


def _input_count(network, role, expected, scheme):
    if len(network.inputs) != expected:
        raise ValueError(
            f"{role} must take {expected} input(s) in a {scheme}; Received: {role}={network.name!r} "
            f"with {len(network.inputs)} inputs"
        )


class ImageAdversarialNetwork(keras.Model):
    """The part the schemes share: networks by role, two optimizers, loss trackers, serialisation.

    Subclasses name their networks' attributes in ``GENERATORS`` and ``DISCRIMINATORS``
    (the constructor's first arguments, in this order), their logs in ``LOGS``, and their
    other constructor arguments in ``_settings()``.
    """

    GENERATORS = ()
    DISCRIMINATORS = ()
    LOGS = ()

    def __init__(self, *, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss_trackers = [keras.metrics.Mean(name=log) for log in self.LOGS]
        self.d_optimizer = None
        self.g_optimizer = None

    def _finish_init(self):
        self.built = True  # the networks are built; BackupAndRestore needs a built model

    @property
    def metrics(self):
        return list(self.loss_trackers)

    def _variables(self, roles):
        return [v for role in roles for v in getattr(self, role).trainable_variables]

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configures training: ``optimizer`` for the discriminator(s), a fresh copy of it for the generator(s).

        Args:
            optimizer: an optimizer (or its name); the generators' is
                ``optimizer.__class__.from_config(optimizer.get_config())``, so the two share
                the hyper-parameters but not their state (the papers use Adam, learning rate
                2e-4 and ``beta_1=0.5`` for Pix2Pix and CycleGAN, 1e-4 and 0.9 for SRGAN).
            loss: must be ``None``: the scheme computes its own losses.
            metrics: must be ``None``: the scheme logs its losses.
            **kwargs: other ``keras.Model.compile`` arguments (``jit_compile``, ``steps_per_execution``).
        """
        for argument, value in (("loss", loss), ("metrics", metrics)):
            if value is not None:
                raise ValueError(
                    f"{argument} must be None: a {type(self).__name__} computes its own losses and logs "
                    f"{', '.join(self.LOGS)}; Received: {argument}={value!r}"
                )
        super().compile(optimizer=optimizer, **kwargs)
        self.d_optimizer = self.optimizer
        self.g_optimizer = self.optimizer.__class__.from_config(self.optimizer.get_config())
        # Built now, on their own variables: the fit path would build the compiled optimizer on
        # all of the model's variables, and a reload needs the slots before loading them.
        if not self.d_optimizer.built:
            self.d_optimizer.build(self._variables(self.DISCRIMINATORS))
        self.g_optimizer.build(self._variables(self.GENERATORS))

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))

    def _update(self, loss_fn, roles, optimizer):
        """One optimizer step on the networks named by ``roles``; returns the loss."""
        variables = self._variables(roles)
        loss, gradients = _loss_and_gradients(loss_fn, variables, optimizer)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    def _pair(self, data, what):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None and isinstance(x, (list, tuple)) and len(x) == 2:
            x, y = x
        if y is None:
            raise ValueError(
                f"a {type(self).__name__} trains on {what} batches, as fit(x, y) gives; Received: batches of x alone"
            )
        return _float32(x), _float32(y)

    def _logs(self, values):
        for tracker in self.loss_trackers:
            tracker.update_state(values[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.loss_trackers}

    def _settings(self):
        return {}

    def get_config(self):
        networks = {role: keras.saving.serialize_keras_object(getattr(self, role)) for role in self._roles()}
        return {**super().get_config(), **networks, **self._settings()}

    def _roles(self):
        return (*self.GENERATORS, *self.DISCRIMINATORS)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        networks = [
            keras.saving.deserialize_keras_object(config.pop(role)) for role in (*cls.GENERATORS, *cls.DISCRIMINATORS)
        ]
        return cls(*networks, **config)


@keras.saving.register_keras_serializable(package="kerasdl")
class Pix2Pix(ImageAdversarialNetwork):
    """Pix2Pix's conditional GAN: a generator and a conditional discriminator, plus an L1 term.

    Follows "Image-to-Image Translation with Conditional Adversarial Networks" (Isola et al.,
    2017): on paired ``(source, target)`` batches, the discriminator ``D(source, image)``
    learns to tell ``target`` (1) from ``G(source)`` (0) with binary cross-entropy, halved
    ("we divide the objective by 2 while optimizing D"); the generator minimises the
    non-saturating ``-log D(source, G(source))`` plus ``l1_weight`` times the mean absolute
    error to the target (the paper: 100). Each step updates the generator, then the
    discriminator on the images the generator just made.

    The logs are ``d_loss``, ``g_loss`` (the adversarial part of the generator's loss) and
    ``l1``, epoch means (``val_`` versions from :meth:`test_step`, which updates nothing).
    Calling the model runs the generator.

    Args:
        generator: a model from source images to target images, both in [0, 1].
        discriminator: a model from ``[source, image]`` to logits (one, or a PatchGAN map).
        l1_weight: the L1 term's weight, a number >= 0.
        name: the model's name.

    Example:
        >>> model = pix2pix(input_shape=(32, 32, 3), filters=4, depth=3, max_filters=8,
        ...                 discriminator_filters=4, receptive_field=16)
        >>> model.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        >>> model.g_optimizer is not model.d_optimizer  # model.fit(sources, targets) logs d_loss, g_loss, l1
        True
    """

    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    LOGS = ("d_loss", "g_loss", "l1")

    def __init__(self, generator, discriminator, *, l1_weight=100.0, name="pix2pix", **kwargs):
        super().__init__(name=name, **kwargs)
        _input_count(generator, "generator", 1, "Pix2Pix")
        _input_count(discriminator, "discriminator", 2, "Pix2Pix (a conditional discriminator: [source, image])")
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = check_number("l1_weight", l1_weight)
        self._finish_init()

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _generator_losses(self, source, target, training):
        fake = self.generator(source, training=training)
        adversarial = _bce_from_logits(1.0, self.discriminator([source, fake], training=training))
        return fake, adversarial, _mean_absolute_error(target, fake)

    def _discriminator_loss(self, source, target, fake, training):
        real_logits = self.discriminator([source, target], training=training)
        fake_logits = self.discriminator([source, fake], training=training)
        return 0.5 * (_bce_from_logits(1.0, real_logits) + _bce_from_logits(0.0, fake_logits))

    def train_step(self, data):
        source, target = self._pair(data, "(source, target)")
        made = {}

        def generator_loss():
            made["fake"], made["g_loss"], made["l1"] = self._generator_losses(source, target, True)
            return made["g_loss"] + self.l1_weight * made["l1"]

        self._update(generator_loss, self.GENERATORS, self.g_optimizer)
        fake = ops.stop_gradient(made["fake"])
        d_loss = self._update(
            lambda: self._discriminator_loss(source, target, fake, True), self.DISCRIMINATORS, self.d_optimizer
        )
        return self._logs({"d_loss": d_loss, "g_loss": made["g_loss"], "l1": made["l1"]})

    def test_step(self, data):
        source, target = self._pair(data, "(source, target)")
        fake, g_loss, l1 = self._generator_losses(source, target, False)
        d_loss = self._discriminator_loss(source, target, fake, False)
        return self._logs({"d_loss": d_loss, "g_loss": g_loss, "l1": l1})

    def _settings(self):
        return {"l1_weight": self.l1_weight}


@keras.saving.register_keras_serializable(package="kerasdl")
class CycleGAN(ImageAdversarialNetwork):
    """CycleGAN: two generators and two discriminators, trained on unpaired images with cycle consistency.

    Follows "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks"
    (Zhu et al., 2017): ``G_ab`` maps domain A to B and ``G_ba`` back; ``D_a`` and ``D_b``
    judge each domain. The losses are least-squares (Mao et al., 2017): each discriminator
    minimises ``((D(real) - 1)**2 + D(fake)**2) / 2``, the generators ``(D(G(x)) - 1)**2``,
    plus ``cycle_weight`` times the L1 cycle losses ``|G_ba(G_ab(a)) - a| + |G_ab(G_ba(b)) - b|``
    (the paper: 10), plus ``identity_weight * cycle_weight`` times the identity losses
    ``|G_ab(b) - b| + |G_ba(a) - a|`` (the paper: 0.5, for photo/painting tasks; needs both
    domains to have the same channels). Batches pair an image of each domain, unrelated (e.g.
    ``tf.data.Dataset.zip`` of the two sets). Each step updates both generators with one
    optimizer, then both discriminators with the other, on the images the generators just
    made (the paper's history of 50 generated images is not kept).

    The logs are ``g_loss`` (the generators' adversarial part), ``d_loss`` (both
    discriminators'), ``cycle_loss`` and ``identity_loss`` (unweighted, summed over the two
    directions). Calling the model runs ``generator_ab``.

    Args:
        generator_ab: a model from domain-A images to domain-B images, both in [0, 1].
        generator_ba: a model from domain B to domain A.
        discriminator_a: a model from domain-A images to logits (one, or a PatchGAN map).
        discriminator_b: the same for domain B.
        cycle_weight: the cycle losses' weight, a number >= 0.
        identity_weight: the identity losses' weight relative to ``cycle_weight``, >= 0.
        name: the model's name.

    Example:
        >>> model = cyclegan(input_shape=(16, 16, 3), filters=4, num_blocks=1,
        ...                  discriminator_filters=4, receptive_field=16)
        >>> model.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        >>> [network.name for network in model.layers]  # model.fit(a, b) trains all four
        ['generator_ab', 'generator_ba', 'discriminator_a', 'discriminator_b']
    """

    GENERATORS = ("generator_ab", "generator_ba")
    DISCRIMINATORS = ("discriminator_a", "discriminator_b")
    LOGS = ("g_loss", "d_loss", "cycle_loss", "identity_loss")

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        *,
        cycle_weight=10.0,
        identity_weight=0.5,
        name="cyclegan",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        networks = zip(self._roles(), (generator_ab, generator_ba, discriminator_a, discriminator_b))
        for role, network in networks:
            _input_count(network, role, 1, "CycleGAN")
        channels_a, channels_b = generator_ab.input_shape[-1], generator_ab.output_shape[-1]
        if (generator_ba.input_shape[-1], generator_ba.output_shape[-1]) != (channels_b, channels_a):
            raise ValueError(
                f"generator_ba must map {channels_b} channels back to {channels_a}, as generator_ab maps "
                f"{channels_a} to {channels_b}; Received: generator_ba from {generator_ba.input_shape[-1]} "
                f"to {generator_ba.output_shape[-1]} channels"
            )
        self.cycle_weight = check_number("cycle_weight", cycle_weight)
        self.identity_weight = check_number("identity_weight", identity_weight)
        _check_identity(identity_weight, channels_a, channels_b)
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self._finish_init()

    def call(self, inputs, training=False):
        return self.generator_ab(inputs, training=training)

    def _generator_losses(self, a, b, training):
        g_ab, g_ba = self.generator_ab, self.generator_ba
        fake_b, fake_a = g_ab(a, training=training), g_ba(b, training=training)
        adversarial = _least_squares(1.0, self.discriminator_b(fake_b, training=training)) + _least_squares(
            1.0, self.discriminator_a(fake_a, training=training)
        )
        cycle = _mean_absolute_error(g_ba(fake_b, training=training), a) + _mean_absolute_error(
            g_ab(fake_a, training=training), b
        )
        if self.identity_weight:
            identity = _mean_absolute_error(g_ab(b, training=training), b) + _mean_absolute_error(
                g_ba(a, training=training), a
            )
        else:
            identity = ops.zeros((), "float32")
        total = adversarial + self.cycle_weight * (cycle + self.identity_weight * identity)
        losses = {"g_loss": adversarial, "cycle_loss": cycle, "identity_loss": identity}
        return fake_a, fake_b, losses, total

    def _discriminator_loss(self, a, b, fake_a, fake_b, training):
        losses = []
        for discriminator, real, fake in ((self.discriminator_a, a, fake_a), (self.discriminator_b, b, fake_b)):
            real_scores, fake_scores = discriminator(real, training=training), discriminator(fake, training=training)
            losses.append(0.5 * (_least_squares(1.0, real_scores) + _least_squares(0.0, fake_scores)))
        return losses[0] + losses[1]

    def train_step(self, data):
        a, b = self._pair(data, "(a, b)")
        made = {}

        def generator_loss():
            made["fake_a"], made["fake_b"], made["losses"], total = self._generator_losses(a, b, True)
            return total

        self._update(generator_loss, self.GENERATORS, self.g_optimizer)
        fake_a, fake_b = ops.stop_gradient(made["fake_a"]), ops.stop_gradient(made["fake_b"])
        d_loss = self._update(
            lambda: self._discriminator_loss(a, b, fake_a, fake_b, True), self.DISCRIMINATORS, self.d_optimizer
        )
        return self._logs({**made["losses"], "d_loss": d_loss})

    def test_step(self, data):
        a, b = self._pair(data, "(a, b)")
        fake_a, fake_b, losses, _ = self._generator_losses(a, b, False)
        return self._logs({**losses, "d_loss": self._discriminator_loss(a, b, fake_a, fake_b, False)})

    def _settings(self):
        return {"cycle_weight": self.cycle_weight, "identity_weight": self.identity_weight}


@keras.saving.register_keras_serializable(package="kerasdl")
class SRGAN(ImageAdversarialNetwork):
    """SRGAN: a super-resolution generator fine-tuned against a discriminator, with a content loss.

    Follows "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
    Network" (Ledig et al., 2017): on ``(lr, hr)`` batches the discriminator learns to tell
    ``hr`` (1) from ``G(lr)`` (0) with binary cross-entropy; the generator minimises the
    perceptual loss, a content loss plus ``adversarial_weight`` times ``-log D(G(lr))``
    (the paper: 1e-3). The content loss is ``"mse"`` (the pixel-wise MSE, "SRGAN-MSE", on
    images in [-1, 1] as the paper computes it: 4x the MSE in [0, 1]; on [0, 1] the 1e-3
    adversarial term weighed 4x the paper's against it, and 200 steps from an SRResNet lost
    3.7 dB on Set5 x4 where on [-1, 1] they lose 0.3 dB and lower NIQE) or
    ``"vgg"`` (the MSE of VGG19 ``block5_conv4`` features, rescaled by 1/12.75:
    "SRGAN-VGG54"), the features from ``feature_extractor`` (see
    :func:`vgg_content_extractor`). The paper starts from an SRResNet trained on MSE. The
    discriminator's input has a fixed size, so training and validation ``hr`` batches are
    patches of that size.

    The logs are ``content_loss``, ``g_loss`` (the adversarial part, unweighted),
    ``d_loss`` and ``psnr`` (of the generated images, in dB). Calling the model runs the
    generator.

    Args:
        generator: a model from low-resolution images to high-resolution ones, in [0, 1].
        discriminator: a model from high-resolution images to one logit ``(batch, 1)``.
        content_loss: ``"mse"`` or ``"vgg"``.
        adversarial_weight: the adversarial term's weight, a number >= 0.
        feature_extractor: with ``content_loss="vgg"``, a model from images in [0, 1] to
            features (frozen; it is not trained).
        name: the model's name.

    Example:
        >>> model = srgan(scale=2, patch_size=16, num_blocks=1, filters=4,
        ...               discriminator_filters=2, dense_units=4)
        >>> model.compile(optimizer=keras.optimizers.Adam(1e-4))
        >>> model.discriminator.input_shape  # model.fit(lr, hr) on 16x16 high-resolution patches
        (None, 16, 16, 3)
    """

    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    LOGS = ("content_loss", "g_loss", "d_loss", "psnr")

    def __init__(
        self,
        generator,
        discriminator,
        *,
        content_loss="mse",
        adversarial_weight=1e-3,
        feature_extractor=None,
        name="srgan",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        _input_count(generator, "generator", 1, "SRGAN")
        _input_count(discriminator, "discriminator", 1, "SRGAN")
        check_choice("content_loss", content_loss, CONTENT_LOSSES)
        if (content_loss == "vgg") != (feature_extractor is not None):
            raise ValueError(
                "feature_extractor must be given with content_loss='vgg', and only then "
                f"(e.g. vgg_content_extractor()); Received: content_loss={content_loss!r}, "
                f"feature_extractor={getattr(feature_extractor, 'name', feature_extractor)!r}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.content_loss = content_loss
        self.adversarial_weight = check_number("adversarial_weight", adversarial_weight)
        self.feature_extractor = feature_extractor
        if feature_extractor is not None:
            feature_extractor.trainable = False
        self._finish_init()

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _features(self, images):
        if images.shape[-1] == 1:  # luminance: VGG takes RGB
            images = ops.repeat(images, 3, axis=-1)
        return _float32(self.feature_extractor(images, training=False)) * VGG_FEATURE_SCALE

    def _content(self, sr, hr):
        if self.content_loss == "vgg":
            return _mean_squared_error(self._features(hr), self._features(sr))
        return 4.0 * _mean_squared_error(hr, sr)  # the MSE of 2 * hr - 1 and 2 * sr - 1

    def _generator_losses(self, lr, hr, training):
        sr = self.generator(lr, training=training)
        adversarial = _bce_from_logits(1.0, self.discriminator(sr, training=training))
        return sr, self._content(sr, hr), adversarial

    def _discriminator_loss(self, hr, sr, training):
        real_logits = self.discriminator(hr, training=training)
        fake_logits = self.discriminator(sr, training=training)
        return _bce_from_logits(1.0, real_logits) + _bce_from_logits(0.0, fake_logits)

    def train_step(self, data):
        lr, hr = self._pair(data, "(lr, hr)")
        made = {}

        def generator_loss():
            made["sr"], made["content_loss"], made["g_loss"] = self._generator_losses(lr, hr, True)
            return made["content_loss"] + self.adversarial_weight * made["g_loss"]

        self._update(generator_loss, self.GENERATORS, self.g_optimizer)
        sr = ops.stop_gradient(made["sr"])
        d_loss = self._update(lambda: self._discriminator_loss(hr, sr, True), self.DISCRIMINATORS, self.d_optimizer)
        return self._logs(
            {"content_loss": made["content_loss"], "g_loss": made["g_loss"], "d_loss": d_loss, "psnr": _psnr(sr, hr)}
        )

    def test_step(self, data):
        lr, hr = self._pair(data, "(lr, hr)")
        sr, content, adversarial = self._generator_losses(lr, hr, False)
        d_loss = self._discriminator_loss(hr, sr, False)
        return self._logs({"content_loss": content, "g_loss": adversarial, "d_loss": d_loss, "psnr": _psnr(sr, hr)})

    def _settings(self):
        extractor = self.feature_extractor
        return {
            "content_loss": self.content_loss,
            "adversarial_weight": self.adversarial_weight,
            "feature_extractor": None if extractor is None else keras.saving.serialize_keras_object(extractor),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("feature_extractor") is not None:
            config["feature_extractor"] = keras.saving.deserialize_keras_object(config["feature_extractor"])
        return super().from_config(config)


# --- builders ---


def vgg_content_extractor(*, weights=None, layer=VGG_CONTENT_LAYER, name="vgg_content_extractor"):
    """SRGAN's VGG loss network: VGG19's activations at one layer, for images in [0, 1].

    Follows "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
    Network" (Ledig et al., 2017): the content loss "VGG54" compares the feature maps of the
    4th convolution (after its ReLU) before VGG19's 5th max pooling, ``block5_conv4``. The
    network is ``keras.applications.VGG19(include_top=False)`` cut at ``layer``, frozen,
    after the preprocessing its ImageNet weights expect (BGR, 0-255, mean subtracted), on
    images of any size.

    Args:
        weights: ``"imagenet"`` (the paper's; downloaded by Keras once), ``None`` (fixed
            random He-normal weights, seeded: offline, for tests), or the path to a weights file.
        layer: the VGG19 layer whose activations are the features.
        name: the model's name.

    Returns:
        A frozen ``keras.Model`` from ``(b, h, w, 3)`` images in [0, 1] to features.

    Example:
        >>> extractor = vgg_content_extractor(weights=None)
        >>> extractor(keras.ops.zeros((1, 32, 32, 3))).shape
        TensorShape([1, 2, 2, 512])
    """
    from kerasdl.models.style.features import fixed_random_weights

    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(None, None, 3))
    names = [lyr.name for lyr in vgg.layers]
    if layer not in names:
        raise ValueError(f"layer must be one of VGG19's layers ({', '.join(names[1:])}); Received: layer={layer!r}")
    if weights is None:
        fixed_random_weights(vgg)
    trunk = keras.Model(vgg.input, vgg.get_layer(layer).output, name="vgg19_trunk")
    image = keras.Input((None, None, 3), name="image")
    model = keras.Model(image, trunk(ImagePreprocessing("caffe", name="preprocessing")(image)), name=name)
    model.trainable = False
    return model


@register_model(family="image_translation")
def pix2pix(
    *,
    input_shape=(256, 256, 3),
    output_channels=3,
    filters=64,
    depth=8,
    max_filters=512,
    dropout=0.5,
    discriminator_filters=64,
    receptive_field=70,
    l1_weight=100.0,
    name="pix2pix",
):
    """Pix2Pix: a U-Net generator and a 70x70 PatchGAN trained as a conditional GAN with an L1 term.

    Follows "Image-to-Image Translation with Conditional Adversarial Networks" (Isola et al.,
    2017): :func:`pix2pix_generator` (the U-Net with dropout) and the conditional
    :func:`patchgan_discriminator`, which sees the source image beside the real or generated
    one, trained by :class:`Pix2Pix` (conditional GAN loss + ``l1_weight`` x L1). The paper
    trains with Adam (2e-4, ``beta_1=0.5``) at batch size 1 to 10 on 256x256 images.

    Args:
        input_shape: ``(height, width, channels)`` of the source images; sides may be ``None``.
        output_channels: channels of the target images.
        filters, depth, max_filters, dropout: the generator's (see :func:`pix2pix_generator`).
        discriminator_filters: the discriminator's first width.
        receptive_field: the discriminator's patch size, one of 1, 16, 34, 70, 142, 286.
        l1_weight: the L1 term's weight (the paper: 100).
        name: the model's name.

    Returns:
        A :class:`Pix2Pix` with a ``generator`` and a ``discriminator``; calling it translates
        ``(h, w, channels)`` images in [0, 1] to ``(h, w, output_channels)``.

    Example:
        >>> model = pix2pix(input_shape=(32, 32, 1), output_channels=3, filters=4, depth=3,
        ...                 max_filters=8, discriminator_filters=4, receptive_field=16)
        >>> model(keras.ops.zeros((1, 32, 32, 1))).shape
        TensorShape([1, 32, 32, 3])
    """
    shape = check_input_shape(input_shape)
    check_positive_int("output_channels", output_channels)
    check_number("l1_weight", l1_weight)
    generator = pix2pix_generator(
        input_shape=shape,
        output_channels=output_channels,
        filters=filters,
        depth=depth,
        max_filters=max_filters,
        dropout=dropout,
        name="generator",
    )
    discriminator = patchgan_discriminator(
        input_shape=(*shape[:2], output_channels),
        condition_channels=shape[-1],
        filters=discriminator_filters,
        receptive_field=receptive_field,
        name="discriminator",
    )
    return Pix2Pix(generator, discriminator, l1_weight=l1_weight, name=name)


@register_model(family="image_translation")
def cyclegan(
    *,
    input_shape=(None, None, 3),
    output_channels=None,
    filters=64,
    num_blocks=9,
    downsamplings=2,
    discriminator_filters=64,
    receptive_field=70,
    cycle_weight=10.0,
    identity_weight=0.5,
    name="cyclegan",
):
    """CycleGAN: two ResNet generators and two PatchGANs trained on unpaired images with cycle consistency.

    Follows "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks"
    (Zhu et al., 2017): two :func:`cyclegan_generator` (A to B and B to A) and two 70x70
    :func:`patchgan_discriminator` with instance normalisation, trained by
    :class:`CycleGAN` (least-squares GAN losses, cycle loss x 10, identity loss x 5). The
    paper trains with Adam (2e-4, ``beta_1=0.5``) at batch size 1.

    Args:
        input_shape: ``(height, width, channels)`` of domain A; sides may be ``None``.
        output_channels: channels of domain B; ``None``: domain A's.
        filters, num_blocks, downsamplings: the generators' (see :func:`cyclegan_generator`).
        discriminator_filters: the discriminators' first width.
        receptive_field: the discriminators' patch size, one of 1, 16, 34, 70, 142, 286.
        cycle_weight: the cycle losses' weight (the paper: 10).
        identity_weight: the identity losses' weight relative to ``cycle_weight`` (the
            paper: 0.5); must be 0 when the domains' channels differ.
        name: the model's name.

    Returns:
        A :class:`CycleGAN` with ``generator_ab``, ``generator_ba``, ``discriminator_a`` and
        ``discriminator_b``; calling it translates domain A to domain B.

    Example:
        >>> model = cyclegan(filters=4, num_blocks=1, discriminator_filters=4, receptive_field=16)
        >>> model(keras.ops.zeros((1, 24, 20, 3))).shape
        TensorShape([1, 24, 20, 3])
    """
    shape = check_input_shape(input_shape)
    channels_b = shape[-1] if output_channels is None else output_channels
    check_positive_int("output_channels", channels_b)
    check_number("cycle_weight", cycle_weight)
    _check_identity(check_number("identity_weight", identity_weight), shape[-1], channels_b)
    common = {"filters": filters, "num_blocks": num_blocks, "downsamplings": downsamplings}
    shape_b = (*shape[:2], channels_b)
    generator_ab = cyclegan_generator(input_shape=shape, output_channels=channels_b, name="generator_ab", **common)
    generator_ba = cyclegan_generator(input_shape=shape_b, output_channels=shape[-1], name="generator_ba", **common)
    judge = {"filters": discriminator_filters, "receptive_field": receptive_field, "normalization": "instance"}
    discriminator_a = patchgan_discriminator(input_shape=shape, name="discriminator_a", **judge)
    discriminator_b = patchgan_discriminator(input_shape=shape_b, name="discriminator_b", **judge)
    return CycleGAN(
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        cycle_weight=cycle_weight,
        identity_weight=identity_weight,
        name=name,
    )


@register_model(family="image_translation")
def srgan(
    *,
    scale=4,
    channels=3,
    generator=None,
    patch_size=96,
    num_blocks=16,
    filters=64,
    discriminator_filters=64,
    dense_units=1024,
    content_loss="mse",
    adversarial_weight=1e-3,
    feature_extractor=None,
    name="srgan",
):
    """SRGAN: an SRResNet generator fine-tuned against the SRGAN discriminator with a perceptual loss.

    Follows "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
    Network" (Ledig et al., 2017): :func:`~kerasdl.models.restoration.srresnet` (or the
    given, usually MSE-trained, ``generator``) and
    :func:`~kerasdl.models.restoration.srgan_discriminator` on ``patch_size`` high-resolution
    patches, trained by :class:`SRGAN` (content loss + ``adversarial_weight`` x adversarial
    loss). The paper trains with Adam (1e-4, ``beta_1=0.9``), batches of 16 patches of 96x96.

    Args:
        scale: upscaling factor, 2, 3 or 4 (the paper: 4).
        channels: 3 for RGB or 1 for luminance.
        generator: a trained super-resolution model to fine-tune (an :func:`srresnet`); ``None``
            builds a new SRResNet from ``num_blocks`` and ``filters``.
        patch_size: the side of the high-resolution training patches (the discriminator's
            input; a multiple of ``scale``).
        num_blocks: the new SRResNet's residual blocks (the paper: 16).
        filters: the new SRResNet's width (the paper: 64).
        discriminator_filters: the discriminator's first width (the paper: 64).
        dense_units: the discriminator's dense layer (the paper: 1024).
        content_loss: ``"mse"`` or ``"vgg"`` (VGG19 ``block5_conv4`` features).
        adversarial_weight: the adversarial term's weight (the paper: 1e-3).
        feature_extractor: with ``"vgg"``, the feature model; ``None`` then builds
            :func:`vgg_content_extractor` with ImageNet weights (downloaded by Keras once).
        name: the model's name.

    Returns:
        An :class:`SRGAN` with a ``generator`` and a ``discriminator``; calling it upscales
        ``(h, w, channels)`` images in [0, 1] to ``(scale*h, scale*w, channels)``.

    Example:
        >>> model = srgan(scale=2, patch_size=16, num_blocks=1, filters=4,
        ...               discriminator_filters=2, dense_units=4)
        >>> model(keras.ops.zeros((1, 8, 8, 3))).shape
        TensorShape([1, 16, 16, 3])
    """
    _check(scale, channels)
    check_positive_int("patch_size", patch_size)
    if patch_size % scale:
        raise ValueError(f"patch_size must be a multiple of scale={scale}; Received: patch_size={patch_size!r}")
    check_choice("content_loss", content_loss, CONTENT_LOSSES)
    check_number("adversarial_weight", adversarial_weight)
    if generator is None:
        generator = srresnet(scale=scale, channels=channels, num_blocks=num_blocks, filters=filters, name="generator")
    elif not isinstance(generator, keras.Model) or generator.output_shape[-1] != channels:
        raise ValueError(
            f"generator must be a keras.Model with {channels} output channels (channels={channels}); "
            f"Received: generator={getattr(generator, 'name', generator)!r}"
        )
    discriminator = srgan_discriminator(
        input_shape=(patch_size, patch_size, channels),
        filters=discriminator_filters,
        dense_units=dense_units,
        name="discriminator",
    )
    if content_loss == "vgg" and feature_extractor is None:
        feature_extractor = vgg_content_extractor(weights="imagenet")
    return SRGAN(
        generator,
        discriminator,
        content_loss=content_loss,
        adversarial_weight=adversarial_weight,
        feature_extractor=feature_extractor,
        name=name,
    )
