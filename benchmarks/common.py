"""Helpers shared by the benchmark scripts."""

import os
import pathlib
import platform
import statistics
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
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> dict:
    """What the numbers were measured on."""
    import tensorflow as tf

    return {
        "cpu_count": os.cpu_count(),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }
