"""Hiding what TensorFlow's and LiteRT's C++ code prints straight to the process's stderr."""

import contextlib
import os
import shutil
import sys
import tempfile


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


class _Held:
    """What :func:`native_stderr_held` yields: ``discard()`` drops the held output."""

    def __init__(self):
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True


@contextlib.contextmanager
def native_stderr_held():
    """Holds back what native code writes to file descriptor 2 until the block ends; Python's stderr stays live.

    SentencePiece's ``LOG(INFO)`` lines and libjpeg's or TensorFlow's complaints about a
    damaged input go straight to the process's stderr, ahead of the one-line error that
    the input causes. Inside the block they go to a temporary file and Python's
    ``sys.stderr`` keeps writing to the real stderr. At the end the held output is written
    out, unless the yielded object's ``discard()`` was called (the command ended with a
    user error, which says all there is to say). A crash still shows them.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    held = tempfile.TemporaryFile()
    python_stderr, live = sys.stderr, None
    try:
        if python_stderr.fileno() == 2:  # the real stderr, not a test's capture: keep it writing to the terminal
            live = open(os.dup(saved), "w", encoding=python_stderr.encoding, errors=python_stderr.errors, buffering=1)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both an OSError and a ValueError
        pass
    os.dup2(held.fileno(), 2)
    if live is not None:
        sys.stderr = live
    state = _Held()
    try:
        yield state
    finally:
        if live is not None:
            live.flush()
            sys.stderr = python_stderr
            live.close()
        os.dup2(saved, 2)
        os.close(saved)
        if not state.discarded:
            held.seek(0)
            with os.fdopen(os.dup(2), "wb") as out:
                shutil.copyfileobj(held, out)
        held.close()
