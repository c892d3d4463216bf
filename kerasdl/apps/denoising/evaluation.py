"""Benchmark-style evaluation: PSNR/SSIM of the network and the classical denoisers, per image.

The protocol of DnCNN's and FFDNet's test code: the clean image is 8-bit; the noisy one
is drawn once per image with a seeded generator (Gaussian: ``clean + sigma/255 * N(0, 1)``
in floating point, not clipped) and given as is to every method; every output is clipped
and rounded to 8 bits, and PSNR and SSIM (Gaussian 11x11 window, sigma 1.5, as MATLAB's
``ssim``) are computed on the 0-255 scale against the clean image, over all channels and
without a border crop.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time

import numpy as np
import tensorflow as tf

from kerasdl.apps.denoising import baselines
from kerasdl.apps.denoising.denoise import TILE, denoise_image, level_scale
from kerasdl.apps.image_to_image import model_channels
from kerasdl.data.images import load_image
from kerasdl.data.noise import NoiseModel, seeded_noisy
from kerasdl.errors import UserInputError
from kerasdl.metrics.image_quality import SSIM_WINDOW, quantize
from kerasdl.quiet import native_stderr_silenced

MODEL = "model"
NOISY = "noisy"
PROTOCOL = (
    "clean image 8-bit; noisy = clean + sigma/255 * N(0, 1) in float32, not clipped, seeded per image "
    "(numpy default_rng([seed, index])); outputs clipped and rounded to 8 bits; PSNR and SSIM (tf.image, "
    "Gaussian 11x11, sigma 1.5) on 0-255 over all channels, no border crop"
)


@dataclasses.dataclass
class ImageResult:
    """One test image: clean, noisy, every method's output and scores (images kept for figures)."""

    name: str
    clean: np.ndarray
    noisy: np.ndarray
    level: float
    outputs: dict
    scores: dict


def psnr_ssim(output, reference) -> tuple[float, float]:
    """PSNR (dB) and SSIM of ``output`` against ``reference``, both quantised to 8 bits, on 0-255.

    Args:
        output: float image ``(h, w, c)``; clipped to [0, 1] and rounded to 8 bits first.
        reference: the clean image, same shape.

    Returns:
        ``(psnr, ssim)`` as Python floats; SSIM is the mean over channels.
    """
    if tuple(np.shape(output)) != tuple(np.shape(reference)):
        raise ValueError(f"shapes differ: output {np.shape(output)} vs reference {np.shape(reference)}")
    if min(np.shape(output)[:2]) < SSIM_WINDOW:
        raise ValueError(f"images must be at least {SSIM_WINDOW}x{SSIM_WINDOW}; Received: shape {np.shape(output)}")
    out, ref = quantize(output) * 255.0, quantize(reference) * 255.0
    return float(tf.image.psnr(out, ref, max_val=255.0)), float(tf.image.ssim(out, ref, max_val=255.0))


def _mean(results, method):
    return {
        metric: round(float(np.mean([r.scores[method][metric] for r in results])), 4) for metric in ("psnr", "ssim")
    }


def evaluate_files(
    model,
    files,
    *,
    noise: NoiseModel,
    dataset,
    seed=0,
    methods=baselines.METHODS,
    channels=None,
    tile=TILE,
    names=None,
    workers=1,
    trained_noise: NoiseModel | None = None,
):
    """Scores ``model`` and the classical ``methods`` on clean image ``files`` with seeded noise.

    Args:
        model: the denoising model, or None to score only the classical methods.
        files: clean image paths.
        noise: the noise added to every image (a blind range draws a seeded level per image).
        dataset: how the report names the set.
        seed: the noise seed; the same seed gives the same noisy images and scores.
        methods: classical methods from :data:`kerasdl.apps.denoising.baselines.METHODS`.
        channels: 1 or 3; images are converted to it (default: the model's channels).
        tile: tile side for the network.
        names: per-file names in the report (default: the file stems, made unique).
        workers: processes for the classical methods (single-threaded, BM3D takes seconds
            per image); they run while the network denoises. The scores do not depend on it.
        trained_noise: the noise the model was trained with. A model trained on one Gaussian
            level is applied with :func:`~kerasdl.apps.denoising.denoise.level_scale` to other
            levels, told each image's sigma as BM3D is.

    Returns:
        ``(report, results)``: the JSON-ready report and the :class:`ImageResult` list.

    Raises:
        UserInputError: an unreadable image, or one smaller than SSIM's 11x11 window.
    """
    channels = channels or (model_channels(model) if model is not None else 1)
    names = list(names) if names is not None else _unique_stems(files)
    columns = [NOISY, *methods] + ([MODEL] if model is not None else [])
    cleans, noisies, levels = [], [], []
    for index, path in enumerate(files):  # every image is checked before the long work starts
        clean = load_image(path, channels=channels)
        if min(clean.shape[:2]) < SSIM_WINDOW:
            raise UserInputError(
                f"test image {path} is too small: {clean.shape[1]}x{clean.shape[0]} (needs at least {SSIM_WINDOW}x{SSIM_WINDOW})"
            )
        clean = quantize(clean).numpy()  # the 8-bit clean image of the papers
        noisy, level = seeded_noisy(clean, noise, seed=seed, index=index)
        cleans.append(clean)
        noisies.append(noisy)
        levels.append(level)
    jobs = [(m, noisy, noise.sigma(level)) for noisy, level in zip(noisies, levels) for m in methods]
    workers = workers if len(jobs) > 1 else 1
    with _executor(workers) as pool:
        # Worker processes start on the first submits and keep the stderr they start with:
        # silenced, TensorFlow's start-up chatter in each stays out of the user's terminal.
        with native_stderr_silenced() if workers > 1 else contextlib.nullcontext():
            pending = [pool.submit(baselines.timed_denoise, *job) for job in jobs]
        network = []
        for noisy, level in zip(noisies, levels) if model is not None else ():
            start = time.perf_counter()
            scale = level_scale(trained_noise, noise.sigma(level))
            network.append((denoise_image(model, noisy, tile=tile, scale=scale), time.perf_counter() - start))
        classical = iter([f.result() for f in pending])
    seconds = {m: 0.0 for m in columns if m != NOISY}
    results = []
    for i, (name, clean, noisy, level) in enumerate(zip(names, cleans, noisies, levels)):
        outputs = {NOISY: np.clip(noisy, 0.0, 1.0)}
        for method in methods:
            outputs[method], spent = next(classical)
            seconds[method] += spent
        if model is not None:
            outputs[MODEL], spent = network[i]
            seconds[MODEL] += spent
        scores = {}
        for method, image in outputs.items():
            p, s = psnr_ssim(image, clean)
            scores[method] = {"psnr": round(p, 4), "ssim": round(s, 5)}
        results.append(ImageResult(name, clean, noisy, level, outputs, scores))
    report = {
        "dataset": dataset,
        "noise": noise.spec,
        "noise_description": noise.describe(),
        "seed": seed,
        "channels": channels,
        "protocol": PROTOCOL,
        "model_trained_noise": trained_noise.spec if trained_noise is not None else None,
        "model_level_scaling": model is not None
        and any(level_scale(trained_noise, noise.sigma(level)) != 1.0 for level in levels),
        "methods": columns,
        "images": {r.name: {"level": round(r.level, 4), **r.scores} for r in results},
        "mean": {m: _mean(results, m) for m in columns},
        "seconds_per_image": {m: round(s / max(len(results), 1), 3) for m, s in seconds.items()},
    }
    report.update(comparison(report))
    return report, results


class _InProcess:
    """The ``submit``/``result`` interface of an executor, running each call at once."""

    class _Done:
        def __init__(self, value):
            self.value = value

        def result(self):
            return self.value

    def submit(self, fn, *args):
        return self._Done(fn(*args))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _executor(workers):
    if workers <= 1:
        return _InProcess()
    import concurrent.futures
    import multiprocessing

    # Fresh processes: forking one that runs TensorFlow's thread pools is not safe.
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def comparison(report) -> dict:
    """The best classical method and the network's PSNR gain over it (and over BM3D)."""
    mean = report["mean"]
    classical = [m for m in report["methods"] if m in baselines.METHODS]
    scikit = [m for m in classical if m in baselines.SCIKIT_IMAGE]
    out = {}
    if classical:
        out["best_classical"] = max(classical, key=lambda m: mean[m]["psnr"])
    if scikit:
        out["best_scikit_image"] = max(scikit, key=lambda m: mean[m]["psnr"])
    if MODEL in mean:
        for key, method in (
            ("gain_db_over_best_scikit_image", out.get("best_scikit_image")),
            ("gain_db_over_bm3d", "bm3d"),
        ):
            if method in mean:
                out[key] = round(mean[MODEL]["psnr"] - mean[method]["psnr"], 4)
    return out


def _unique_stems(files):
    seen, names = {}, []
    for f in files:
        stem = f.stem
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}_{seen[stem]}")
    return names


def format_table(report) -> str:
    """The per-image and mean PSNR of every method as a fixed-width table, then the mean SSIM."""
    methods = report["methods"]
    width = max(8, *(len(m) for m in methods))
    head = f"{'image':<16}" + "".join(f"{m:>{width + 2}}" for m in methods)
    lines = [f"PSNR (dB), {report['noise_description']}, {report['dataset']}", head]

    def row(name, scores, metric, fmt):
        return f"{name:<16}" + "".join(f"{scores[m][metric]:>{width + 2}{fmt}}" for m in methods)

    lines += [row(name, s, "psnr", ".2f") for name, s in report["images"].items()]
    lines.append(row("mean PSNR", report["mean"], "psnr", ".2f"))
    lines.append(row("mean SSIM", report["mean"], "ssim", ".4f"))
    for key, label in (("gain_db_over_best_scikit_image", "best scikit-image method"), ("gain_db_over_bm3d", "BM3D")):
        if key in report:
            best = f" ({report['best_scikit_image']})" if key.endswith("scikit_image") else ""
            lines.append(f"model vs {label}{best}: {report[key]:+.2f} dB")
    return "\n".join(lines)
