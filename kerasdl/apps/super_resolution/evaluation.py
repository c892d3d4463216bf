"""Benchmark-style evaluation: Y-channel PSNR/SSIM of the model and of bicubic, per image, and NIQE where it fits."""

from __future__ import annotations

import dataclasses

import numpy as np

from kerasdl.apps.super_resolution.upscale import model_scale, upscale_image
from kerasdl.data.images import find_images, load_image
from kerasdl.data.sr_patches import bicubic_upscale, downscale, modcrop
from kerasdl.errors import UserInputError
from kerasdl.metrics.image_quality import SSIM_WINDOW, luma_psnr_ssim
from kerasdl.metrics.perceptual import BLOCK_SIZE, niqe

METHODS = ("bicubic", "model")


def _niqe_fits(image, border) -> bool:
    """Whether NIQE's two 96x96 blocks fit in ``image`` after cutting ``border`` pixels from each edge."""
    h, w = (side - 2 * border for side in image.shape[:2])
    return h >= BLOCK_SIZE and w >= BLOCK_SIZE and (h // BLOCK_SIZE) * (w // BLOCK_SIZE) >= 2


@dataclasses.dataclass
class ImageResult:
    """One test image: its inputs, outputs and scores (images kept for figures)."""

    name: str
    hr: np.ndarray
    lr: np.ndarray
    bicubic: np.ndarray
    output: np.ndarray
    scores: dict


def evaluate_folder(model, folder, *, tile=128):
    """Scores ``model`` against bicubic on every HR image in ``folder`` (see :func:`evaluate_files`)."""
    return evaluate_files(model, find_images(folder), dataset=str(folder), tile=tile)


def evaluate_files(model, files, *, dataset, tile=128):
    """Scores ``model`` against bicubic on HR image ``files``.

    Each HR image is cropped to a multiple of the scale, downscaled with antialiased
    bicubic (8-bit), upscaled by both methods, and scored on Y with a border of ``scale``:
    PSNR and SSIM against the HR image, and, where two 96x96 blocks fit, the no-reference
    NIQE (lower is more natural; the HR image's own is given as ``ground_truth``), which
    shows what PSNR misses in an adversarially trained model's textures.

    Args:
        model: the SR model.
        files: HR image paths.
        dataset: how the report names the set.
        tile: tile side for inference, in LR pixels.

    Returns:
        ``(report, results)``: the JSON-ready report (per image and mean) and the
        :class:`ImageResult` list.
    """
    scale = model_scale(model)
    smallest = SSIM_WINDOW + 2 * scale  # SSIM's window must fit after the border crop
    results = []
    for path in files:
        hr = modcrop(load_image(path), scale)
        if min(hr.shape[:2]) < smallest:
            raise UserInputError(
                f"test image {path} is too small for x{scale} evaluation: {hr.shape[1]}x{hr.shape[0]}"
                f" (needs at least {smallest}x{smallest})"
            )
        lr = downscale(hr, scale).numpy()
        bicubic = bicubic_upscale(lr, scale).numpy()
        output = upscale_image(model, lr, tile=tile)
        scores = {}
        for method, image in zip(METHODS, (bicubic, output)):
            psnr, ssim = luma_psnr_ssim(image, hr, border=scale)
            scores[method] = {"psnr": round(psnr, 4), "ssim": round(ssim, 5)}
        if _niqe_fits(hr, scale):
            for method, image in (*zip(METHODS, (bicubic, output)), ("ground_truth", hr)):
                scores.setdefault(method, {})["niqe"] = round(niqe(image, crop_border=scale), 4)
        results.append(ImageResult(path.stem, hr, lr, bicubic, output, scores))
    mean = {
        method: {
            metric: round(float(np.mean([r.scores[method][metric] for r in results])), 4) for metric in ("psnr", "ssim")
        }
        for method in METHODS
    }
    with_niqe = [r for r in results if "ground_truth" in r.scores]
    for method in (*METHODS, "ground_truth") if with_niqe else ():
        values = [r.scores[method]["niqe"] for r in with_niqe if r.scores[method]["niqe"] == r.scores[method]["niqe"]]
        mean.setdefault(method, {})["niqe"] = round(float(np.mean(values)), 4) if values else None
    report = {
        "dataset": dataset,
        "scale": scale,
        "protocol": f"Y channel (BT.601), border {scale} px, bicubic antialiased downscaling, 8-bit",
        "images": {r.name: r.scores for r in results},
        "mean": mean,
        "psnr_gain_db": round(mean["model"]["psnr"] - mean["bicubic"]["psnr"], 4),
        "niqe_protocol": f"NIQE (Mittal et al. 2013, the LIVE release's pristine model) on 8-bit Y, border {scale} px; "
        f"{len(with_niqe)} of {len(results)} images large enough (two 96x96 blocks)",
    }
    return report, results


def format_table(report) -> str:
    """The per-image and mean scores as a fixed-width table."""
    lines = [f"{'image':<16} {'bicubic PSNR/SSIM':>20} {'model PSNR/SSIM':>20}"]

    def row(name, s):
        b, m = s["bicubic"], s["model"]
        return f"{name:<16} {b['psnr']:>11.2f} / {b['ssim']:.4f} {m['psnr']:>11.2f} / {m['ssim']:.4f}"

    lines += [row(name, s) for name, s in report["images"].items()]
    lines.append(row("mean", report["mean"]))
    lines.append(f"gain over bicubic: {report['psnr_gain_db']:+.2f} dB (x{report['scale']}, {report['protocol']})")
    mean = report["mean"]
    if "ground_truth" in mean:
        shown = {m: mean[m]["niqe"] for m in (*METHODS, "ground_truth")}
        lines.append(
            "NIQE, lower is more natural: "
            + ", ".join(f"{m.replace('_', ' ')} {'n/a' if v is None else f'{v:.2f}'}" for m, v in shown.items())
        )
    return "\n".join(lines)
