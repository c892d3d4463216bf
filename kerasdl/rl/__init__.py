"""Reinforcement learning: environments, replay memory, the deep Q-learning learner and agent.

The pieces of ``kerasdl play``: environments made ready for DQN (vector states as gymnasium
makes them, Atari and Catch frames stacked channels-last), the replay memory, the Q-learning
learner and the agent that acts with it, and classical baselines to compare against.
"""
