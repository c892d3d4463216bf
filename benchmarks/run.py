"""``make bench``: every benchmark, each writing ``benchmarks/results/<name>.json``.

Benchmarks measure side by side in one run (model vs baseline, XLA on vs off, LiteRT vs
Keras) and use the public datasets in ``../shared/data`` (or ``$KERASDL_SHARED_DATA``).
"""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
BENCHMARKS = [
    "super_resolution.py",
    "classification.py",
    "denoising.py",
    "sentiment.py",
    "translation.py",
    "captioning.py",
    "generative.py",
    "rl.py",
    "style_transfer.py",
    "img2img.py",
    "segmentation.py",
    "detection.py",
    "embeddings.py",
    "textgen.py",
    "litert.py",  # last: it quantizes the models the benchmarks above trained
]


def main() -> int:
    failed = []
    for script in BENCHMARKS:
        print(f"=== {script}", flush=True)
        if subprocess.call([sys.executable, str(HERE / script), *sys.argv[1:]]) != 0:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
