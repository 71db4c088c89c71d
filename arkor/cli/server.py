"""``arkor server``: run the self-hosted backend, check it, stop it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from arkor.cli.output import EXIT_FAILED, console

server_app = typer.Typer(help="Run or inspect the self-hosted training backend.")


@server_app.callback(invoke_without_command=True)
def server(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 4100,
    data_dir: Annotated[
        Optional[Path], typer.Option(help="Where jobs, datasets and models live.")
    ] = None,
    max_concurrent_jobs: Annotated[int, typer.Option(help="Jobs trained at once.")] = 1,
    ping_interval: Annotated[
        float, typer.Option(help="Seconds between SSE keepalive pings.")
    ] = 15.0,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a non-loopback --host (put TLS in front of it).")
    ] = False,
    prewarm: Annotated[
        bool, typer.Option(help="Keep one training worker imported and ready.")
    ] = True,
    max_upload_bytes: Annotated[
        int, typer.Option(help="Largest dataset upload accepted, in bytes.")
    ] = 512 * 1024 * 1024,
) -> None:
    """Run the backend in the foreground until Ctrl-C / SIGTERM."""
    if ctx.invoked_subcommand is not None:
        return
    from arkor.local import missing_local_extra

    missing = missing_local_extra()
    if missing:
        from arkor.errors import ConfigError

        raise ConfigError(
            f"`arkor server` needs the `local` extra (missing: {', '.join(missing)}): "
            "pip install torch && pip install 'arkor[local]'"
        )
    from arkor.server.serve import ServerSettings, serve

    settings = ServerSettings(
        host=host,
        port=port,
        data_dir=data_dir,
        max_concurrent_jobs=max_concurrent_jobs,
        ping_interval=ping_interval,
        allow_remote=allow_remote,
        prewarm=prewarm,
        max_upload_bytes=max_upload_bytes,
    )
    serve(settings)


def _data_dir(data_dir: Optional[Path]) -> Path:
    from arkor.local import local_data_dir

    return (data_dir or local_data_dir()).expanduser().resolve()


@server_app.command("status")
def status(
    port: Annotated[Optional[int], typer.Option(help="Port to check (default 4100).")] = None,
    data_dir: Annotated[Optional[Path], typer.Option(help="The backend's data dir.")] = None,
) -> None:
    """Whether the local backend is up, and what it offers (exit 1 when down)."""
    from arkor.local import backend_health, local_backend_pid, local_backend_url

    url = f"http://127.0.0.1:{port}" if port else local_backend_url()
    health = backend_health(url)
    folder = _data_dir(data_dir)
    pid = local_backend_pid(folder)
    out = console()
    if health is None:
        out.print(f"no backend answers at {url}" + (f" (pid {pid} is alive)" if pid else ""))
        raise typer.Exit(EXIT_FAILED)
    out.print(f"backend up at {url} (version {health.get('version', '?')})", highlight=False)
    out.print(f"  models        {', '.join(health.get('models') or []) or '-'}", highlight=False)
    out.print(f"  capabilities  {', '.join(health.get('capabilities') or []) or '-'}",
              highlight=False)
    out.print(f"  data dir      {folder}" + (f" (pid {pid})" if pid else ""), highlight=False)


@server_app.command("stop")
def stop(
    data_dir: Annotated[Optional[Path], typer.Option(help="The backend's data dir.")] = None,
) -> None:
    """Stop the backend whose pid file is in the data dir."""
    from arkor.local import stop_local_backend

    pid = stop_local_backend(_data_dir(data_dir))
    if pid is None:
        console().print("no backend is running from that data dir")
        return
    console().print(f"stopped the backend (pid {pid})")
