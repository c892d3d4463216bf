"""Playing episodes side by side with a batched policy (no Keras: baselines use it too)."""

from __future__ import annotations

import numpy as np

from kerasdl.rl.environments import make_environment


def run_episodes(env_id: str, policy, episodes: int, *, seed: int, epsilon: float = 0.0, actions=None) -> dict:
    """Plays ``episodes`` episodes side by side, batching the policy's decisions.

    Args:
        env_id: the environment.
        policy: maps a ``[n, ...]`` batch of observations to ``[n]`` actions.
        episodes: how many.
        seed: episode ``i`` starts from ``reset(seed=seed + i)``.
        epsilon: probability of a random action at each step.
        actions: number of actions (needed when ``epsilon > 0``).

    Returns:
        ``{"returns": [...], "lengths": [...], "infos": [last info of each]}``.
    """
    envs = [make_environment(env_id, seed=seed + i) for i in range(episodes)]
    rng = np.random.default_rng(seed)
    observations = [env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]
    returns, lengths, infos = np.zeros(episodes), np.zeros(episodes, int), [None] * episodes
    alive = list(range(episodes))
    while alive:
        chosen = np.asarray(policy(np.stack([observations[i] for i in alive])))
        if epsilon > 0:
            explore = rng.random(len(alive)) < epsilon
            chosen = np.where(explore, rng.integers(0, actions, len(alive)), chosen)
        still = []
        for i, action in zip(alive, chosen):
            observations[i], reward, terminated, truncated, info = envs[i].step(int(action))
            returns[i] += reward
            lengths[i] += 1
            if terminated or truncated:
                infos[i] = info
                envs[i].close()
            else:
                still.append(i)
        alive = still
    return {"returns": returns.tolist(), "lengths": lengths.tolist(), "infos": infos}
