"""The ``kerasdl`` command: ``kerasdl <app> train|evaluate|predict|export|run`` and ``kerasdl models list``."""

from __future__ import annotations

import argparse
import sys

from kerasdl.errors import UserInputError
from kerasdl.quiet import native_stderr_silenced


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``error: ...`` and exit code 2, no usage dump."""

    def error(self, message):
        sys.stderr.write(f"error: {message} (see: {self.prog} --help)\n")
        raise SystemExit(2)


def _models_list(args) -> int:
    from kerasdl.registry import list_models, model_entry

    rows = []
    for name in list_models(args.pattern):
        entry = model_entry(name)
        rows.append((name, entry.family, f"{entry.builder().count_params():,}", entry.summary))
    widths = [max(len(r[i]) for r in rows + [("name", "family", "parameters", "")]) for i in range(3)]
    print(f"{'name':<{widths[0]}}  {'family':<{widths[1]}}  {'parameters':>{widths[2]}}  description")
    for name, family, params, summary in rows:
        print(f"{name:<{widths[0]}}  {family:<{widths[1]}}  {params:>{widths[2]}}  {summary}")
    return 0


def build_parser(prog: str = "kerasdl", app: str | None = None) -> argparse.ArgumentParser:
    """The full command-line parser; with ``app``, only that app's commands (for ``apps/<app>.py``)."""
    from kerasdl.registry import get_app, list_apps

    parser = _Parser(prog=prog, description="Classic deep-learning applications with Keras 3.")
    if app is not None:
        sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
        get_app(app).add_commands(sub)
        return parser
    apps = parser.add_subparsers(dest="app", required=True, metavar="APP", parser_class=_Parser)
    models = apps.add_parser("models", help="the model registry")
    models_sub = models.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    lister = models_sub.add_parser("list", help="name, family and parameters of every registered builder")
    lister.add_argument("pattern", nargs="?", default="*", help="glob on names, e.g. 'edsr*'")
    lister.set_defaults(func=_models_list)
    for name in list_apps():
        entry = get_app(name)
        p = apps.add_parser(
            name, aliases=list(getattr(entry, "aliases", ())), help=(entry.__doc__ or "").splitlines()[0]
        )
        sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
        entry.add_commands(sub)
    return parser


def _load_tensorflow():
    import kerasdl  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL)

    with native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")
    tf.get_logger().setLevel("WARNING")  # no INFO lines such as "Assets written to ..."


def main(argv=None, *, prog: str = "kerasdl", app: str | None = None) -> int:
    """Runs the command line; bad input ends with one line on stderr and exit code 2."""
    _load_tensorflow()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(prog, app).parse_args(argv)
    args.command_line = " ".join([prog, *argv])  # recorded in exported metadata
    try:
        result = args.func(args)
    except UserInputError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; run the same command again to resume training where it stopped\n")
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
