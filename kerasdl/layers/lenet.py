"""LeNet-5's own pieces (LeCun et al., 1998): the scaled tanh, trainable sub-sampling and C3's table.

"Gradient-based learning applied to document recognition" (LeCun, Bottou, Bengio and
Haffner, 1998) uses three things Keras has no layer for: the squashing function
``1.7159 * tanh(2x / 3)`` (Appendix A), sub-sampling layers whose units add four inputs,
multiply by a trainable coefficient and add a trainable bias (S2, S4), and the partial
connection table between S2 and C3 (Table I). All are serialisable, so `.keras` files
load with ``safe_mode=True``.
"""

import keras

# Table I: the S2 maps (rows 0-5 of the paper) that each C3 map (columns 0-15) combines.
LENET5_C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip


@keras.saving.register_keras_serializable(package="kerasdl")
def scaled_tanh(x):
    """LeCun's squashing function ``1.7159 * tanh(2x / 3)``: f(1) = 1, f(-1) = -1.

    Appendix A of LeCun et al. (1998); usable wherever Keras takes an ``activation``.

    Example:
        >>> keras.layers.Dense(4, activation=scaled_tanh)
    """
    return 1.7159 * keras.ops.tanh(x * (2.0 / 3.0))


@keras.saving.register_keras_serializable(package="kerasdl")
class TrainableSubsampling(keras.layers.Layer):
    """Sums each map over non-overlapping windows, times a trainable coefficient plus a bias.

    LeNet-5's S2 and S4 (LeCun et al., 1998): "the four inputs to a unit in S2 are added,
    then multiplied by a trainable coefficient, and added to a trainable bias", one
    coefficient and one bias per feature map, so ``2 * channels`` parameters. The
    coefficient starts at ``1 / pool_size**2``, which makes the untrained layer an
    average pooling.

    Args:
        pool_size: side of the square window and the stride.
        activation: applied to the result (the paper's sigmoidal squashing), or ``None``.

    Example:
        >>> y = TrainableSubsampling(2)(keras.ops.ones((1, 28, 28, 6)))  # (1, 14, 14, 6)
    """

    def __init__(self, pool_size=2, activation=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"pool_size must be a positive int; Received: pool_size={pool_size!r}")
        self.pool_size = pool_size
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.coefficient = self.add_weight(
            shape=(channels,), initializer=keras.initializers.Constant(1.0 / self.pool_size**2), name="coefficient"
        )
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")

    def call(self, inputs):
        p = self.pool_size
        window_sum = keras.ops.average_pool(inputs, p, strides=p, padding="valid") * float(p * p)
        return self.activation(window_sum * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        p = self.pool_size
        return (b, None if h is None else h // p, None if w is None else w // p, c)

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "activation": keras.activations.serialize(self.activation),
        }


@keras.saving.register_keras_serializable(package="kerasdl")
class ConnectionTableConv2D(keras.layers.Layer):
    """A "valid" convolution whose output map ``j`` sees only the input maps ``table[j]``.

    LeNet-5's C3 (LeCun et al., 1998, Table I): each of the 16 maps combines a subset of
    the 6 S2 maps, which "keeps the number of connections within reasonable bounds" and
    "forces a break of symmetry". Each output map has its own kernel of shape
    ``(k, k, len(table[j]))`` and a bias, so the weights are exactly those of the paper
    (1,516 for C3), not a masked full kernel.

    Args:
        table: for each output map, the indices of the input maps it is connected to.
        kernel_size: side of the square kernels.
        activation: applied to the output, or ``None``.

    Example:
        >>> c3 = ConnectionTableConv2D(LENET5_C3_TABLE, 5)
        >>> y = c3(keras.ops.ones((1, 14, 14, 6)))  # (1, 10, 10, 16)
    """

    def __init__(self, table, kernel_size, activation=None, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        table = tuple(tuple(int(i) for i in inputs) for inputs in table)
        if not table or any(not inputs or min(inputs) < 0 or len(set(inputs)) != len(inputs) for inputs in table):
            raise ValueError(
                f"table must list, per output map, distinct non-negative input maps; Received: table={table!r}"
            )
        self.table = table
        self.kernel_size = int(kernel_size)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        channels = input_shape[-1]
        needed = max(max(inputs) for inputs in self.table) + 1
        if channels is not None and channels < needed:
            raise ValueError(f"the table needs at least {needed} input maps; Received: input_shape={input_shape}")
        k = self.kernel_size
        self.kernels = [
            self.add_weight(shape=(k, k, len(inputs), 1), initializer=self.kernel_initializer, name=f"kernel_{j}")
            for j, inputs in enumerate(self.table)
        ]
        self.bias = self.add_weight(shape=(len(self.table),), initializer="zeros", name="bias")

    def call(self, inputs):
        maps = [
            keras.ops.conv(keras.ops.take(inputs, list(selected), axis=-1), kernel, padding="valid")
            for selected, kernel in zip(self.table, self.kernels)
        ]
        return self.activation(keras.ops.concatenate(maps, axis=-1) + self.bias)

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        k = self.kernel_size
        return (b, None if h is None else h - k + 1, None if w is None else w - k + 1, len(self.table))

    def get_config(self):
        return {
            **super().get_config(),
            "table": [list(inputs) for inputs in self.table],
            "kernel_size": self.kernel_size,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
