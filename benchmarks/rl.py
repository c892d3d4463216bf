"""Deep Q-learning benchmark: the play app's DQN on CartPole, Catch, LunarLander and a Breakout smoke run.

Every part trains ``kerasdl.apps.Play`` with the environment's preset (rl-baselines3-zoo's
DQN hyperparameters for CartPole-v1 and LunarLander) for a fixed number of environment steps,
evaluating the greedy policy at each epoch's end, then scores the kept (best) network over 100
episodes beside a random policy and the cross-entropy method on a linear policy (in the same
run, on the same episode seeds). Steps are the budget; seconds and the CPU are recorded.

1. cartpole: 3 seeds x 50,000 steps; each epoch's evaluation is 100 greedy episodes, so
   "first reached 475" is read off the log exactly (rl-zoo's DQN reads 500 at 50k steps).
2. catch: kerasdl's Catch with the Nature Atari network, 20,000 steps: catch rate.
3. breakout: ALE/Breakout-v5 end to end for 3,000 steps (a smoke run: learning it takes ~10M).
4. lunarlander: 3 seeds x 150,000 steps (rl-zoo: 154 +- 79 at 100k); median of the seeds.

Writes ``benchmarks/results/rl.json`` (the parts run replace those already there).
``--evaluate-only`` scores the kept networks of an earlier run again (the 100-episode
evaluation, random and CEM) without training, keeping the recorded training.
"""

from __future__ import annotations

import csv
import pathlib
import shutil
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    ROOT,
    finish,
    machine,
    parts_parser,
    previous_results,
    selected_parts,
    write_results,
)

PARTS = ("cartpole", "catch", "breakout", "lunarlander")
RUNS = ROOT / "runs" / "bench" / "rl"
SEEDS = (0, 1, 2)
GOALS = {
    "cartpole_seeds_reaching_475_within_50k": 3,
    "cartpole_seconds_per_seed_at_most": 300,
    "catch_rate_at_least": 0.95,
    "lunarlander_median_return_at_least": 200,
}


def _run_dir(env: str, seed: int) -> pathlib.Path:
    return RUNS / f"{env.replace('/', '_')}_{seed}"


def score(agent, entry: dict, *, quick: bool, baseline: bool) -> dict:
    """The kept network's evaluation beside random (and CEM), written into ``entry``."""
    metrics = agent.evaluate(episodes=5 if quick else 100, baseline=baseline).metrics
    entry["best_model"] = {k: round(v, 2) for k, v in metrics[agent.model_name].items()}
    entry["random"] = {k: round(v, 2) for k, v in metrics["random"].items()}
    if "cem" in metrics:
        entry["cem_linear"] = {k: round(v, 2) for k, v in metrics["cem"].items()}
    if "catch_rate" in metrics:
        entry["catch_rate"] = metrics["catch_rate"]
    return entry


def _log(run_dir: pathlib.Path) -> list[dict]:
    with (run_dir / "training_log.csv").open(newline="") as file:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(file)]


def train_and_score(env: str, seed: int, *, quick: bool, baseline: bool, **overrides) -> dict:
    """One training run of the play app and its 100-episode evaluation."""
    from kerasdl.apps import Play

    run_dir = _run_dir(env, seed)
    shutil.rmtree(run_dir, ignore_errors=True)
    agent = Play(env=env, run_dir=run_dir)
    if quick:
        overrides.update(epochs=2, steps_per_epoch=200, learning_starts=50, buffer_size=1000, eval_episodes=2)
    start = time.monotonic()
    trained = agent.train(seed=seed, verbose=0, **overrides)
    seconds = time.monotonic() - start
    log = _log(run_dir)
    entry = {
        "seed": seed,
        "env_steps": int(log[-1]["env_steps"]),
        "updates": int(log[-1]["updates"]),
        "train_seconds": round(seconds, 1),
        "train_seconds_without_evaluation": round(sum(r["seconds"] for r in log), 1),
        "evaluations": [(int(r["env_steps"]), round(r["eval_return"], 2)) for r in log],
        "parameters": trained.parameters,
    }
    return score(agent, entry, quick=quick, baseline=baseline)


def rescore(results: dict, part: str, *, quick: bool) -> None:
    """Scores an earlier run's kept networks again (``--evaluate-only``)."""
    from kerasdl.apps import Play

    for entry in results[part]["runs"]:
        agent = Play.from_run(_run_dir(results[part]["env"], entry["seed"]))
        entry.pop("cem_linear", None)
        score(agent, entry, quick=quick, baseline=entry["seed"] == 0 and part != "breakout")


def first_reaching(entry: dict, level: float):
    return next((steps for steps, value in entry["evaluations"] if value >= level), None)


def main() -> int:
    from kerasdl.rl.environments import CATCH

    parser = parts_parser(__doc__, PARTS, "a smoke run: a few hundred steps per part")
    parser.add_argument("--evaluate-only", action="store_true", help="score an earlier run's networks again")
    args = parser.parse_args()
    chosen = selected_parts(args.parts, PARTS)
    if chosen is None:
        return 2
    out, results = previous_results("rl", args.quick)
    results["machine"] = machine()
    for part in chosen:
        print(f"--- {part}", flush=True)
        if args.evaluate_only:
            rescore(results, part, quick=args.quick)
        elif part == "cartpole":
            runs = [
                train_and_score("CartPole-v1", seed, quick=args.quick, baseline=seed == 0, eval_episodes=100)
                for seed in SEEDS
            ]
            for run in runs:
                run["first_reached_475_at_step"] = first_reaching(run, 475)
            results["cartpole"] = {"env": "CartPole-v1", "runs": runs}
        elif part == "catch":
            results["catch"] = {"env": CATCH, "runs": [train_and_score(CATCH, 0, quick=args.quick, baseline=True)]}
        elif part == "breakout":
            smoke = {"epochs": 1, "steps_per_epoch": 3000, "learning_starts": 500, "buffer_size": 5000}
            smoke["eval_episodes"] = 1
            run = train_and_score("ALE/Breakout-v5", 0, quick=args.quick, baseline=False, **smoke)
            results["breakout"] = {"env": "ALE/Breakout-v5", "smoke": True, "runs": [run]}
        elif part == "lunarlander":
            runs = [train_and_score("LunarLander-v3", seed, quick=args.quick, baseline=seed == 0) for seed in SEEDS]
            results["lunarlander"] = {
                "env": "LunarLander-v3",
                "runs": runs,
            }
        if part == "lunarlander":
            results["lunarlander"]["median_return"] = statistics.median(
                r["best_model"]["mean"] for r in results["lunarlander"]["runs"]
            )
        write_results(out, results)
    return finish(out, results, goals(results))


def goals(results: dict) -> dict:
    """Each goal beside what was measured."""
    measured = {}
    if "cartpole" in results:
        runs = results["cartpole"]["runs"]
        reached = sum(r["first_reached_475_at_step"] is not None for r in runs)
        slowest = max(r["train_seconds"] for r in runs)
        measured["cartpole_seeds_reaching_475_within_50k"] = {"measured": reached, "met": reached >= 3}
        measured["cartpole_seconds_per_seed_at_most"] = {"measured": slowest, "met": slowest <= 300}
    if "catch" in results:
        rate = results["catch"]["runs"][0].get("catch_rate")
        measured["catch_rate_at_least"] = {"measured": rate, "met": rate is not None and rate >= 0.95}
    if "lunarlander" in results:
        median = results["lunarlander"]["median_return"]
        measured["lunarlander_median_return_at_least"] = {"measured": median, "met": median >= 200}
    return {"targets": GOALS, **measured}


if __name__ == "__main__":
    sys.exit(main())
