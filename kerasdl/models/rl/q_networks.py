"""Q-networks for deep Q-learning: the Atari DQN (Mnih et al., 2015) and an MLP for low-dimensional states.

Each builder returns a functional ``keras.Model`` from observations to one Q-value per
action, ``(batch, actions)``, from a float32 layer named ``"q_values"`` (float32 under mixed
precision too, so TD targets and Huber losses see full precision). With ``dueling=True`` the
last features split into a value stream (``"value"``, one unit) and an advantage stream
(``"advantage"``, one unit per action), joined by :class:`~kerasdl.layers.DuelingCombine`
(Wang et al., 2016) as ``Q = V + A - mean(A)``. The builders share one vocabulary:
``input_shape, actions, dueling, name``; :func:`q_network` adds ``hidden_units, activation``.
The training scheme (replay, target network, epsilon-greedy) belongs to the app, not here.
"""

import keras
from keras import layers

from kerasdl.layers import DuelingCombine
from kerasdl.models.arguments import check_int_at_least, is_int
from kerasdl.registry import register_model

# The Nature DQN's torso (Mnih et al. 2015, Methods, "Model architecture"): (filters, kernel, stride).
DQN_CONVS = ((32, 8, 4), (64, 4, 2), (64, 3, 1))
DQN_HIDDEN_UNITS = 512


def _dqn_min_size():
    """The smallest image side the three unpadded convolutions accept (36)."""
    size = 1
    for _, kernel, stride in reversed(DQN_CONVS):
        size = (size - 1) * stride + kernel
    return size


def _check_shape(value, argument, *, rank, what):
    """``value`` is a sequence of ``rank`` positive ints; returns it as a tuple."""
    shape = tuple(value) if isinstance(value, (list, tuple)) else None
    if shape is None or len(shape) != rank or not all(is_int(v) for v in shape):
        raise ValueError(f"{argument} must be {what}; Received: {argument}={value!r}")
    return shape


def _check_dueling(dueling):
    if not isinstance(dueling, bool):
        raise ValueError(f"dueling must be a bool; Received: dueling={dueling!r}")


def q_head(x, actions, *, dueling, stream_units=(), activation="relu", name=""):
    """The Q-value output off features ``x``: one linear layer, or the two dueling streams.

    Args:
        x: the last hidden features, ``(batch, features)``.
        actions: the number of actions.
        dueling: whether to split into value and advantage streams.
        stream_units: widths of each stream's own hidden layers before its output (the
            Atari DQN's 512); empty for streams that are single layers off ``x``.
        activation: those hidden layers' activation.
        name: a prefix for the layer names.

    Returns:
        The ``(batch, actions)`` float32 Q-values, from a layer named ``name + "q_values"``.
    """
    if not dueling:
        return layers.Dense(actions, dtype="float32", name=f"{name}q_values")(x)
    streams = []
    for stream, units in (("value", 1), ("advantage", actions)):
        y = x
        for i, width in enumerate(stream_units):
            suffix = f"{i + 1}" if len(stream_units) > 1 else ""
            y = layers.Dense(width, activation=activation, name=f"{name}{stream}_hidden{suffix}")(y)
        streams.append(layers.Dense(units, name=f"{name}{stream}")(y))
    return DuelingCombine(dtype="float32", name=f"{name}q_values")(streams)


@register_model(family="rl")
def dqn(*, input_shape=(84, 84, 4), actions=4, dueling=False, name="dqn"):
    """DQN: the Atari Q-network, three convolutions and a 512-unit layer over stacked frames.

    Follows "Human-level control through deep reinforcement learning" (Mnih et al., Nature,
    2015), Methods, "Model architecture": the last 4 preprocessed 84x84 frames, stacked as
    channels, go through 32 8x8 filters with stride 4, 64 4x4 with stride 2 and 64 3x3 with
    stride 1 (unpadded, ReLU), a fully connected layer of 512 ReLU units, and a linear output
    with one Q-value per action: 1,686,180 parameters for 4 actions. Frames come as floats in
    ``[0, 255]`` (raw uint8 pixel values) and a ``Rescaling(1/255)`` layer maps them to
    ``[0, 1]``, so replay buffers can keep uint8. With ``dueling=True``, the network of "Dueling
    Network Architectures for Deep Reinforcement Learning" (Wang et al., 2016): the same
    convolutions, then a value stream and an advantage stream, each its own 512-unit layer,
    combined as ``Q = V + A - mean(A)``.

    Args:
        input_shape: ``(height, width, frames)``, channels last, each side at least 36 (the
            three convolutions need it); defaults to the paper's ``(84, 84, 4)``.
        actions: the number of actions, an int >= 2 (default: Breakout's 4).
        dueling: whether to use the dueling streams.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(batch, *input_shape)`` frames to ``(batch, actions)``
        float32 Q-values. Layers: ``"rescaling"``, ``"conv1"`` to ``"conv3"``, ``"flatten"``,
        then ``"hidden"`` or the streams (``"value_hidden"``, ``"value"``,
        ``"advantage_hidden"``, ``"advantage"``), and ``"q_values"``.

    Example:
        >>> model = dqn(actions=4)
        >>> model.output_shape, model.count_params()
        ((None, 4), 1686180)
        >>> dqn(input_shape=(36, 36, 4), actions=6, dueling=True).get_layer("value").output.shape
        (None, 1)
    """
    minimum = _dqn_min_size()
    input_shape = _check_shape(
        input_shape,
        "input_shape",
        rank=3,
        what=f"(height, width, frames) of positive ints with height and width at least {minimum}",
    )
    if min(input_shape[:2]) < minimum:
        raise ValueError(
            f"input_shape must have height and width at least {minimum} for the DQN's three "
            f"convolutions; Received: input_shape={input_shape}"
        )
    check_int_at_least("actions", actions, 2)
    _check_dueling(dueling)
    frames = keras.Input(input_shape, name="observation")
    x = layers.Rescaling(1 / 255, name="rescaling")(frames)
    for i, (filters, kernel, stride) in enumerate(DQN_CONVS):
        x = layers.Conv2D(filters, kernel, strides=stride, activation="relu", name=f"conv{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    if dueling:
        q_values = q_head(x, actions, dueling=True, stream_units=(DQN_HIDDEN_UNITS,))
    else:
        x = layers.Dense(DQN_HIDDEN_UNITS, activation="relu", name="hidden")(x)
        q_values = q_head(x, actions, dueling=False)
    return keras.Model(frames, q_values, name=name)


@register_model(family="rl")
def q_network(
    *, input_shape=(4,), actions=2, hidden_units=(256, 256), activation="relu", dueling=False, name="q_network"
):
    """Q-network: a multilayer perceptron from a low-dimensional state to one Q-value per action.

    The function approximator of "Human-level control through deep reinforcement learning"
    (Mnih et al., 2015) for states that are feature vectors rather than frames (CartPole's 4
    numbers, say): fully connected hidden layers and a linear output layer. With
    ``dueling=True``, the aggregation of "Dueling Network Architectures for Deep
    Reinforcement Learning" (Wang et al., 2016): a value layer (one unit) and an advantage
    layer (one per action) off the last hidden layer, combined as ``Q = V + A - mean(A)``.

    Args:
        input_shape: the state's shape, ``(features,)`` (default: CartPole's 4 numbers).
        actions: the number of actions, an int >= 2 (default: CartPole's 2).
        hidden_units: widths of the hidden layers, first to last; at least one.
        activation: the hidden layers' activation.
        dueling: whether to use the dueling streams.
        name: the model's name.

    Returns:
        A ``keras.Model`` from ``(batch, features)`` states to ``(batch, actions)`` float32
        Q-values. Layers: ``"hidden1"``, ``"hidden2"``, ..., then ``"q_values"`` (and before
        it ``"value"`` and ``"advantage"`` when dueling).

    Example:
        >>> model = q_network(input_shape=(4,), actions=2, hidden_units=(64, 64))
        >>> model.output_shape, model.count_params()
        ((None, 2), 4610)
    """
    input_shape = _check_shape(input_shape, "input_shape", rank=1, what="(features,), one positive int")
    check_int_at_least("actions", actions, 2)
    units = tuple(hidden_units) if isinstance(hidden_units, (list, tuple)) else None
    if not units or not all(is_int(u) for u in units):
        raise ValueError(
            f"hidden_units must be a non-empty sequence of positive ints; Received: hidden_units={hidden_units!r}"
        )
    _check_dueling(dueling)
    state = keras.Input(input_shape, name="observation")
    x = state
    for i, width in enumerate(units):
        x = layers.Dense(width, activation=activation, name=f"hidden{i + 1}")(x)
    return keras.Model(state, q_head(x, actions, dueling=dueling), name=name)
