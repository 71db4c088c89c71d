"""The ``arkor`` Typer application and its entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from arkor._version import __version__

app = typer.Typer(
    name="arkor",
    help="Fine-tune open-weight LLMs from code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
server_app = typer.Typer(help="Run or inspect the self-hosted training backend.")
app.add_typer(server_app, name="server")


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
) -> None:
    """Fine-tune open-weight LLMs from code."""


@server_app.callback(invoke_without_command=True)
def server(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 4100,
    data_dir: Annotated[
        Optional[Path], typer.Option(help="Where jobs, datasets and models live.")
    ] = None,
    max_concurrent_jobs: Annotated[int, typer.Option(help="Jobs trained at once.")] = 1,
    ping_interval: Annotated[float, typer.Option(help="Seconds between SSE keepalive pings.")] = 15.0,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a non-loopback --host (put TLS in front of it).")
    ] = False,
    prewarm: Annotated[
        bool, typer.Option(help="Keep one training worker imported and ready.")
    ] = True,
) -> None:
    """Run the backend in the foreground until Ctrl-C / SIGTERM."""
    if ctx.invoked_subcommand is not None:
        return
    from arkor.server.serve import ServerSettings, serve

    settings = ServerSettings(
        host=host,
        port=port,
        data_dir=data_dir,
        max_concurrent_jobs=max_concurrent_jobs,
        ping_interval=ping_interval,
        allow_remote=allow_remote,
        prewarm=prewarm,
    )
    serve(settings)


def run() -> None:
    """Console-script entry point."""
    app()
