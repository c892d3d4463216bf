"""The play app's figures: return against environment steps, and the evaluated policies side by side."""

from __future__ import annotations

import csv
import pathlib

import numpy as np

from kerasdl.files import save_figure


def _rows(path: pathlib.Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def plot_learning_curve(episodes_csv, log_csv, out_path, *, title: str, threshold: float | None = None):
    """Training episodes' returns (and their running mean) and the greedy evaluations, against environment steps.

    Returns:
        The figure's path, or None when nothing was logged yet.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    episodes, evaluations = _rows(pathlib.Path(episodes_csv)), _rows(pathlib.Path(log_csv))
    if not episodes and not evaluations:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    if episodes:
        steps = np.array([float(r["env_steps"]) for r in episodes])
        returns = np.array([float(r["return"]) for r in episodes])
        window = max(1, min(100, len(returns) // 10))
        running = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(steps, returns, ".", color="0.75", markersize=2, label="training episodes (exploring)")
        ax.plot(steps[window - 1 :], running, color="C0", label=f"running mean of {window}")
    if evaluations:
        steps = [float(r["env_steps"]) for r in evaluations]
        means = [float(r["eval_return"]) for r in evaluations]
        spreads = [float(r["eval_return_std"]) for r in evaluations]
        ax.errorbar(steps, means, yerr=spreads, fmt="o-", color="C3", capsize=3, label="greedy evaluation (mean ± std)")
    if threshold is not None:
        ax.axhline(threshold, color="C2", linestyle="--", linewidth=1, label=f"solved ({threshold:g})")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = save_figure(fig, out_path)
    plt.close(fig)
    return path


def plot_policy_returns(returns: dict[str, list[float]], out_path, *, title: str):
    """Box plots of each policy's evaluation returns, with the mean marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(returns)
    fig, ax = plt.subplots(figsize=(1.8 + 1.4 * len(names), 4))
    ax.boxplot([returns[n] for n in names], showmeans=True)
    ax.set_xticks(range(1, len(names) + 1), names)
    ax.set_ylabel("episode return")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = save_figure(fig, out_path)
    plt.close(fig)
    return path
