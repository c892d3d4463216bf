"""YOLOv8's building blocks, as functions from tensor to tensor with a ``name`` prefix.

After Ultralytics' ``ultralytics/nn/modules`` (``Conv``, ``Bottleneck``, ``C2f``, ``SPPF``),
written for Keras: channels last, ``"same"`` padding, batch norm with YOLOv8's epsilon and
momentum (PyTorch's momentum 0.03 is Keras' 0.97).
"""

from keras import layers, ops

BN_EPSILON = 1e-3
BN_MOMENTUM = 0.97


def conv_bn_silu(x, *, filters, kernel_size=1, strides=1, name):
    """YOLOv8's ``Conv``: a convolution without bias, batch norm, SiLU.

    Args:
        x: input tensor.
        filters: output channels.
        kernel_size: 1 or 3.
        strides: 1, or 2 to halve the height and width.
        name: prefix of the layer names (``{name}_conv``, ``{name}_bn``, ``{name}_silu``).

    Returns:
        The output tensor.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.Activation("silu", name=f"{name}_silu")(x)


def bottleneck(x, *, filters, shortcut, name):
    """Two 3x3 ``Conv``s, with the input added back when ``shortcut`` (and the widths agree)."""
    y = conv_bn_silu(x, filters=filters, kernel_size=3, name=f"{name}_1")
    y = conv_bn_silu(y, filters=filters, kernel_size=3, name=f"{name}_2")
    if shortcut and x.shape[-1] == filters:
        y = layers.Add(name=f"{name}_add")([x, y])
    return y


def c2f(x, *, filters, blocks, shortcut, name):
    """YOLOv8's C2f: a CSP block whose every bottleneck's output joins the final concatenation.

    A 1x1 ``Conv`` to ``filters`` channels is split in two halves; ``blocks`` bottlenecks run
    one after another on the second half; the two halves and every bottleneck's output are
    concatenated and mixed by a 1x1 ``Conv`` to ``filters`` channels.

    Args:
        x: input tensor.
        filters: output channels (the bottlenecks have half as many).
        blocks: number of bottlenecks.
        shortcut: residual bottlenecks (the backbone's) or plain ones (the neck's).
        name: prefix of the layer names.

    Returns:
        The output tensor.
    """
    hidden = filters // 2
    x = conv_bn_silu(x, filters=2 * hidden, name=f"{name}_in")
    parts = list(ops.split(x, 2, axis=-1))
    for i in range(blocks):
        parts.append(bottleneck(parts[-1], filters=hidden, shortcut=shortcut, name=f"{name}_block{i + 1}"))
    x = layers.Concatenate(name=f"{name}_concat")(parts)
    return conv_bn_silu(x, filters=filters, name=f"{name}_out")


def sppf(x, *, filters, pool_size=5, name):
    """Spatial pyramid pooling, fast: three chained max poolings of ``pool_size`` and stride 1.

    The chain sees 5x5, 9x9 and 13x13 neighbourhoods (SPP's parallel poolings, cheaper); a
    1x1 ``Conv`` halves the channels first, another mixes the four maps to ``filters``.
    """
    x = conv_bn_silu(x, filters=x.shape[-1] // 2, name=f"{name}_in")
    parts = [x]
    for i in range(3):
        parts.append(layers.MaxPooling2D(pool_size, strides=1, padding="same", name=f"{name}_pool{i + 1}")(parts[-1]))
    x = layers.Concatenate(name=f"{name}_concat")(parts)
    return conv_bn_silu(x, filters=filters, name=f"{name}_out")
