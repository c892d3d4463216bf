"""Scoring a translator beside classical baselines: PSNR/SSIM against the true targets, or no-reference numbers.

Every output (the model's and the baselines') is clipped and rounded to 8 bits, then scored
against the 8-bit target on the 0-255 scale over all channels, without a border crop:
``tf.image.psnr`` and ``tf.image.ssim`` (Gaussian 11x11 window, sigma 1.5). The baselines run
on the same inputs in the same run: ``identity`` (the input copied: how far apart the domains
are) and ``histogram`` (scikit-image's ``match_histograms`` of the input to the pooled pixels
of domain B: a global tone mapping, the classical way to move an image towards another
domain). Without true targets (unpaired test data) each method is scored by the distance of
its pixel intensities to the test images of domain B (Wasserstein-1 on [0, 1], per channel,
averaged), and a CycleGAN by how well it restores its input after the round trip A -> B -> A.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from kerasdl.apps.img2img.translate import translate_image
from kerasdl.data.images import to_uint8
from kerasdl.errors import UserInputError
from kerasdl.metrics.image_quality import SSIM_WINDOW, quantize

MODEL = "model"
IDENTITY = "identity"
HISTOGRAM = "histogram"
METHODS = (IDENTITY, HISTOGRAM, MODEL)
PROTOCOL = (
    "outputs clipped and rounded to 8 bits; PSNR and SSIM (tf.image, Gaussian 11x11, sigma 1.5) on 0-255 "
    "over all channels against the 8-bit target, no border crop"
)
NO_REFERENCE_PROTOCOL = (
    "no true targets: Wasserstein-1 distance of each method's pooled pixel intensities to the test images "
    "of domain B (on [0, 1], per channel, averaged; lower is closer)"
)
REFERENCE_PIXELS = 1_000_000  # domain B's pooled pixels for histogram matching, subsampled (seeded) beyond this


@dataclasses.dataclass
class ImageResult:
    """One test image: input, every method's output, the target (when known), the cycle, and scores."""

    name: str
    source: np.ndarray
    outputs: dict
    target: np.ndarray | None
    cycle: np.ndarray | None
    scores: dict


@tf.function(reduce_retracing=True)
def _psnr_ssim(output, reference):
    out, ref = quantize(output) * 255.0, quantize(reference) * 255.0
    return tf.image.psnr(out, ref, max_val=255.0), tf.image.ssim(out, ref, max_val=255.0)


def psnr_ssim(output, reference) -> tuple[float, float]:
    """PSNR (dB) and SSIM of ``output`` against ``reference``, both rounded to 8 bits, on 0-255 over all channels."""
    psnr, ssim = _psnr_ssim(tf.constant(output, tf.float32), tf.constant(reference, tf.float32))
    return float(psnr), float(ssim)


class HistogramMatcher:
    """Matches an image's histogram to the pooled pixels of a domain (``skimage.exposure.match_histograms``).

    Args:
        images: the domain's images, float32 ``(h, w, c)`` in [0, 1].
        max_pixels: pixels pooled at most (a seeded subsample beyond).
    """

    def __init__(self, images, *, max_pixels: int = REFERENCE_PIXELS):
        channels = images[0].shape[-1]
        pooled = np.concatenate([to_uint8(x).reshape(-1, channels) for x in images])
        if len(pooled) > max_pixels:
            pooled = pooled[np.random.default_rng(0).choice(len(pooled), max_pixels, replace=False)]
        self.reference = pooled[None]  # one row of pixels: an "image" match_histograms takes

    def __call__(self, image) -> np.ndarray:
        from skimage.exposure import match_histograms

        matched = match_histograms(to_uint8(image), self.reference, channel_axis=-1)
        return np.asarray(matched, np.float32) / 255.0


def intensity_distance(images, reference_images) -> float:
    """Wasserstein-1 distance between the pooled pixel intensities of two image sets, per channel, averaged."""
    from scipy.stats import wasserstein_distance

    channels = images[0].shape[-1]
    ours = np.concatenate([np.asarray(quantize(x)).reshape(-1, channels) for x in images])
    theirs = np.concatenate([np.asarray(quantize(x)).reshape(-1, channels) for x in reference_images])
    return float(np.mean([wasserstein_distance(ours[:, c], theirs[:, c]) for c in range(channels)]))


def _mean(results, method, metrics):
    return {m: round(float(np.mean([r.scores[method][m] for r in results])), 4) for m in metrics}


def evaluate_pairs(
    generator,
    pairs,
    *,
    matcher: HistogramMatcher,
    dataset: str,
    direction: str,
    back=None,
    tile: int = 256,
):
    """Scores ``generator`` and the baselines on test ``pairs`` (input domain first).

    Args:
        generator: the generator translating inputs to the target domain.
        pairs: an :class:`~kerasdl.data.paired_images.ImagePairs`, oriented (inputs in ``a``);
            paired: scored against the targets; unpaired: no-reference distances to ``b``.
        matcher: histogram matching to the target domain.
        dataset: how the report names the test data.
        direction: ``AtoB`` or ``BtoA``, for the report.
        back: CycleGAN's other generator (target -> input domain): adds the cycle PSNR, how
            well ``back(generator(x))`` restores ``x``.
        tile: tile side for large images.

    Returns:
        ``(report, results)``: the JSON-ready report and the :class:`ImageResult` list.

    Raises:
        UserInputError: a test image smaller than SSIM's 11x11 window.
    """
    for name, image in zip(pairs.names_a, pairs.a):
        if min(image.shape[:2]) < SSIM_WINDOW:
            raise UserInputError(
                f"test image {name} is too small: {image.shape[1]}x{image.shape[0]} "
                f"(needs at least {SSIM_WINDOW}x{SSIM_WINDOW})"
            )
    results = []
    for i, (name, source) in enumerate(zip(pairs.names_a, pairs.a)):
        source = np.asarray(quantize(source))  # 8-bit, as a file would hold it
        outputs = {IDENTITY: source, HISTOGRAM: matcher(source), MODEL: translate_image(generator, source, tile=tile)}
        target = np.asarray(quantize(pairs.b[i])) if pairs.paired else None
        scores = {}
        if target is not None:
            for method, image in outputs.items():
                psnr, ssim = psnr_ssim(image, target)
                scores[method] = {"psnr": round(psnr, 4), "ssim": round(ssim, 5)}
        cycle = None
        if back is not None:
            cycle = translate_image(back, np.asarray(quantize(outputs[MODEL])), tile=tile)
            psnr, ssim = psnr_ssim(cycle, source)
            scores["cycle"] = {"psnr": round(psnr, 4), "ssim": round(ssim, 5)}
        results.append(ImageResult(name, source, outputs, target, cycle, scores))
    report = {
        "dataset": dataset,
        "direction": direction,
        "paired": pairs.paired,
        "images_scored": len(results),
        "methods": list(METHODS),
        "protocol": PROTOCOL if pairs.paired else NO_REFERENCE_PROTOCOL,
    }
    if pairs.paired:
        report["images"] = {r.name: {m: r.scores[m] for m in METHODS} for r in results}
        report["mean"] = {m: _mean(results, m, ("psnr", "ssim")) for m in METHODS}
        mean = report["mean"]
        report["psnr_gain_db_over_identity"] = round(mean[MODEL]["psnr"] - mean[IDENTITY]["psnr"], 4)
        report["psnr_gain_db_over_histogram"] = round(mean[MODEL]["psnr"] - mean[HISTOGRAM]["psnr"], 4)
    report["intensity_distance_to_b"] = {
        m: round(intensity_distance([r.outputs[m] for r in results], pairs.b), 5) for m in METHODS
    }
    if back is not None:
        report["cycle"] = _mean(results, "cycle", ("psnr", "ssim"))
    return report, results


def headline(report) -> str:
    """One line: the model's main score beside the baselines'."""
    direction = report["direction"]
    if report["paired"]:
        mean = report["mean"]
        line = (
            f"{direction}: model {mean[MODEL]['psnr']:.2f} dB / SSIM {mean[MODEL]['ssim']:.3f}, "
            f"identity {mean[IDENTITY]['psnr']:.2f} dB, histogram matching {mean[HISTOGRAM]['psnr']:.2f} dB"
        )
    else:
        distance = report["intensity_distance_to_b"]
        line = (
            f"{direction} (no true targets): intensity distance to B: model {distance[MODEL]:.4f}, "
            f"identity {distance[IDENTITY]:.4f}, histogram matching {distance[HISTOGRAM]:.4f}"
        )
    if "cycle" in report:
        line += f"; cycle {report['cycle']['psnr']:.2f} dB"
    return line


def format_table(report) -> str:
    """Per-image and mean PSNR/SSIM of every method (or the no-reference distances) as a fixed-width table."""
    lines = [f"{report['direction']} on {report['dataset']} ({report['images_scored']} images)"]
    if report["paired"]:
        head = f"{'image':<16}" + "".join(f"{m + ' PSNR/SSIM':>24}" for m in METHODS)
        lines.append(head)

        def row(name, scores):
            return f"{name:<16}" + "".join(f"{scores[m]['psnr']:>15.2f} / {scores[m]['ssim']:.4f}" for m in METHODS)

        images = list(report["images"].items())
        lines += [row(name, s) for name, s in images[:20]]
        if len(images) > 20:
            lines.append(f"... {len(images) - 20} more images")
        lines.append(row("mean", report["mean"]))
        lines.append(
            f"model vs identity: {report['psnr_gain_db_over_identity']:+.2f} dB; "
            f"vs histogram matching: {report['psnr_gain_db_over_histogram']:+.2f} dB"
        )
    distance = report["intensity_distance_to_b"]
    lines.append("intensity distance to B (lower is closer): " + ", ".join(f"{m} {distance[m]:.4f}" for m in METHODS))
    if "cycle" in report:
        lines.append(
            f"cycle (input -> output -> input): {report['cycle']['psnr']:.2f} dB / SSIM {report['cycle']['ssim']:.4f}"
        )
    return "\n".join(lines)
