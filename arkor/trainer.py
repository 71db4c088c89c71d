"""``create_trainer`` and the :class:`Trainer` lifecycle: start, wait, cancel."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arkor.callbacks import Callbacks, StartedJob, TrainingResult
from arkor.config import TrainerSpec
from arkor.errors import ConfigError
from arkor.stream import ReconnectPolicy
from arkor.types import TrainingJob

if TYPE_CHECKING:
    from arkor.project import ArkorProject


class Trainer:
    """A declared fine-tuning run. Build one with :func:`create_trainer`.

    ``start()`` submits the job (once), ``wait()`` follows its events into the
    callbacks and returns a :class:`TrainingResult`, ``cancel()`` stops it on
    the backend.
    """

    def __init__(
        self,
        spec: TrainerSpec,
        *,
        callbacks: Callbacks,
        abort_signal: threading.Event | None,
        reconnect: ReconnectPolicy,
        project_dir: Path,
    ) -> None:
        self.spec = spec
        self.callbacks = callbacks
        self.abort_signal = abort_signal
        self.reconnect = reconnect
        self.project_dir = project_dir
        self.job: TrainingJob | None = None
        self.project: ArkorProject | None = None
        self._last_event_id: str | None = None
        self._start_lock = threading.Lock()

    @property
    def name(self) -> str:
        """The run's name."""
        return self.spec.name

    @property
    def config(self) -> dict[str, Any]:
        """The wire ``JobConfig`` this trainer submits (a ``file`` dataset shown as declared)."""
        return self.spec.job_config()

    @property
    def dataset_file(self) -> Path | None:
        """The local dataset file that ``start()`` uploads, if any."""
        return self.spec.dataset_file(self.project_dir)

    def __repr__(self) -> str:
        job = f", job_id={self.job.id!r}" if self.job else ""
        return f"Trainer(name={self.name!r}, model={self.spec.model!r}{job})"

    def with_overrides(self, **changes: Any) -> Trainer:
        """A new, unstarted trainer with some ``create_trainer`` arguments replaced.

        The changes are validated like ``create_trainer``'s arguments; callbacks,
        abort signal, reconnect policy and project folder are kept.
        """
        values = self.spec.model_dump(exclude_unset=True)
        values.update(changes)
        return Trainer(
            TrainerSpec.parse(values),
            callbacks=self.callbacks,
            abort_signal=self.abort_signal,
            reconnect=self.reconnect,
            project_dir=self.project_dir,
        )

    def start(self) -> StartedJob:
        """Submit the job (only the first call posts); resolves credentials and project first."""
        from arkor.project import open_project

        with self._start_lock:
            if self.job is None:
                project = open_project(self.project_dir)
                source = None
                dataset_file = self.dataset_file
                if dataset_file is not None:
                    uploaded = project.upload_dataset(dataset_file)
                    source = {"type": "upload", "id": uploaded.id}
                self.job = project.create_job(self.name, self.spec.job_config(source))
                self.project = project
            return StartedJob(job_id=self.job.id, job=self.job)

    def wait(self) -> TrainingResult:
        """Follow the job until it ends (calling ``start()`` if needed).

        A failed or cancelled run returns (see ``result.job.status``); SDK
        problems raise :class:`~arkor.ArkorError`; a callback's own exception
        propagates unchanged; ``abort_signal`` raises :class:`~arkor.AbortedError`.
        Calling ``wait()`` again resumes after the last event already seen.
        """
        from arkor.events import JobWatcher

        self.start()
        assert self.job is not None and self.project is not None
        watcher = JobWatcher(
            self.project,
            self.job,
            self.callbacks,
            reconnect=self.reconnect,
            abort=self.abort_signal,
            last_event_id=self._last_event_id,
        )
        try:
            return watcher.run()
        finally:
            self._last_event_id = watcher.last_event_id
            self.job = watcher.job

    def cancel(self) -> None:
        """Cancel the job on the backend; a no-op before ``start()``.

        A backend refusal (e.g. 409: already finished) raises :class:`~arkor.CloudApiError`.
        """
        if self.job is None or self.project is None:
            return
        self.project.cancel(self.job.id)


def _caller_dir() -> Path:
    """The folder of the file that called ``create_trainer`` (cwd for REPLs)."""
    frame = sys._getframe(2)
    filename = frame.f_globals.get("__file__")
    if isinstance(filename, str) and filename and not filename.startswith("<"):
        return Path(filename).resolve().parent
    return Path.cwd()


def create_trainer(
    *,
    name: str,
    model: str,
    dataset: dict[str, Any],
    lora: dict[str, Any] | None = None,
    max_steps: int | None = None,
    num_train_epochs: float | None = None,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    optim: str | None = None,
    lr_scheduler_type: str | None = None,
    weight_decay: float | None = None,
    warmup_steps: int | None = None,
    logging_steps: int | None = None,
    save_steps: int | None = None,
    eval_steps: int | None = None,
    train_on_responses_only: bool | None = None,
    dataset_format: dict[str, Any] | None = None,
    dataset_split: dict[str, Any] | None = None,
    dry_run: bool | None = None,
    callbacks: Callbacks | dict[str, Any] | None = None,
    abort_signal: threading.Event | None = None,
    reconnect: ReconnectPolicy | dict[str, Any] | None = None,
    project_dir: str | Path | None = None,
) -> Trainer:
    """Declare a fine-tuning run; nothing touches the network until ``start()``/``wait()``.

    ``dataset`` is ``{"type": "huggingface", "name", "split"?, "subset"?}``,
    ``{"type": "blob", "url", "token"?}``, ``{"type": "file", "path"}`` (a local
    JSONL uploaded at start; relative to the trainer's folder) or
    ``{"type": "upload", "id"}``. ``lora`` takes ``r``, ``alpha``,
    ``max_length`` and ``load_in_4bit``. Arguments left ``None`` are not sent:
    the backend picks defaults suited to the model. ``project_dir`` (default:
    the calling file's folder) holds ``.arkor/state.json``.

    Raises :class:`~arkor.ConfigError` naming the field and the rule when an
    argument is invalid.
    """
    spec = TrainerSpec.parse({
        "name": name, "model": model, "dataset": dataset, "lora": lora,
        "max_steps": max_steps, "num_train_epochs": num_train_epochs,
        "learning_rate": learning_rate, "batch_size": batch_size, "optim": optim,
        "lr_scheduler_type": lr_scheduler_type, "weight_decay": weight_decay,
        "warmup_steps": warmup_steps, "logging_steps": logging_steps,
        "save_steps": save_steps, "eval_steps": eval_steps,
        "train_on_responses_only": train_on_responses_only,
        "dataset_format": dataset_format, "dataset_split": dataset_split, "dry_run": dry_run,
    })
    if abort_signal is not None and not isinstance(abort_signal, threading.Event):
        raise ConfigError(
            f"abort_signal must be a threading.Event (got {type(abort_signal).__name__})"
        )
    if reconnect is None:
        policy = ReconnectPolicy()
    elif isinstance(reconnect, ReconnectPolicy):
        policy = reconnect
    elif isinstance(reconnect, dict):
        policy = ReconnectPolicy(**reconnect)
    else:
        raise ConfigError(
            f"reconnect must be a ReconnectPolicy or a dict (got {type(reconnect).__name__})"
        )
    directory = Path(project_dir).resolve() if project_dir is not None else _caller_dir()
    trainer = Trainer(
        spec,
        callbacks=Callbacks.coerce(callbacks),
        abort_signal=abort_signal,
        reconnect=policy,
        project_dir=directory,
    )
    dataset_file = trainer.dataset_file
    if dataset_file is not None and not dataset_file.is_file():
        raise ConfigError(
            f"dataset.path: no such file {dataset_file} (relative paths are resolved against "
            f"{directory})"
        )
    return trainer
