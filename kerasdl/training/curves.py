"""The learning-curve figure, drawn from the CSV training log."""

from __future__ import annotations

import csv
import pathlib

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerasdl.files import save_figure


def read_log(path) -> dict[str, list[float]]:
    """The CSV log written by ``keras.callbacks.CSVLogger`` as ``{column: values}``.

    Missing values read as NaN; a column of nothing else (CSVLogger adds ``val_`` columns to
    a run without validation) is left out.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    columns = rows[0].keys() if rows else []
    log = {c: [float(r[c]) if r[c] not in ("", "NA", None) else float("nan") for r in rows] for c in columns}
    return {c: values for c, values in log.items() if any(v == v for v in values)}


def plot_learning_curves(log_path, out_path) -> pathlib.Path | None:
    """Draws every logged metric against epochs, training and validation side by side.

    Returns:
        The PNG path, or None when the log is empty.
    """
    log = read_log(log_path)
    if not log.get("epoch"):
        return None
    epochs = [e + 1 for e in log["epoch"]]
    metrics = [k for k in log if k not in ("epoch", "learning_rate") and not k.startswith("val_")]
    fig = Figure(figsize=(4.5 * len(metrics), 3.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(metrics), squeeze=False)
    for ax, name in zip(axes[0], metrics):
        ax.plot(epochs, log[name], marker=".", label="training")
        if f"val_{name}" in log:
            ax.plot(epochs, log[f"val_{name}"], marker=".", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return save_figure(fig, out_path)
