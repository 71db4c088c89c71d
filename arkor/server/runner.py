"""``JobRunner``: the job queue, one worker subprocess per running job, cancel and crash handling.

Each job trains in its own ``arkor.server.worker`` subprocess, so a crash or an
out-of-memory kill never takes the server down. The runner commits every event
the worker sends (the store adds ``type``/``jobId``/``timestamp`` and updates the
job's status), then wakes the job's stream subscribers. A worker that dies
without a terminal event becomes ``training.failed`` with the exit reason and
the end of its log. With ``prewarm`` one spare worker, its engine already
imported, waits for the next job whenever a slot is free.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from arkor.server.events import EventHub
from arkor.server.records import Job
from arkor.server.settings import DataDir
from arkor.server.store import Store
from arkor.server.worker_process import WorkerProcess

log = logging.getLogger("arkor.server")

RESTARTED = "backend restarted while the job was running"
SHUT_DOWN = "backend shut down while the job was running"
SEED = 42

CancelOutcome = Literal["cancelled", "stopping", "finished"]


def _is_job_event(event_type: object) -> bool:
    """Whether a worker may send this event type (``ping``/``end`` belong to the stream)."""
    return isinstance(event_type, str) and event_type.startswith(("training.", "checkpoint."))


@dataclass
class _RunningJob:
    job_id: str
    worker: WorkerProcess
    cancel_requested: bool = False
    training_started: bool = False  # the worker sent training.started
    abandoned: bool = False  # the runner already ended the job (shutdown); ignore the worker
    cancel_timer: threading.Timer | None = None
    thread: threading.Thread = field(init=False)


class JobRunner:
    """Runs queued jobs in worker subprocesses, at most ``max_concurrent_jobs`` at once."""

    def __init__(
        self,
        store: Store,
        hub: EventHub,
        data: DataDir,
        *,
        max_concurrent_jobs: int = 1,
        prewarm: bool = True,
        cancel_grace: float = 30.0,
    ) -> None:
        self._store = store
        self._hub = hub
        self._data = data
        self._max_concurrent = max_concurrent_jobs
        self._prewarm = prewarm
        self._cancel_grace = cancel_grace
        self._lock = threading.Lock()
        self._queue: deque[str] = deque()
        self._active: dict[str, _RunningJob] = {}
        self._spare: WorkerProcess | None = None
        self._stopping = False

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Recover from the previous run, then start the queued jobs (and a spare worker)."""
        for job in self._store.jobs_with_status("running"):
            self._commit(job.id, "training.failed", {"error": RESTARTED})
        with self._lock:
            self._queue.extend(job.id for job in self._store.jobs_with_status("queued"))
            self._schedule()

    def shutdown(self) -> None:
        """Stop every worker; running jobs become ``training.failed``, queued ones stay queued."""
        with self._lock:
            self._stopping = True
            self._queue.clear()
            running = list(self._active.values())
            spare, self._spare = self._spare, None
        for job in running:
            job.abandoned = True
            self._commit(job.job_id, "training.failed", {"error": SHUT_DOWN})
        stoppers = [threading.Thread(target=job.worker.kill) for job in running]
        if spare is not None:
            stoppers.append(threading.Thread(target=spare.retire))
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for job in running:
            job.thread.join(timeout=5)

    # --- requests from the routes ---------------------------------------------------------

    def submit(self, job_id: str) -> None:
        """Queue a newly created job."""
        with self._lock:
            self._queue.append(job_id)
            self._schedule()

    def cancel(self, job_id: str) -> CancelOutcome:
        """Cancel a job: at once when queued, within one step when running.

        Returns ``cancelled`` (done), ``stopping`` (the worker was asked to stop) or
        ``finished`` (the job had already ended).
        """
        job = self._store.job(job_id)
        if job is None or job.is_terminal:
            return "finished"
        with self._lock:
            running = self._active.get(job_id)
            if running is not None:
                self._request_stop(running)
                return "stopping"
            if job_id in self._queue:
                self._queue.remove(job_id)
        return "cancelled" if self._commit(job_id, "training.cancelled", {}) else "finished"

    # --- internals ------------------------------------------------------------------------

    def _commit(self, job_id: str, event_type: str, payload: dict[str, Any]) -> bool:
        event = self._store.append_event(job_id, event_type, payload)
        if event is not None:
            self._hub.notify(job_id)
        return event is not None

    def _request_stop(self, running: _RunningJob) -> None:
        if running.cancel_requested:
            return
        running.cancel_requested = True
        if not running.training_started:
            # Still importing or loading: nothing to keep, so stop it now instead of after
            # the load (the runner then records training.cancelled).
            threading.Thread(target=running.worker.kill, kwargs={"grace": 0.0}).start()
            return
        running.worker.send_signal(signal.SIGUSR1)
        # A worker stuck outside the step loop (saving, evaluating) is killed after the grace.
        running.cancel_timer = threading.Timer(self._cancel_grace, running.worker.kill)
        running.cancel_timer.daemon = True
        running.cancel_timer.start()

    def _schedule(self) -> None:
        """Start queued jobs while slots are free; keep a spare worker (caller holds the lock)."""
        if self._stopping:
            return
        while self._queue and len(self._active) < self._max_concurrent:
            self._dispatch(self._queue.popleft())
        if (
            self._prewarm
            and not self._queue
            and len(self._active) < self._max_concurrent
            and (self._spare is None or not self._spare.alive)
        ):
            self._spare = self._spawn()

    def _spawn(self) -> WorkerProcess:
        return WorkerProcess("train", self._data.logs / "workers.log")

    def _spec(self, job: Job) -> dict[str, Any]:
        source = job.config.get("datasetSource") or {}
        dataset_file = None
        if source.get("type") == "upload":
            dataset_file = str(self._data.dataset_file(source["id"]))
        return {
            "jobId": job.id,
            "config": job.config,
            "datasetFile": dataset_file,
            "jobDir": str(self._data.job_dir(job.id)),
            "modelsDir": str(self._data.models),
            "seed": SEED,
        }

    def _dispatch(self, job_id: str) -> None:
        job = self._store.job(job_id)
        if job is None or job.is_terminal:
            return
        spec = self._spec(job)
        job_dir = self._data.job_dir(job_id)
        job_dir.mkdir(parents=True, exist_ok=True)
        worker, self._spare = self._spare, None
        if worker is None or not worker.send(spec):
            if worker is not None:
                worker.retire()
            worker = self._spawn()
            if not worker.send(spec):
                self._commit(job_id, "training.failed", {"error": worker.exit_reason()})
                return
        worker.log_path = job_dir / "worker.log"
        (job_dir / "worker.pid").write_text(f"{worker.pid}\n")
        running = _RunningJob(job_id, worker)
        running.thread = threading.Thread(
            target=self._follow, args=(running,), name=f"job-{job_id}", daemon=True
        )
        self._active[job_id] = running
        running.thread.start()

    def _follow(self, running: _RunningJob) -> None:
        """Commit the worker's events until it exits, then settle the job (worker thread)."""
        job_id, worker = running.job_id, running.worker
        try:
            for message in worker.messages():
                event_type = message.get("type")
                payload = message.get("payload")
                if running.abandoned or not _is_job_event(event_type):
                    continue
                if event_type == "training.started":
                    with self._lock:
                        running.training_started = True
                self._commit(job_id, event_type, payload if isinstance(payload, dict) else {})
            worker.wait()
            worker.close()
            if not running.abandoned:
                self._settle(running)
        except Exception:
            log.exception("following the worker of job %s failed", job_id)
            self._commit(job_id, "training.failed", {"error": "internal error in the job runner"})
        finally:
            if running.cancel_timer is not None:
                running.cancel_timer.cancel()
            (self._data.job_dir(job_id) / "worker.pid").unlink(missing_ok=True)
            with self._lock:
                self._active.pop(job_id, None)
                self._schedule()

    def _settle(self, running: _RunningJob) -> None:
        """Give a job whose worker exited without a terminal event its terminal event."""
        job = self._store.job(running.job_id)
        if job is None or job.is_terminal:
            return
        if running.cancel_requested:
            self._commit(running.job_id, "training.cancelled", {})
            return
        error = running.worker.exit_reason()
        tail = running.worker.log_tail()
        if tail:
            error = f"{error}; last lines of worker.log:\n{tail}"
        self._commit(running.job_id, "training.failed", {"error": error})
