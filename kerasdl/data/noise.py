"""Noise models for denoising: additive Gaussian (fixed or blind range), Poisson, salt-and-pepper.

A :class:`NoiseModel` is parsed from a short spec, the same on the command line, in
``train_summary.json`` and in exported metadata::

    gaussian:25        additive white Gaussian noise, sigma 25 on the 0-255 scale
    gaussian:0-55      blind: each image (or training patch) draws sigma uniformly in [0, 55]
    poisson:30         shot noise: photon counts with a peak of 30 at white, divided back
    salt_pepper:0.1    10% of the values set to 0 or 1 (half each)

Images are float arrays in [0, 1]. Following the denoising papers (DnCNN, FFDNet), noisy
Gaussian images are ``clean + sigma/255 * N(0, 1)`` in floating point, neither clipped nor
quantised. Noise is drawn with NumPy generators, so a seed gives the same noise on every
machine.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from kerasdl.errors import UserInputError

KINDS = ("gaussian", "poisson", "salt_pepper")
# Allowed levels per kind: (lowest, highest, what the level is).
LIMITS = {
    "gaussian": (0.0, 255.0, "Gaussian noise sigma (0-255 scale)"),
    "poisson": (0.01, 1e6, "Poisson noise peak (photon count at white)"),
    "salt_pepper": (0.0, 1.0, "salt-and-pepper amount (fraction of values replaced)"),
}
DEFAULT_LEVEL = {"gaussian": "25", "poisson": "30", "salt_pepper": "0.1"}
_NUMBER = r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"


@dataclasses.dataclass(frozen=True)
class NoiseModel:
    """A noise process with a fixed level or a range of levels to draw from.

    Attributes:
        kind: ``"gaussian"``, ``"poisson"`` or ``"salt_pepper"``.
        low: the level, or the lowest level of a blind range.
        high: equal to ``low`` for a fixed level.
    """

    kind: str
    low: float
    high: float

    def __post_init__(self):
        if self.kind not in KINDS:
            raise UserInputError(f"unknown noise {self.kind!r}; choose one of {', '.join(KINDS)}")
        lo, hi, what = LIMITS[self.kind]
        for value in (self.low, self.high):
            if not lo <= value <= hi:
                raise UserInputError(f"{what} must be in [{lo:g}, {hi:g}]; got {value:g}")
        if self.low > self.high:
            raise UserInputError(f"noise range {self.low:g}-{self.high:g} is reversed; write it low-high")
        if self.high == 0:
            raise UserInputError(f"{what} must be above 0 (there is no noise to remove)")

    @classmethod
    def parse(cls, spec: str) -> NoiseModel:
        """``"gaussian:25"``, ``"gaussian:0-55"``, ``"poisson:30"``, ``"salt_pepper:0.1"``; the kind alone takes its default level.

        Raises:
            UserInputError: unknown kind, malformed level, or a level out of range.
        """
        kind, _, level = str(spec).strip().lower().partition(":")
        kind = kind.strip().replace("-", "_")
        if kind not in KINDS:
            raise UserInputError(
                f"unknown noise {kind!r} in {spec!r}; choose one of {', '.join(KINDS)} (e.g. gaussian:25)"
            )
        level = level or DEFAULT_LEVEL[kind]
        match = re.fullmatch(rf"({_NUMBER})(?:\s*-\s*({_NUMBER}))?", level.strip())
        if not match:
            raise UserInputError(
                f"cannot read the noise level {level!r} in {spec!r}: write a number or a range low-high"
            )
        low = float(match.group(1))
        high = float(match.group(2)) if match.group(2) else low
        return cls(kind, low, high)

    @classmethod
    def gaussian(cls, sigma) -> NoiseModel:
        """Gaussian noise with ``sigma`` on the 0-255 scale: a number, or ``(low, high)`` for blind."""
        low, high = (sigma, sigma) if np.isscalar(sigma) else sigma
        return cls("gaussian", float(low), float(high))

    @property
    def blind(self) -> bool:
        """Whether the level is drawn from a range."""
        return self.low != self.high

    @property
    def spec(self) -> str:
        """The spec this model parses from, e.g. ``"gaussian:25"``."""
        level = f"{self.low:g}" if not self.blind else f"{self.low:g}-{self.high:g}"
        return f"{self.kind}:{level}"

    def describe(self) -> str:
        """A readable description, e.g. ``"Gaussian, sigma 25"``."""
        level = f"{self.low:g}" if not self.blind else f"{self.low:g} to {self.high:g} (blind)"
        return {
            "gaussian": f"Gaussian, sigma {level}",
            "poisson": f"Poisson, peak {level}",
            "salt_pepper": f"salt-and-pepper, amount {level}",
        }[self.kind]

    def draw_level(self, rng: np.random.Generator) -> float:
        """The level for one image: fixed, or uniform in the range."""
        return self.low if not self.blind else float(rng.uniform(self.low, self.high))

    def add(self, clean, rng: np.random.Generator, level: float | None = None) -> np.ndarray:
        """Returns a noisy float32 copy of ``clean`` (any shape, values in [0, 1]).

        Args:
            clean: the clean image(s).
            rng: the NumPy generator that draws the noise.
            level: the noise level; by default drawn with :meth:`draw_level`.
        """
        clean = np.asarray(clean, np.float32)
        level = self.draw_level(rng) if level is None else level
        if self.kind == "gaussian":
            return clean + np.float32(level / 255.0) * rng.standard_normal(clean.shape, dtype=np.float32)
        if self.kind == "poisson":
            return (rng.poisson(np.clip(clean, 0.0, 1.0) * level) / level).astype(np.float32)
        noisy = clean.copy()
        hit = rng.random(clean.shape) < level
        noisy[hit] = (rng.random(int(hit.sum())) < 0.5).astype(np.float32)
        return noisy

    def add_batch(self, clean, rng: np.random.Generator) -> np.ndarray:
        """Noise for a batch ``(n, h, w, c)``: each image gets its own level when blind."""
        clean = np.asarray(clean, np.float32)
        if not self.blind:
            return self.add(clean, rng)
        return np.stack([self.add(image, rng) for image in clean])

    def sigma(self, level: float | None = None) -> float | None:
        """The Gaussian sigma on the 0-255 scale (``level`` or the fixed level); None for other kinds."""
        if self.kind != "gaussian":
            return None
        return float(self.low if level is None else level)


def seeded_noisy(clean, noise: NoiseModel, *, seed: int, index: int) -> tuple[np.ndarray, float]:
    """The noisy version of test image number ``index``: the same for the same seed, everywhere.

    Each image has its own generator, seeded by ``(seed, index)``, so adding or removing
    an image does not change the noise of the others.

    Returns:
        ``(noisy, level)``: the float32 noisy image and the level used.
    """
    rng = np.random.default_rng([int(seed), int(index)])
    level = noise.draw_level(rng)
    return noise.add(clean, rng, level), level
