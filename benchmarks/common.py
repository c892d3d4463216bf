"""Helpers shared by the benchmark scripts."""

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def shared_data() -> pathlib.Path:
    """The public datasets: ``$KERASDL_SHARED_DATA`` or ``../shared/data`` beside the checkout."""
    return pathlib.Path(os.environ.get("KERASDL_SHARED_DATA", ROOT.parent / "shared" / "data"))


def kerasdl(*args) -> None:
    """Runs the ``kerasdl`` CLI in a fresh process (as a user would); raises if it fails."""
    cmd = [sys.executable, "-m", "kerasdl.cli", *map(str, args)]
    print("$ kerasdl " + " ".join(map(str, args)), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def median_seconds(fn, *, repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup`` calls."""
    from kerasdl.export.quantize import batch1_latency_ms

    return batch1_latency_ms(fn, repeats=repeats, warmup=warmup) / 1e3


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), and whether it has AVX-512: CPUs differ 4-5x per training step here."""
    try:
        info = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    name = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "unknown"
    )
    return f"{name} ({'AVX-512' if 'avx512f' in info else 'no AVX-512'})"


def machine() -> dict:
    """What the numbers were measured on."""
    import tensorflow as tf

    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def train_for_steps(task, data=None, *, steps: int, quick: bool, safety_minutes: float, **options) -> dict:
    """Trains an app task for ``steps`` (10 epochs, 1 when quick; the time limit only a safety net).

    Returns:
        What every benchmark records of the training: parameters, steps run, batch size,
        learning rate, seconds, seconds per step and whether the time limit stopped it.
    """
    epochs = 1 if quick else 10
    report = task.train(
        data,
        epochs=epochs,
        steps_per_epoch=max(1, steps // epochs),
        time_limit=safety_minutes,
        resume=False,
        verbose=2,
        **options,
    )
    steps_run = report.epochs_run * report.train_config["steps_per_epoch"]
    return {
        "parameters": report.parameters,
        "steps": steps_run,
        "batch_size": report.train_config["batch_size"],
        "learning_rate": report.train_config["learning_rate"],
        "train_seconds": round(report.seconds, 1),
        "seconds_per_step": round(report.seconds / max(1, steps_run), 4),
        "stopped_by_time_limit": report.stopped_by_time_limit,
    }


def parts_parser(doc: str, parts, quick_help: str) -> argparse.ArgumentParser:
    """The parser of a benchmark made of parts: ``--quick`` (a smoke run) and ``--parts`` (a subset)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--parts", default=",".join(parts), help=f"comma-separated subset of {', '.join(parts)}")
    return parser


def selected_parts(value: str, parts) -> list[str] | None:
    """The parts ``--parts`` names, or None after printing an error when one is unknown."""
    chosen = [p for p in value.split(",") if p]
    unknown = sorted(set(chosen) - set(parts))
    if unknown:
        print(f"error: unknown parts {unknown}; choose from {', '.join(parts)}", file=sys.stderr)
        return None
    return chosen


def previous_results(name: str, quick: bool) -> tuple[pathlib.Path, dict]:
    """``benchmarks/results/<name>.json`` (``<name>_quick.json`` for a smoke run) and what it holds: the parts run replace theirs."""
    out = RESULTS / (f"{name}_quick.json" if quick else f"{name}.json")
    return out, (json.loads(out.read_text()) if out.is_file() else {})


def write_results(out: pathlib.Path, results: dict) -> None:
    """Writes a benchmark's results JSON (after each part, so a run cut short keeps what it measured)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))


def finish(out: pathlib.Path, results: dict, goals: dict) -> int:
    """Adds the goals beside what was measured, writes the results and prints the goals."""
    results["goals"] = goals
    write_results(out, results)
    print(json.dumps(goals, indent=2))
    return 0


def run_parts(name: str, doc: str, runners: dict, goals, *, quick_help: str) -> int:
    """A benchmark made of parts, as its ``main``: ``--quick`` and ``--parts``, then each chosen part in order.

    Each part's results (with its ``part_seconds`` and the ``machine`` that measured it) replace
    the previous run's in ``benchmarks/results/<name>.json`` as soon as it ends; the goals come
    last. The top-level ``machine`` is the latest run's.

    Args:
        name: the results file's name.
        doc: the benchmark's docstring (its first line is the ``--help`` description).
        runners: ``{part: fn(quick, results) -> dict}``; a part may read earlier parts' results.
        goals: ``fn(results) -> dict`` of the goals, met or missed.
        quick_help: what ``--quick`` does.

    Returns:
        The exit code: 0, or 2 for an unknown part.
    """
    args = parts_parser(doc, list(runners), quick_help).parse_args()
    chosen = selected_parts(args.parts, list(runners))
    if chosen is None:
        return 2
    out, results = previous_results(name, args.quick)
    earlier = results.get("machine")
    for part in runners:  # parts kept from an earlier run say which machine measured them
        if isinstance(results.get(part), dict) and earlier and "machine" not in results[part]:
            results[part]["machine"] = earlier
    here = machine()
    results.update({"machine": here, "quick": args.quick})
    for part in chosen:
        start = time.monotonic()
        results[part] = runners[part](args.quick, results)
        results[part]["part_seconds"] = round(time.monotonic() - start, 1)
        results[part]["machine"] = here
        write_results(out, results)
    return finish(out, results, goals(results))
