"""The agent's learning step on the JAX backend (a GPU host may have JAX and no TensorFlow).

Runs in a subprocess with ``KERAS_BACKEND=jax`` where JAX is installed; skipped elsewhere.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, sys, tempfile
    import keras, numpy as np
    assert keras.config.backend() == "jax"
    from kerasdl.registry import get_model
    from kerasdl.rl.agent import AgentSettings, DeepQAgent

    settings = AgentSettings(buffer_size=500, learning_starts=50, train_every=4, target_update_every=20,
                             exploration_steps=100, eval_episodes=2)
    build = lambda shape, n: get_model("q_network", input_shape=shape, actions=n, hidden_units=(16,))
    run = tempfile.mkdtemp()
    agent = DeepQAgent("CartPole-v1", build, settings, learning_rate=1e-3, batch_size=16, seed=0, jit_compile=True)
    agent.train(run, epochs=2, steps_per_epoch=150, verbose=0)
    again = DeepQAgent("CartPole-v1", build, settings, learning_rate=1e-3, batch_size=16, seed=0, jit_compile=True)
    assert again.restore(run) and again.env_steps == 300
    same = all(np.array_equal(a, b) for a, b in zip(agent.learner.get_weights(), again.learner.get_weights()))
    print(json.dumps({"updates": agent.updates, "restored_equal": same,
                      "iterations": int(again.learner.optimizer.iterations)}))
    """
)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_agent_trains_and_resumes_on_jax(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["updates"] == (300 - 52) // 4 + 1  # every 4th step after the 50 of random play
    assert report["restored_equal"] and report["iterations"] == report["updates"]
