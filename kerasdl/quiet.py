"""Hiding what TensorFlow's and LiteRT's C++ code prints straight to the process's stderr."""

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Sends file descriptor 2 to /dev/null for the duration of the block.

    For C++ start-up and loader chatter that no logging setting reaches (CUDA probing,
    oneDNN notes, "NodeDef mentions attribute ...", the XNNPACK delegate line). Python
    exceptions raised inside still reach the caller with their messages.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
