"""How the backend is configured (``ServerSettings``) and where it keeps its files (``DataDir``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from arkor.errors import ConfigError

DEFAULT_DATA_DIR = Path("~/.arkor/server")
DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024


@dataclass
class ServerSettings:
    """Everything ``arkor server`` can be told; the defaults suit a laptop."""

    host: str = "127.0.0.1"
    port: int = 4100
    data_dir: Path | None = None
    max_concurrent_jobs: int = 1
    ping_interval: float = 15.0
    allow_remote: bool = False
    prewarm: bool = True
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    # Seconds a cancelled worker gets to stop by itself before it is killed.
    cancel_grace: float = 30.0

    def check(self) -> None:
        """Raise :class:`ConfigError` when a setting is unusable."""
        if not is_loopback(self.host) and not self.allow_remote:
            raise ConfigError(
                f"--host {self.host} is not a loopback address: the backend has no TLS and "
                "anonymous tokens travel in clear text. Put a TLS-terminating proxy in front "
                "of it and pass --allow-remote to bind it anyway."
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"--port must be between 1 and 65535 (got {self.port})")
        if self.max_concurrent_jobs < 1:
            raise ConfigError(
                f"--max-concurrent-jobs must be a positive integer (got {self.max_concurrent_jobs})"
            )
        if not self.ping_interval > 0:
            raise ConfigError(
                f"--ping-interval must be a positive number (got {self.ping_interval})"
            )
        if self.max_upload_bytes < 1:
            raise ConfigError(
                f"--max-upload-bytes must be a positive integer (got {self.max_upload_bytes})"
            )

    @property
    def data(self) -> DataDir:
        """The data directory layout these settings point at."""
        return DataDir(Path(self.data_dir or DEFAULT_DATA_DIR).expanduser().resolve())


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class DataDir:
    """The files of one backend::

        <root>/arkor.db              SQLite (WAL): identities, orgs, projects, jobs, events,
                                     datasets
        <root>/server.pid            pid of the running server (removed on exit)
        <root>/backend.lock          held (flock) by the server using this data dir
        <root>/datasets/<id>.jsonl   uploaded datasets
        <root>/jobs/<id>/            a job's artifacts, worker.log and worker.pid
        <root>/models/               the engine's model cache (arkor/tiny build, downloads)
        <root>/logs/                 workers.log (idle workers), inference.log
    """

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "arkor.db"

    @property
    def pid_file(self) -> Path:
        return self.root / "server.pid"

    @property
    def lock_file(self) -> Path:
        return self.root / "backend.lock"

    @property
    def datasets(self) -> Path:
        return self.root / "datasets"

    @property
    def jobs(self) -> Path:
        return self.root / "jobs"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def dataset_file(self, dataset_id: str) -> Path:
        """Where an uploaded dataset's JSONL lives."""
        return self.datasets / f"{dataset_id}.jsonl"

    def job_dir(self, job_id: str) -> Path:
        """The folder holding a job's artifacts and logs."""
        return self.jobs / job_id

    def create(self) -> None:
        """Create the directory tree (idempotent)."""
        for folder in (self.root, self.datasets, self.jobs, self.models, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
