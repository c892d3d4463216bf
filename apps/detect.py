"""Object detection: ``python apps/detect.py train|evaluate|predict|export|run``.

The same as ``kerasdl detect ...``.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from kerasdl.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="apps/detect.py", app="detect"))
