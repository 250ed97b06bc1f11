"""The ``xlfuncs`` command.

Sub-commands live with their feature: this module defines ``rules``, ``excel-vba`` and
``lite``; :mod:`xlfuncs.templates.cli` adds ``template`` and ``fill``;
:mod:`xlfuncs.recalc.cli` adds ``recalc``, ``check`` and ``results``. Each feature module
exposes ``register(subparsers)``, which adds its parsers with ``set_defaults(handler=fn)``
where ``fn(args) -> int`` is the exit code. Registration imports nothing heavy.

Exit codes: 0 success, 1 some file or check failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from xlfuncs._version import __version__

__all__ = ["main"]

_FEATURES = (
    "xlfuncs.codegen", "xlfuncs.templates.cli", "xlfuncs.recalc.cli", "xlfuncs.libreoffice",
    "xlfuncs.report",
)
#: the feature module behind each sub-command ("" for the core's own; a test checks it
#: against what the modules register): a command line that names one builds only the
#: parsers of its module, the start-up of ``xlfuncs recalc FILE`` is what a small file costs
_COMMANDS = {
    "rules": "",
    "excel-vba": "xlfuncs.codegen",
    "lite": "xlfuncs.codegen",
    "template": "xlfuncs.templates.cli",
    "fill": "xlfuncs.templates.cli",
    "recalc": "xlfuncs.recalc.cli",
    "check": "xlfuncs.recalc.cli",
    "results": "xlfuncs.recalc.cli",
    "libreoffice": "xlfuncs.libreoffice",
    "report": "xlfuncs.report",
}


def _build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or (``only``, a module of :data:`_FEATURES` or
    ``""``) of the core's and that module's."""
    parser = argparse.ArgumentParser(
        prog="xlfuncs",
        description="Localization points (Resolution 719): rules, Excel functions, templates, batch recalculation.",
    )
    parser.add_argument("--version", action="version", version=f"xlfuncs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from xlfuncs import _cli_core

    _cli_core.register(sub)
    for module_name in _FEATURES:
        if only is not None and module_name != only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def _safe_console() -> None:
    """Print characters the console encoding lacks (Cyrillic on cp1252, ...) as ``?``.

    A narrow code page (a redirected Windows console, ``PYTHONIOENCODING=cp1252``) must not
    turn a command's output into a ``UnicodeEncodeError``; commands whose output is data
    (``results``) also warn and point at ``-o``.
    """
    stream = sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    reconfigure = getattr(stream, "reconfigure", None)
    if encoding.startswith("utf") or reconfigure is None or getattr(stream, "errors", "") != "strict":
        return
    try:
        reconfigure(errors="replace")
    except (ValueError, OSError):  # pragma: no cover - a stream that cannot be reconfigured
        pass


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM while a command runs (exit code 143)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Ctrl-C (SIGINT) ends a command with exit code 130 and SIGTERM with 143, at any moment,
    without a traceback: files being written are left as they were (every write is atomic)
    and no worker goes on writing.
    """
    import signal

    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):  # not the main thread: no handler
        previous = None
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _quiet_print("interrupted")
        return 130
    except Terminated:
        _quiet_print("terminated")
        return 143
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            try:
                signal.signal(signal.SIGTERM, previous)
            except (ValueError, OSError):  # pragma: no cover
                pass


def _quiet_print(text: str) -> None:
    try:
        print(text, file=sys.stderr)
    except (OSError, ValueError):  # stderr closed with the terminal
        pass


def _main(argv: Sequence[str] | None) -> int:
    _safe_console()
    words = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(_COMMANDS.get(words[0]) if words else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return int(handler(args))
