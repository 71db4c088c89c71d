"""``Backend``: the parts of one running backend (store, event hub, job runner, inference),
started and stopped together."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from arkor.errors import ConfigError
from arkor.server.events import EventHub
from arkor.server.inference import InferenceWorker
from arkor.server.runner import JobRunner
from arkor.server.settings import DataDir, ServerSettings
from arkor.server.store import Store

log = logging.getLogger("arkor.server")


@dataclass
class Backend:
    """Everything a route may call; built from :class:`ServerSettings`."""

    settings: ServerSettings
    data: DataDir = field(init=False)
    store: Store = field(init=False)
    hub: EventHub = field(init=False)
    runner: JobRunner = field(init=False)
    inference: InferenceWorker = field(init=False)
    stopped: bool = field(init=False, default=False)
    _lock_file: IO[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.data = self.settings.data
        self.data.create()
        self._lock_file = _lock_data_dir(self.data.lock_file, self.data.pid_file)
        for partial in self.data.datasets.glob(".*.partial"):  # uploads cut short by a crash
            partial.unlink(missing_ok=True)
        self.store = Store(self.data.database)
        self.hub = EventHub()
        self.runner = JobRunner(
            self.store,
            self.hub,
            self.data,
            max_concurrent_jobs=self.settings.max_concurrent_jobs,
            prewarm=self.settings.prewarm,
            cancel_grace=self.settings.cancel_grace,
        )
        self.inference = InferenceWorker(self.data)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Write the pid file, recover jobs from the last run and start the queue."""
        self.data.pid_file.write_text(f"{os.getpid()}\n")
        self.hub.bind(loop)
        self.runner.start()
        log.info(
            "arkor backend ready on http://%s:%s (data dir %s)",
            self.settings.host, self.settings.port, self.data.root,
        )

    def stop(self) -> None:
        """Stop workers (running jobs fail with a clear reason), end streams, remove the pid file.

        Idempotent: called when shutdown begins (so streams end before the server waits
        for connections) and again from the lifespan.
        """
        if self.stopped:
            return
        self.stopped = True
        self.runner.shutdown()
        self.inference.close()
        self.hub.close()
        self.data.pid_file.unlink(missing_ok=True)


def _lock_data_dir(lock_path: Path, pid_path: Path) -> IO[str]:
    """Hold an exclusive lock on the data dir for this process's life: two servers on one data
    dir would each take the other's running jobs for leftovers of a crash."""
    lock_file = open(lock_path, "a+")  # stays open: the lock lives as long as the file
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        try:
            owner = f" (pid {int(pid_path.read_text().strip())})"
        except (OSError, ValueError):
            owner = ""
        raise ConfigError(
            f"another arkor server{owner} is already using the data dir {lock_path.parent}; "
            "stop it or pass a different --data-dir"
        ) from None
    return lock_file
