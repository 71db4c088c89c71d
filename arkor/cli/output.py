"""The CLI's consoles, exit codes and error reporting.

All output goes through :func:`console` (stdout) and :func:`err_console`
(stderr). Errors are one clear line on stderr; the traceback only with
``--debug`` or ``ARKOR_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback
from functools import cache
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK = 0
EXIT_FAILED = 1  # a run that failed, or an error
EXIT_USAGE = 2  # bad arguments, bad configuration, bad trainer.py
EXIT_CONFLICT = 3  # e.g. cancelling a job that already finished
EXIT_NOT_FOUND = 4  # e.g. an unknown job id
EXIT_UNREACHABLE = 5  # no backend answers
EXIT_INTERRUPTED = 130  # Ctrl-C

_debug = os.environ.get("ARKOR_DEBUG", "").strip().lower() in ("1", "true", "yes")


def set_debug(value: bool) -> None:
    """Show tracebacks for errors (``--debug``)."""
    global _debug
    _debug = _debug or value


def debug_enabled() -> bool:
    """Whether tracebacks are shown."""
    return _debug


@cache
def console() -> Console:
    """The stdout console."""
    from rich.console import Console

    # Piped output has no width to fit: don't wrap tables and ids at rich's default of 80.
    wide = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200
    return Console(highlight=False, width=wide)


@cache
def err_console() -> Console:
    """The stderr console."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def is_interactive() -> bool:
    """Whether stdout is a terminal (animations and prompts allowed)."""
    return sys.stdout.isatty() and sys.stdin.isatty()


class CliExit(Exception):
    """Stop the command with ``message`` on stderr and exit ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop the command with one error line and exit ``code``."""
    raise CliExit(message, code)


def exit_code_for(error: BaseException) -> int:
    """The exit code an SDK error maps to."""
    from arkor.errors import BackendUnreachableError, CloudApiError, ConfigError

    if isinstance(error, CliExit):
        return error.code
    if isinstance(error, ConfigError):
        return EXIT_USAGE
    if isinstance(error, BackendUnreachableError):
        return EXIT_UNREACHABLE
    if isinstance(error, CloudApiError):
        if error.status == 404:
            return EXIT_NOT_FOUND
        if error.status == 409:
            return EXIT_CONFLICT
    return EXIT_FAILED


def report_error(error: BaseException) -> int:
    """Print ``error`` as one line on stderr (plus traceback in debug); return the exit code."""
    if _debug:
        traceback.print_exception(error, file=sys.stderr)
    from rich.text import Text

    message = str(error) or type(error).__name__
    err_console().print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    return exit_code_for(error)


def print_deprecations() -> None:
    """Print each backend deprecation notice once, at the end of the command."""
    client = sys.modules.get("arkor.client")
    if client is None:
        return
    for notice in client.deprecation_notices:  # type: ignore[attr-defined]
        from rich.text import Text

        err_console().print(Text.assemble(("deprecation: ", "yellow"), notice), soft_wrap=True)
