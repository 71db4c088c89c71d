"""The embedded local backend: found, or started in the background, on demand.

When neither ``ARKOR_CLOUD_API_URL`` nor stored credentials name a backend,
the SDK talks to ``http://127.0.0.1:4100`` (port: ``ARKOR_LOCAL_PORT``). If
nothing answers there, :func:`ensure_local_backend` starts ``arkor server`` as
a detached process (log: ``<data dir>/server.log``, pid: ``<data dir>/server.pid``;
data dir: ``ARKOR_SERVER_DATA_DIR`` or ``~/.arkor/server``) and waits until it
is healthy.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from arkor.errors import ArkorError, BackendUnreachableError, ConfigError

DEFAULT_LOCAL_PORT = 4100
START_TIMEOUT_S = 90.0
LOCAL_EXTRA_MODULES = ("fastapi", "uvicorn", "torch", "transformers", "peft")


def local_backend_port() -> int:
    """The embedded backend's port (``ARKOR_LOCAL_PORT``, default 4100)."""
    raw = os.environ.get("ARKOR_LOCAL_PORT", "").strip()
    if not raw:
        return DEFAULT_LOCAL_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"ARKOR_LOCAL_PORT must be a TCP port number (got {raw!r})")
    return int(raw)


def local_backend_url() -> str:
    """The embedded backend's base URL."""
    return f"http://127.0.0.1:{local_backend_port()}"


def is_local_backend_url(url: str) -> bool:
    """Whether ``url`` is the embedded backend (which may be started on demand)."""
    url = url.rstrip("/").replace("//localhost:", "//127.0.0.1:")
    return url == local_backend_url()


def local_data_dir() -> Path:
    """Where the embedded backend keeps jobs, datasets and models."""
    from arkor.credentials import arkor_home

    raw = os.environ.get("ARKOR_SERVER_DATA_DIR", "").strip()
    return Path(raw).expanduser() if raw else arkor_home() / "server"


def backend_health(url: str, timeout: float = 1.0) -> dict[str, Any] | None:
    """The backend's health document, or None when nothing healthy answers."""
    from arkor.client import CloudClient
    from arkor.errors import CloudApiError

    try:
        health = CloudClient(url).health(timeout=timeout)
    except (BackendUnreachableError, CloudApiError):
        return None
    return health if isinstance(health, dict) and health.get("status") == "ok" else None


def missing_local_extra() -> list[str]:
    """Modules of the ``local`` extra that are not installed (checked without importing)."""
    return [name for name in LOCAL_EXTRA_MODULES if importlib.util.find_spec(name) is None]


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def ensure_local_backend(timeout: float = START_TIMEOUT_S) -> dict[str, Any]:
    """Return the embedded backend's health, starting the backend first if needed."""
    url = local_backend_url()
    health = backend_health(url)
    if health is not None:
        return health
    missing = missing_local_extra()
    if missing:
        raise ConfigError(
            f"No arkor backend answers at {url}, and the embedded one cannot start: the `local` "
            f"extra is not installed (missing: {', '.join(missing)}). Install it with "
            "`pip install torch && pip install 'arkor[local]'`, or point ARKOR_CLOUD_API_URL at a "
            "running backend."
        )
    data_dir = local_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "launch.lock").open("w") as lock:
        # Two SDK processes racing here must not both start a server.
        fcntl.flock(lock, fcntl.LOCK_EX)
        health = backend_health(url)
        if health is not None:
            return health
        return _start_and_wait(url, data_dir, timeout)


def _start_and_wait(url: str, data_dir: Path, timeout: float) -> dict[str, Any]:
    log_path = data_dir / "server.log"
    command = [
        sys.executable, "-m", "arkor", "server",
        "--host", "127.0.0.1", "--port", str(local_backend_port()), "--data-dir", str(data_dir),
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = backend_health(url, timeout=1.0)
        if health is not None:
            return health
        if process.poll() is not None:
            raise ArkorError(
                f"the embedded arkor backend exited with code {process.returncode} while starting "
                f"(log: {log_path}):\n{_log_tail(log_path)}"
            )
        time.sleep(0.2)
    process.terminate()
    raise ArkorError(
        f"the embedded arkor backend did not become healthy at {url} within {timeout:.0f} s "
        f"(log: {log_path}):\n{_log_tail(log_path)}"
    )


def local_backend_pid(data_dir: Path | None = None) -> int | None:
    """The pid in the backend's pid file when that process is alive."""
    pid_file = (data_dir or local_data_dir()) / "server.pid"
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def stop_local_backend(data_dir: Path | None = None, timeout: float = 20.0) -> int | None:
    """Stop the backend whose pid file is in ``data_dir``; returns its pid, None if none ran."""
    pid = local_backend_pid(data_dir)
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return pid
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return pid
