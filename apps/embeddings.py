"""Word embeddings: ``python apps/embeddings.py train|evaluate|neighbours|predict|export|run``.

The same as ``kerasdl embeddings ...``.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from kerasdl.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="apps/embeddings.py", app="embeddings"))
