"""Text generation: ``python apps/textgen.py train|evaluate|generate|predict|export|run``.

The same as ``kerasdl textgen ...``.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from kerasdl.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="apps/textgen.py", app="textgen"))
