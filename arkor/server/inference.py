"""Chat inference for the server process, which never imports torch.

``InferenceWorker`` owns one long-lived ``arkor.server.worker chat`` subprocess
(the engine's ``ChatEngine``, with its model cache): started on the first
request, restarted when it has died, one request at a time. ``resolve_target``
turns a protocol §6 target (base model, final adapter, checkpoint) into what the
engine loads.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arkor.server.errors import ApiError, Conflict, NotFound
from arkor.server.records import Job
from arkor.server.settings import DataDir
from arkor.server.worker_process import WorkerProcess

_STEP_DIR = re.compile(r"^step-(\d+)$")


class InferenceFailed(ApiError):
    """The engine could not answer (bad model, load error): 400 with the engine's message."""

    status = 400


class InferenceUnavailable(ApiError):
    """The inference worker died while answering: 503, the next request restarts it."""

    status = 503


def checkpoint_steps(data: DataDir, job_id: str) -> list[int]:
    """The steps at which the job saved a checkpoint, ascending."""
    folder = data.job_dir(job_id) / "checkpoints"
    if not folder.is_dir():
        return []
    steps = [int(m.group(1)) for p in folder.iterdir() if (m := _STEP_DIR.match(p.name))]
    return sorted(steps)


def final_adapter_dir(data: DataDir, job: Job) -> Path:
    """The job's final adapter folder; :class:`Conflict` while it has none."""
    folder = data.job_dir(job.id) / "final"
    if (folder / "adapter_config.json").is_file():
        return folder
    if job.status in ("queued", "running"):
        raise Conflict(
            f"job {job.id} has no final adapter yet (it is {job.status}); "
            "chat with a checkpoint, or wait for training.completed"
        )
    raise Conflict(f"job {job.id} has no final adapter (it ended {job.status})")


def checkpoint_dir(data: DataDir, job: Job, step: int) -> Path:
    """The job's checkpoint folder at ``step``; :class:`NotFound` listing the steps there are."""
    folder = data.job_dir(job.id) / "checkpoints" / f"step-{step}"
    if (folder / "adapter_config.json").is_file():
        return folder
    steps = checkpoint_steps(data, job.id)
    available = ", ".join(map(str, steps)) if steps else "none yet"
    raise NotFound(f"job {job.id} has no checkpoint at step {step} (available steps: {available})")


@dataclass
class ChatCall:
    """One request in flight on the inference worker; holds the worker until closed.

    ``first`` is the answer's first message, already read (so a dead worker or a
    model that cannot load is known before anything is sent to the client).
    """

    worker: WorkerProcess
    release: threading.Lock
    first: dict[str, Any] | None = None
    finished: bool = False
    released: bool = False

    def next_message(self) -> dict[str, Any]:
        """The next ``{"delta"}``, ``{"done"}`` or ``{"error"}`` message (blocking)."""
        if self.first is not None:
            message, self.first = self.first, None
        elif self.finished:
            return {"done": True}
        else:
            message = self.worker.read_message()
        if message is None:
            self.finished = True
            self.worker.wait(timeout=5)
            reason = self.worker.exit_reason("inference worker")
            tail = self.worker.log_tail(lines=5)
            self.close()
            raise InferenceUnavailable(f"{reason}; try again" + (f"\n{tail}" if tail else ""))
        if "delta" not in message:
            self.finished = True
        return message

    def close(self) -> None:
        """Read the rest of the answer (if abandoned mid-way) and free the worker for others."""
        try:
            while not self.finished:
                message = self.worker.read_message()
                if message is None or "delta" not in message:
                    self.finished = True
        finally:
            if not self.released:
                self.released = True
                self.release.release()


class InferenceWorker:
    """The chat subprocess: started lazily, restarted after it died, one request at a time."""

    def __init__(self, data: DataDir) -> None:
        self._data = data
        self._lock = threading.Lock()
        self._worker: WorkerProcess | None = None
        self._closed = False

    def _spawn(self) -> WorkerProcess:
        return WorkerProcess(
            "chat", self._data.logs / "inference.log", ("--models-dir", str(self._data.models))
        )

    def _send(self, request: dict[str, Any]) -> WorkerProcess:
        if self._closed:
            raise InferenceUnavailable("the backend is shutting down")
        worker = self._worker
        if worker is None or not worker.send(request):
            if worker is not None:
                worker.retire()
            worker = self._worker = self._spawn()
            worker.send(request)
        return worker

    def open_chat(self, request: dict[str, Any]) -> ChatCall:
        """Send ``request`` once the worker is free and read the first message (blocking).

        A worker found dead (before it answered) is replaced and the request sent again once.
        """
        self._lock.acquire()
        try:
            worker = self._send(request)
            first = worker.read_message()
            if first is None:
                worker.retire()
                self._worker = None
                worker = self._send(request)
                first = worker.read_message()
        except BaseException:
            self._lock.release()
            raise
        return ChatCall(worker, self._lock, first)

    def close(self) -> None:
        """Stop the worker (at shutdown)."""
        self._closed = True
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill(grace=1.0)
