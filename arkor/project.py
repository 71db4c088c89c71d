"""A project on a backend: the connection, the project scope and every job operation.

:func:`open_project` resolves the backend, the credentials and
``.arkor/state.json`` for a directory; the returned :class:`ArkorProject` lists,
inspects, cancels, watches, chats with and downloads jobs. The trainer and the
CLI both work through it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arkor.client import CloudClient, Scope
from arkor.credentials import Connection, ProjectState, connect
from arkor.errors import CloudApiError
from arkor.inference import ChatCompletion, chat_request, send_chat
from arkor.types import Artifact, TrainingJob, UploadedDataset

_CHECKPOINT = re.compile(r"checkpoints/step-(\d+)/")

if TYPE_CHECKING:
    from arkor.callbacks import Callbacks, TrainingResult
    from arkor.stream import ReconnectPolicy


@dataclass
class ArkorProject:
    """A project directory bound to its backend scope."""

    directory: Path
    connection: Connection
    state: ProjectState

    @property
    def client(self) -> CloudClient:
        """The HTTP client for this backend."""
        return self.connection.client

    @property
    def scope(self) -> Scope:
        """The org/project scope of every request."""
        return self.state.scope

    @property
    def base_url(self) -> str:
        """The backend's URL."""
        return self.connection.base_url

    # --- jobs ------------------------------------------------------------------

    def create_job(self, name: str, config: dict[str, Any]) -> TrainingJob:
        """Submit a job with a wire ``JobConfig``."""
        return self.client.create_job(self.scope, name, config)

    def upload_dataset(self, path: Path) -> UploadedDataset:
        """Upload a JSONL dataset file."""
        return self.client.upload_dataset(self.scope, path)

    def jobs(self) -> list[TrainingJob]:
        """The project's jobs, newest first."""
        return self.client.list_jobs(self.scope)

    def job(self, job_id: str) -> TrainingJob:
        """One job."""
        return self.client.get_job(self.scope, job_id)[0]

    def job_events(self, job_id: str) -> tuple[TrainingJob, list[dict[str, Any]]]:
        """One job and its recorded events."""
        return self.client.get_job(self.scope, job_id)

    def cancel(self, job_id: str) -> None:
        """Cancel a job (:class:`CloudApiError` 409 when it already finished)."""
        self.client.cancel_job(self.scope, job_id)

    def watch(
        self,
        job: TrainingJob | str,
        callbacks: Callbacks | dict[str, Any] | None = None,
        *,
        reconnect: ReconnectPolicy | None = None,
        abort_signal: threading.Event | None = None,
    ) -> TrainingResult:
        """Replay and follow a job's events into ``callbacks`` until it ends."""
        from arkor.callbacks import Callbacks as CallbackSet
        from arkor.events import JobWatcher

        if isinstance(job, str):
            job = self.job(job)
        watcher = JobWatcher(
            self, job, CallbackSet.coerce(callbacks), reconnect=reconnect, abort=abort_signal
        )
        return watcher.run()

    # --- inference and artifacts -----------------------------------------------

    def chat(
        self,
        messages: list[dict[str, Any]],
        *,
        job_id: str | None = None,
        step: int | None = None,
        base_model: str | None = None,
        stream: bool = False,
        **options: Any,
    ) -> ChatCompletion | Iterator[str]:
        """Chat with a job's final adapter, one checkpoint (``step``) or a base model.

        ``options``: temperature, top_p, max_tokens, tools, tool_choice,
        response_format, structured_outputs.
        """
        adapter = None
        if job_id is not None:
            adapter = (
                {"kind": "checkpoint", "jobId": job_id, "step": step}
                if step is not None
                else {"kind": "final", "jobId": job_id}
            )
        body = chat_request(
            messages, adapter=adapter, base_model=base_model, stream=stream, **options
        )
        return send_chat(self.client, self.scope, body)

    def artifacts(self, job_id: str) -> list[Artifact]:
        """Every file the job produced."""
        return self.client.list_artifacts(self.scope, job_id)

    def download(self, job_id: str, destination: Path, step: int | None = None) -> list[Path]:
        """Download a job's final adapter (or checkpoint ``step``) into ``destination``.

        The folder is a standard peft adapter; a ``base-model/`` folder comes
        along when the base model cannot be fetched from a hub (``arkor/tiny``).
        Returns the written files.
        """
        prefix = f"checkpoints/step-{step}/" if step is not None else "final/"
        artifacts = self.artifacts(job_id)
        chosen = [a for a in artifacts if a.path.startswith(prefix)]
        if not chosen:
            steps = sorted({
                int(m.group(1)) for a in artifacts if (m := _CHECKPOINT.match(a.path))
            })
            what = f"checkpoint step {step}" if step is not None else "a final adapter"
            hint = f" (checkpoint steps: {', '.join(map(str, steps))})" if steps else ""
            raise CloudApiError(404, f"job {job_id} has no {what}{hint}")
        extras = [a for a in artifacts if a.path.startswith("base-model/")]
        written = []
        for artifact in chosen + extras:
            relative = artifact.path[len(prefix):] if artifact in chosen else artifact.path
            target = destination / relative
            self.client.download_artifact(self.scope, job_id, artifact.path, target)
            written.append(target)
        return written


def open_project(directory: Path | str | None = None, *, bootstrap: bool = True) -> ArkorProject:
    """The project in ``directory`` (default: cwd) on the resolved backend.

    Mints an anonymous identity and creates ``.arkor/state.json`` when needed
    (``bootstrap``); starts the embedded local backend when it is the target.
    """
    path = Path(directory or Path.cwd()).resolve()
    connection = connect(bootstrap=bootstrap)
    return ArkorProject(path, connection, connection.project_state(path))
