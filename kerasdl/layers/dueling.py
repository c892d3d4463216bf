"""The dueling network's aggregation (Wang et al., 2016): a state value and action advantages to Q-values."""

import keras


@keras.saving.register_keras_serializable(package="kerasdl")
class DuelingCombine(keras.layers.Layer):
    """Combines a state value and action advantages into Q-values: ``Q = V + A - mean(A)``.

    The aggregating module of "Dueling Network Architectures for Deep Reinforcement
    Learning" (Wang, Schaul, Hessel, van Hasselt, Lanctot and de Freitas, 2016), equation
    (9): subtracting the mean advantage makes ``V`` and ``A`` identifiable, and leaves the
    greedy action unchanged. Called on ``[value, advantage]`` with shapes ``(batch, 1)`` and
    ``(batch, actions)``; returns ``(batch, actions)``. A layer rather than a ``Lambda``, so
    `.keras` files load with ``safe_mode=True``.

    Example:
        >>> value = keras.ops.convert_to_tensor([[1.0]])
        >>> advantage = keras.ops.convert_to_tensor([[1.0, 2.0, 6.0]])
        >>> keras.ops.convert_to_numpy(DuelingCombine()([value, advantage])).tolist()
        [[-1.0, 0.0, 4.0]]
    """

    def build(self, input_shape):
        shapes = list(input_shape) if isinstance(input_shape, (list, tuple)) else []
        if len(shapes) != 2 or not all(isinstance(s, (list, tuple)) for s in shapes) or tuple(shapes[0])[-1:] != (1,):
            raise ValueError(
                "DuelingCombine must be called on [value, advantage] with shapes (batch, 1) and "
                f"(batch, actions); Received: input_shape={input_shape}"
            )

    def call(self, inputs):
        value, advantage = inputs
        return value + advantage - keras.ops.mean(advantage, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])

    def get_config(self):
        return super().get_config()  # no arguments of its own: name, dtype and trainable
