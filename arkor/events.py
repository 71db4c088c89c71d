"""Turning a job's event stream into callbacks and a :class:`TrainingResult`.

Events are dispatched in order, one at a time, on the caller's thread. The
run ends at ``training.completed``, ``training.failed`` or ``training.cancelled``
(status, error and completion time taken from the event itself), or at an
``end`` with no terminal event (the job is then read once for its real
status). A callback's exception propagates at once: no reconnect, no
``on_failed``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arkor.callbacks import (
    CallbackRunner,
    Callbacks,
    CancelledContext,
    CheckpointContext,
    CompletedContext,
    FailedContext,
    LogContext,
    StartedContext,
    TrainingResult,
)
from arkor.stream import EventStream, ReconnectPolicy
from arkor.types import Artifact, TrainingJob

if TYPE_CHECKING:
    import requests

    from arkor.project import ArkorProject


def _artifacts(raw: Any) -> list[Artifact]:
    if not isinstance(raw, list):
        return []
    return [
        Artifact.model_validate(item)
        for item in raw
        if isinstance(item, dict) and "path" in item
    ]


_NUMERIC = frozenset({int, float})  # not bool: True is no metric


class JobWatcher:
    """Follows one job's events into callbacks; ``run()`` returns the outcome."""

    def __init__(
        self,
        project: ArkorProject,
        job: TrainingJob,
        callbacks: Callbacks,
        *,
        reconnect: ReconnectPolicy | None = None,
        abort: threading.Event | None = None,
        last_event_id: str | None = None,
    ) -> None:
        self.project = project
        self.job = job
        self.runner = CallbackRunner(callbacks)
        self.stream = EventStream(
            self._open, reconnect or ReconnectPolicy(), abort, last_event_id=last_event_id
        )
        self._handlers: dict[str, Callable[[dict[str, Any]], TrainingResult | None]] = {
            "training.started": self._started,
            "training.log": self._log,
            "checkpoint.saved": self._checkpoint,
            "training.completed": self._completed,
            "training.failed": self._failed,
            "training.cancelled": self._cancelled,
        }

    @property
    def last_event_id(self) -> str | None:
        """The id of the last frame seen (where a later watch resumes)."""
        return self.stream.last_event_id

    def _open(self, last_event_id: str | None, read_timeout: float | None) -> requests.Response:
        return self.project.client.open_event_stream(
            self.project.scope, self.job.id, last_event_id, read_timeout
        )

    def dispatch(self, event: dict[str, Any]) -> TrainingResult | None:
        """Run the callback for one event; the result when the event is terminal."""
        handler = self._handlers.get(event.get("type"))  # type: ignore[arg-type]
        if handler is None:
            return None  # unknown type: forward compatibility
        return handler(event)

    def replay(self, events: list[dict[str, Any]]) -> TrainingResult:
        """Dispatch already-recorded events (no stream); the job as it stands after them."""
        try:
            for event in events:
                result = self.dispatch(event)
                if result is not None:
                    return result
            return TrainingResult(job=self.job)
        finally:
            self.runner.close()

    def run(self) -> TrainingResult:
        """Dispatch events until the job ends; return how it ended."""
        try:
            for event in self.stream:
                result = self.dispatch(event)
                if result is not None:
                    return result
            # `end` without a terminal event: ask the backend what really happened.
            self.job = self.project.job(self.job.id)
            return TrainingResult(job=self.job)
        finally:
            self.runner.close()

    # --- one handler per event type --------------------------------------------------

    def _started(self, event: dict[str, Any]) -> None:
        self._transition("running", started_at=event.get("timestamp") or self.job.started_at)
        metadata = event.get("metadata")
        self.runner.call(
            "on_started", StartedContext(self.job, metadata if isinstance(metadata, dict) else {})
        )

    def _log(self, event: dict[str, Any]) -> None:
        # The hot path (one call per logged step): no helper calls, positional arguments.
        if not self.runner.has("on_log"):
            return
        get = event.get
        loss, eval_loss = get("loss"), get("evalLoss")
        rate, epoch, speed = get("learningRate"), get("epoch"), get("samplesPerSecond")
        self.runner.call(
            "on_log",
            LogContext(
                get("step", 0),
                loss if type(loss) in _NUMERIC else None,
                eval_loss if type(eval_loss) in _NUMERIC else None,
                rate if type(rate) in _NUMERIC else None,
                epoch if type(epoch) in _NUMERIC else None,
                speed if type(speed) in _NUMERIC else None,
                self.job,
            ),
        )

    def _checkpoint(self, event: dict[str, Any]) -> None:
        step = event.get("step", 0)
        job_id = self.job.id
        project = self.project

        def infer(messages: list[dict[str, Any]], **options: Any) -> Any:
            """Chat with this checkpoint (see ``ArkorProject.chat`` for options)."""
            return project.chat(messages, job_id=job_id, step=step, **options)

        self.runner.call(
            "on_checkpoint",
            CheckpointContext(
                step=step,
                adapter={"kind": "checkpoint", "jobId": job_id, "step": step},
                job=self.job,
                artifacts=_artifacts(event.get("artifacts")),
                infer=infer,
            ),
        )

    def _transition(self, status: str, **changes: Any) -> None:
        """A new job snapshot, so contexts handed out earlier keep the status they saw."""
        self.job = self.job.model_copy(update={"status": status, **changes})

    def _finish(self, status: str, event: dict[str, Any], **changes: Any) -> None:
        self._transition(
            status, completed_at=event.get("timestamp") or self.job.completed_at, **changes
        )

    def _completed(self, event: dict[str, Any]) -> TrainingResult:
        self._finish("completed", event)
        artifacts = _artifacts(event.get("artifacts"))
        metrics = event.get("metrics") if isinstance(event.get("metrics"), dict) else {}
        self.runner.call("on_completed", CompletedContext(self.job, artifacts, metrics))
        return TrainingResult(job=self.job, artifacts=artifacts, metrics=metrics)

    def _failed(self, event: dict[str, Any]) -> TrainingResult:
        error = str(event.get("error") or "training failed")
        self._finish("failed", event, error=error)
        self.runner.call("on_failed", FailedContext(self.job, error))
        return TrainingResult(job=self.job)

    def _cancelled(self, event: dict[str, Any]) -> TrainingResult:
        self._finish("cancelled", event)
        step = event.get("step")
        self.runner.call("on_cancelled", CancelledContext(self.job, step))
        return TrainingResult(job=self.job)
