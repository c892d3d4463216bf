"""Playing episodes side by side with a batched policy (no Keras: baselines use it too)."""

from __future__ import annotations

import numpy as np

from kerasdl.rl.environments import make_environment


def play_side_by_side(envs, act, seeds) -> dict:
    """Plays one episode in each environment at once, ``envs[i]`` reset with ``seeds[i]``.

    Args:
        envs: the environments.
        act: ``act(observations, alive)`` gets the observations of the episodes still running
            and their env indices (ascending) and returns an action each.
        seeds: a reset seed per environment.

    Returns:
        ``{"returns": [n], "lengths": [n] (steps), "infos": [the last info of each]}`` as arrays
        and a list.
    """
    observations = [env.reset(seed=int(s))[0] for env, s in zip(envs, seeds)]
    returns, lengths, infos = np.zeros(len(envs)), np.zeros(len(envs), int), [None] * len(envs)
    alive = np.arange(len(envs))
    while alive.size:
        chosen = act(np.stack([observations[i] for i in alive]), alive)
        done = np.zeros(alive.size, bool)
        for k, (i, action) in enumerate(zip(alive, chosen)):
            observations[i], reward, terminated, truncated, info = envs[i].step(int(action))
            returns[i] += reward
            lengths[i] += 1
            if terminated or truncated:
                infos[i], done[k] = info, True
        alive = alive[~done]
    return {"returns": returns, "lengths": lengths, "infos": infos}


def run_episodes(
    env_id: str,
    policy,
    episodes: int,
    *,
    seed: int,
    epsilon: float = 0.0,
    actions=None,
    max_steps: int | None = None,
    seen=None,
) -> dict:
    """Plays ``episodes`` episodes side by side, batching the policy's decisions.

    Args:
        env_id: the environment.
        policy: maps a ``[n, ...]`` batch of observations to ``[n]`` actions.
        episodes: how many.
        seed: episode ``i`` starts from ``reset(seed=seed + i)``.
        epsilon: probability of a random action at each step.
        actions: number of actions (needed when ``epsilon > 0``).
        max_steps: cut each episode after this many steps (gymnasium's ``TimeLimit``); None:
            the environment's own limit.
        seen: called with each batch of observations and their episodes' indices before the
            actions are chosen.

    Returns:
        ``{"returns": [...], "lengths": [...], "infos": [last info of each]}``.
    """
    envs = [make_environment(env_id, seed=seed + i) for i in range(episodes)]
    if max_steps is not None:
        from gymnasium.wrappers import TimeLimit

        envs = [TimeLimit(env, max_episode_steps=max_steps) for env in envs]
    rng = np.random.default_rng(seed)

    def act(observations, alive):
        if seen is not None:
            seen(observations, alive)
        chosen = np.asarray(policy(observations))
        if epsilon > 0:
            explore = rng.random(len(alive)) < epsilon
            chosen = np.where(explore, rng.integers(0, actions, len(alive)), chosen)
        return chosen

    try:
        played = play_side_by_side(envs, act, [seed + i for i in range(episodes)])
    finally:
        for env in envs:
            env.close()
    return {"returns": played["returns"].tolist(), "lengths": played["lengths"].tolist(), "infos": played["infos"]}
