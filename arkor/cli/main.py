"""The ``arkor`` Typer application and its entry point.

Commands are thin: they parse arguments, call the SDK and render. Modules
here import only typer at load time, so ``arkor --help`` starts fast.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Optional

import typer

from arkor._version import __version__
from arkor.cli import account, jobs, project, server, training
from arkor.cli.output import (
    EXIT_INTERRUPTED,
    CliExit,
    print_deprecations,
    report_error,
    set_debug,
)

app = typer.Typer(
    name="arkor",
    help="Fine-tune open-weight LLMs from code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"arkor {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also ARKOR_DEBUG=1).")
    ] = False,
) -> None:
    """Fine-tune open-weight LLMs from code."""
    set_debug(debug)


app.command()(project.init)
app.command()(training.start)
app.command()(jobs.cancel)
app.add_typer(jobs.jobs_app, name="jobs")
app.command()(training.logs)
app.command()(jobs.chat)
app.command()(jobs.download)
app.add_typer(server.server_app, name="server")
app.command()(account.login)
app.command()(account.logout)
app.command()(account.whoami)
app.command()(project.dev)


def run() -> None:
    """Console-script entry point: errors become one line on stderr and an exit code."""
    code = 0
    try:
        # Without standalone mode click returns an Exit's code instead of exiting.
        returned = app(standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except typer.Exit as exc:
        code = exc.exit_code
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except (CliExit, Exception) as exc:
        import click

        if isinstance(exc, click.exceptions.Abort):
            code = EXIT_INTERRUPTED
        elif isinstance(exc, click.ClickException):
            exc.show()
            code = exc.exit_code
        else:
            code = report_error(exc)
    print_deprecations()
    # A Ctrl-C landing while the interpreter shuts down must not turn the exit code into -2.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
