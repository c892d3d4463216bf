"""Episodes as animations: the environment's own frames written as an animated GIF or an MP4."""

from __future__ import annotations

import pathlib

import numpy as np

from kerasdl.errors import UserInputError
from kerasdl.files import atomic_path

SUFFIXES = (".gif", ".mp4")


def check_animation_path(path) -> pathlib.Path:
    """Raises ``UserInputError`` unless ``path`` ends in ``.gif`` or ``.mp4``."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UserInputError(f"--output must end in .gif or .mp4; got {path}")
    if path.suffix.lower() == ".mp4":
        try:
            import cv2  # noqa: F401
        except ImportError:
            raise UserInputError('writing .mp4 needs OpenCV: pip install "kerasdl[rl]", or write a .gif') from None
    return path


def write_animation(frames: list[np.ndarray], path, *, fps: int = 30) -> pathlib.Path:
    """Writes RGB uint8 frames ``[h, w, 3]`` as an animated GIF (Pillow) or an MP4 (OpenCV), atomically."""
    path = check_animation_path(path)
    with atomic_path(path, suffix=path.suffix) as temporary:
        if path.suffix.lower() == ".gif":
            from PIL import Image

            images = [Image.fromarray(np.asarray(f, np.uint8)) for f in frames]
            images[0].save(
                temporary, format="GIF", save_all=True, append_images=images[1:], duration=1000 / fps, loop=0
            )
        else:
            import cv2

            height, width = frames[0].shape[:2]
            writer = cv2.VideoWriter(str(temporary), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
            for frame in frames:
                writer.write(cv2.cvtColor(np.asarray(frame, np.uint8), cv2.COLOR_RGB2BGR))
            writer.release()
    return path
