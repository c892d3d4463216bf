"""Masking noise, the corruption of denoising autoencoders (Vincent et al., 2008)."""

import keras


@keras.saving.register_keras_serializable(package="kerasdl")
class MaskingNoise(keras.layers.Layer):
    """Sets a random fraction ``rate`` of the input values to 0, in training only.

    The corruption process of "Extracting and Composing Robust Features with Denoising
    Autoencoders" (Vincent, Larochelle, Bengio and Manzagol, 2008): each value is kept
    or forced to 0 independently, and the kept values are left as they are. This differs
    from ``keras.layers.Dropout``, which scales the kept values by ``1 / (1 - rate)``.
    Outside training the layer is the identity.

    Args:
        rate: the fraction of values destroyed, in [0, 1).
        seed: optional int for reproducible masks.

    Example:
        >>> layer = MaskingNoise(0.25, seed=0)
        >>> y = layer(keras.ops.ones((2, 8)), training=True)  # about a quarter zeros, the rest 1
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"rate must be a float in [0, 1); Received: rate={rate!r}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        keep = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return keras.ops.where(keep, inputs, keras.ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
