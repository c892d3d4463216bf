"""``kerasdl play``: deep Q-learning on gymnasium environments (CartPole, LunarLander, Catch, Atari)."""

from kerasdl.apps.play.task import Play

__all__ = ["Play"]
