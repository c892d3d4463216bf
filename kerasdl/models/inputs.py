"""Input handling shared by every image builder."""

import keras


def image_input(*, input_tensor=None, input_shape=None, default_shape, name="image", channels=None):
    """Returns the model's input tensor, from ``input_tensor`` or ``input_shape``.

    Args:
        input_tensor: optional Keras tensor (output of ``keras.Input`` or a layer) to build on.
        input_shape: optional ``(height, width, channels)``; spatial sizes may be ``None``.
        default_shape: the shape used when neither is given.
        name: the input layer's name.
        channels: optional channel count the input must have (the builder's ``channels``).

    Returns:
        A Keras tensor of rank 4 (batch included).
    """
    if input_tensor is not None:
        if len(input_tensor.shape) != 4:
            raise ValueError(
                f"input_tensor must have rank 4 (batch, height, width, channels); "
                f"Received: input_tensor.shape={tuple(input_tensor.shape)}"
            )
        image = input_tensor
    else:
        shape = tuple(input_shape) if input_shape is not None else tuple(default_shape)
        if len(shape) != 3 or shape[-1] is None or shape[-1] < 1:
            raise ValueError(
                f"input_shape must be (height, width, channels) with a known channel count; "
                f"Received: input_shape={input_shape}"
            )
        image = keras.Input(shape=shape, name=name)
    if channels is not None and image.shape[-1] != channels:
        raise ValueError(
            f"the input's channel count must equal channels={channels}; Received: input shape {tuple(image.shape)}"
        )
    return image


def model_inputs(inputs):
    """The true model inputs behind ``inputs`` (it may come from another model's layers)."""
    sources = keras.utils.get_source_inputs(inputs)
    return sources[0] if len(sources) == 1 else sources
