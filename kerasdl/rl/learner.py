"""Deep Q-learning's update as a Keras model: a Q-network, its target network, and the TD loss.

The learning step is the model's ``compute_loss``, written in ``keras.ops``, so Keras' own
``train_step`` of each backend (TensorFlow, JAX, PyTorch) differentiates it and applies the
optimizer; ``train_on_batch`` runs it compiled (XLA where asked). The target network is a
copy of the Q-network whose weights are non-trainable and change only at
:meth:`DeepQLearner.sync_target`.
"""

from __future__ import annotations

import keras
from keras import ops


def td_targets(rewards, terminated, next_q_target, *, gamma: float, next_q_online=None):
    """The targets ``y = r + gamma * (1 - terminated) * Q_target(s', a*)`` of Q-learning.

    ``a* = argmax_a Q_target(s', a)`` (Mnih et al. 2015), or with ``next_q_online`` given,
    ``argmax_a Q_online(s', a)``: double DQN (van Hasselt et al. 2016), which picks the
    action with one network and values it with the other.

    Args:
        rewards: ``[batch]`` rewards.
        terminated: ``[batch]`` 1.0 where ``s'`` is terminal (no value after it), else 0.0.
        next_q_target: ``[batch, actions]`` target-network Q-values of ``s'``.
        gamma: the discount factor.
        next_q_online: ``[batch, actions]`` online Q-values of ``s'`` (double DQN), or None.

    Returns:
        ``[batch]`` targets.
    """
    if next_q_online is None:
        next_value = ops.max(next_q_target, axis=1)
    else:
        best = ops.argmax(next_q_online, axis=1)
        next_value = ops.take_along_axis(next_q_target, ops.expand_dims(best, 1), axis=1)[:, 0]
    return rewards + gamma * (1.0 - terminated) * next_value


@keras.saving.register_keras_serializable(package="kerasdl")
class DeepQLearner(keras.Model):
    """A Q-network trained by Q-learning against a target network (Mnih et al. 2015).

    Called on observations it returns the Q-network's Q-values. ``train_on_batch(x, y)``
    takes ``x`` = observations and ``y`` = ``{"action", "reward", "next_observation",
    "terminated"}`` (a :class:`~kerasdl.rl.replay.ReplayMemory` sample) and minimises the
    Huber loss between ``Q(s, a)`` and :func:`td_targets`.

    Args:
        network: the Q-network (``kerasdl.get_model("dqn" | "q_network", ...)``).
        gamma: the discount factor.
        double: double DQN targets (van Hasselt et al. 2016).
        huber_delta: where the Huber loss turns from quadratic to linear (1: the paper's
            error clipping).

    Example:

    >>> import kerasdl
    >>> learner = DeepQLearner(kerasdl.get_model("q_network", input_shape=(4,), actions=2))
    >>> learner.compile(optimizer=keras.optimizers.Adam(1e-3))
    """

    def __init__(self, network, *, gamma: float = 0.99, double: bool = False, huber_delta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        config = network.get_config()
        self.target_network = type(network).from_config({**config, "name": f"target_{network.name}"})
        self.target_network.set_weights(network.get_weights())
        self.target_network.trainable = False
        self.gamma = float(gamma)
        self.double = bool(double)
        self.huber_delta = float(huber_delta)

    def call(self, observations, training=False):
        return self.network(observations, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        next_observations = y["next_observation"]
        next_q_target = self.target_network(next_observations, training=False)
        next_q_online = self.network(next_observations, training=False) if self.double else None
        targets = td_targets(
            ops.cast(y["reward"], "float32"),
            ops.cast(y["terminated"], "float32"),
            ops.cast(next_q_target, "float32"),
            gamma=self.gamma,
            next_q_online=None if next_q_online is None else ops.cast(next_q_online, "float32"),
        )
        actions = ops.expand_dims(ops.cast(y["action"], "int32"), 1)
        chosen = ops.take_along_axis(ops.cast(y_pred, "float32"), actions, axis=1)
        huber = keras.losses.Huber(delta=self.huber_delta, reduction=None)
        return ops.mean(huber(ops.stop_gradient(targets)[:, None], chosen))

    def sync_target(self, tau: float = 1.0) -> None:
        """Moves the target network to the Q-network: a copy (``tau=1``) or Polyak averaging."""
        for target, online in zip(self.target_network.weights, self.network.weights):
            # A copy, not the online variable's own buffer: JAX's compiled step donates each buffer once.
            target.assign(ops.copy(online.value) if tau >= 1.0 else tau * online.value + (1.0 - tau) * target.value)

    def get_config(self):
        return {
            **super().get_config(),
            "network": keras.saving.serialize_keras_object(self.network),
            "gamma": self.gamma,
            "double": self.double,
            "huber_delta": self.huber_delta,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        network = keras.saving.deserialize_keras_object(config.pop("network"))
        return cls(network, **config)
