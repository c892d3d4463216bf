"""Errors that the command line reports as one line with exit code 2."""


class UserInputError(Exception):
    """Bad input from the user: a missing or corrupt file, a wrong shape, a bad flag.

    The CLI prints ``error: <message>`` on one line and exits with code 2, without a
    traceback. Library callers get an ordinary exception they can catch.
    """


class ExportParityError(RuntimeError):
    """An exported artifact does not reproduce the Keras model's outputs."""


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it has none (for one-line errors)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
