"""``arkor server``: run the backend in the foreground until SIGINT/SIGTERM.

On shutdown the backend stops first (running jobs fail with "backend shut down
while the job was running", open event streams end), then uvicorn closes the
connections, so an open SSE client never holds the process up.
"""

from __future__ import annotations

import copy
import socket
from typing import Any

import uvicorn
from starlette.concurrency import run_in_threadpool

from arkor.errors import ConfigError
from arkor.server.app import create_app
from arkor.server.backend import Backend
from arkor.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app", "serve"]

# Safety net: connections still open this many seconds into shutdown are cut.
GRACEFUL_SHUTDOWN_SECONDS = 5


class BackendServer(uvicorn.Server):
    """A uvicorn server that stops the backend before it waits for open connections."""

    def __init__(self, config: uvicorn.Config, backend: Backend) -> None:
        super().__init__(config)
        self.backend = backend

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await run_in_threadpool(self.backend.stop)
        await super().shutdown(sockets)


def _log_config() -> dict[str, Any]:
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["arkor"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; :class:`ConfigError` when that is not possible."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} "
            "(is another server using this port? pick another with --port)"
        ) from None
    return sock


def serve(settings: ServerSettings) -> None:
    """Run the backend with ``settings`` until SIGINT/SIGTERM (blocking)."""
    settings.check()
    # Bind first: a busy port must fail before the backend touches its data dir.
    sock = listen(settings.host, settings.port)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=_log_config(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # Starting the backend runs no request, so a failed start must not go unnoticed.
        lifespan="on",
    )
    BackendServer(config, app.state.backend).run(sockets=[sock])
