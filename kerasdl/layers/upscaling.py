"""The base of layers that enlarge images by an integer factor."""

import keras


def check_scale(scale) -> None:
    """An integer scale factor of at least 2 (``bool`` refused), as every rescaling layer takes."""
    if not isinstance(scale, int) or isinstance(scale, bool) or scale < 2:
        raise ValueError(f"scale must be an int >= 2; Received: scale={scale!r}")


class IntegerUpscaling(keras.layers.Layer):
    """A layer that makes ``(b, h, w, c)`` images ``scale`` times larger; subclasses set channels.

    Args:
        scale: integer upscaling factor, at least 2.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        check_scale(scale)
        self.scale = scale

    def output_channels(self, channels):
        """The output's channel count for ``channels`` input channels."""
        return channels

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        s = self.scale
        return (
            b,
            None if h is None else h * s,
            None if w is None else w * s,
            None if c is None else self.output_channels(c),
        )

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
