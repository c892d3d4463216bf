"""Reinforcement-learning builders: Q-networks for deep Q-learning (the Atari DQN, an MLP), plain or dueling."""

from kerasdl.models.rl.q_networks import dqn, q_head, q_network

__all__ = ["dqn", "q_head", "q_network"]
