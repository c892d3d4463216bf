"""The ``kerasdl`` command: ``kerasdl <app> train|evaluate|predict|export|run`` and ``kerasdl models list``.

Every app's commands are generated from its task class (:mod:`kerasdl.apps.cli`). The parser
is built and the flags are checked before TensorFlow loads, so ``--help`` and flag errors
answer at once.
"""

from __future__ import annotations

import argparse
import sys

from kerasdl.errors import UserInputError
from kerasdl.quiet import native_stderr_held, native_stderr_silenced


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``error: ...`` and exit code 2, no usage dump."""

    def error(self, message):
        sys.stderr.write(f"error: {message} (see: {self.prog} --help)\n")
        raise SystemExit(2)


def _models_list(args) -> int:
    from kerasdl.registry import format_model_table

    print(format_model_table(args["pattern"], parameters=args["parameters"]))
    return 0


def _add_app(subparsers, entry) -> None:
    from kerasdl.apps.cli import add_verb_parsers

    verbs = subparsers.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    add_verb_parsers(verbs, entry.cli)


def build_parser(prog: str = "kerasdl", app: str | None = None) -> argparse.ArgumentParser:
    """The full command-line parser; with ``app``, only that app's commands (for ``apps/<app>.py``)."""
    from kerasdl.registry import app_entry, list_apps

    parser = _Parser(prog=prog, description="Classic deep-learning applications with Keras 3.")
    if app is not None:
        _add_app(parser, app_entry(app))
        parser.set_defaults(app=app_entry(app).name)
        return parser
    apps = parser.add_subparsers(dest="app", required=True, metavar="APP", parser_class=_Parser)
    models = apps.add_parser("models", help="the model registry")
    models_sub = models.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    lister = models_sub.add_parser("list", help="name, family and description of every registered builder")
    lister.add_argument("pattern", nargs="?", default="*", help="glob on names, e.g. 'edsr*'")
    lister.add_argument("--parameters", action="store_true", help="also count parameters (builds every model: slow)")
    for name in list_apps():
        entry = app_entry(name)
        _add_app(
            apps.add_parser(name, aliases=list(entry.aliases), help=entry.summary, description=entry.summary), entry
        )
    return parser


def _load_tensorflow():
    import kerasdl  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL)

    with native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")
    tf.get_logger().setLevel("WARNING")  # no INFO lines such as "Assets written to ..."


def _join_cluster() -> None:
    """Joins the cluster ``TF_CONFIG`` describes, if any, before anything else uses TensorFlow.

    Multi-worker training needs its strategy created at start-up
    (:func:`kerasdl.training.start_workers`); without ``TF_CONFIG`` this does nothing.
    """
    from kerasdl.training.distributed import start_workers

    start_workers()


def main(argv=None, *, prog: str = "kerasdl", app: str | None = None) -> int:
    """Runs the command line; bad input ends with one line on stderr and exit code 2."""
    from kerasdl.registry import app_entry

    argv = sys.argv[1:] if argv is None else list(argv)
    args = vars(build_parser(prog, app).parse_args(argv))  # flag errors exit here, before TensorFlow loads
    try:
        if args["app"] == "models":
            return _models_list(args)
        _load_tensorflow()
        if args.get("command") in ("train", "run") and app_entry(args["app"]).cli.task.multi_worker:
            _join_cluster()
        from kerasdl.apps.cli import dispatch

        # Native libraries (SentencePiece, libjpeg) print straight to stderr: a bad input would
        # show their lines before its own; the error line says it all.
        with native_stderr_held() as native:
            try:
                return dispatch(app_entry(args["app"]).cli, args, " ".join([prog, *argv]))
            except UserInputError:
                native.discard()
                raise
    except UserInputError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    except RuntimeError as err:
        from kerasdl.training.distributed import WorkerLostError

        if not isinstance(err, WorkerLostError):
            raise
        sys.stderr.write(f"error: {err}\n")  # a worker of a multi-worker run was lost
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; run the same command again to resume training where it stopped\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
