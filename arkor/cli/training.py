"""``arkor start`` and ``arkor logs``: run or follow a job with the progress view."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from arkor.cli.output import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    console,
    err_console,
    fail,
    is_interactive,
)

if TYPE_CHECKING:
    from arkor.callbacks import TrainingResult
    from arkor.cli.progress import TrainingView
    from arkor.trainer import Trainer


PlainOption = Annotated[
    bool, typer.Option("--plain", help="Plain log lines even on a terminal.")
]


def _exit_code(result: TrainingResult) -> int:
    return EXIT_OK if result.job.status == "completed" else EXIT_FAILED


def _view(total_steps: int | None, plain: bool) -> TrainingView:
    from arkor.cli.progress import TrainingView

    return TrainingView(console(), live=is_interactive() and not plain, total_steps=total_steps)


def _detach_hint(job_id: str) -> str:
    return (
        f"Detached; job {job_id} keeps running on the backend. Re-attach with "
        f"`arkor logs {job_id} --follow`, stop it with `arkor cancel {job_id}`."
    )


def _cancel_and_wait(trainer: Trainer, view: TrainingView) -> TrainingResult:
    """First Ctrl-C: cancel on the backend and wait for ``training.cancelled``."""
    from arkor.errors import CloudApiError

    assert trainer.job is not None
    view.close()
    view.line(
        f"Ctrl-C: cancelling job {trainer.job.id} (press Ctrl-C again to detach)...", "yellow"
    )
    try:
        trainer.cancel()
    except CloudApiError as exc:
        if exc.status != 409:  # 409: it finished meanwhile; its result follows
            raise
    return trainer.wait()


def start(
    entry: Annotated[
        Optional[Path],
        typer.Argument(help="trainer.py or its folder (default: nearest trainer.py upward)."),
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", "-d", help="Submit, print the job id and return.")
    ] = False,
    plain: PlainOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Smoke test: a slice of the data, a few steps.")
    ] = False,
    max_steps: Annotated[
        Optional[int], typer.Option("--max-steps", help="Override the trainer's max_steps.")
    ] = None,
) -> None:
    """Train the project's trainer and watch it live (exit 0 completed, 1 failed, 130 Ctrl-C)."""
    from arkor.loader import load_trainer

    trainer = load_trainer(entry)
    overrides = {"dry_run": True} if dry_run else {}
    if max_steps is not None:
        overrides["max_steps"] = max_steps
    if overrides:
        trainer = trainer.with_overrides(**overrides)
    view = _view(trainer.spec.max_steps, plain)
    out = console()
    try:
        started = trainer.start()
    except KeyboardInterrupt:
        fail("interrupted before the job was submitted", EXIT_INTERRUPTED)
    out.print(f"submitted job [bold]{started.job_id}[/] ({trainer.name}, {trainer.spec.model})")
    if detach:
        out.print(f"follow it with: arkor logs {started.job_id} --follow", highlight=False)
        raise typer.Exit(EXIT_OK)
    trainer.callbacks = trainer.callbacks.merged_with(view.callbacks())
    began = time.monotonic()
    interrupted = False
    try:
        try:
            result = trainer.wait()
        except KeyboardInterrupt:
            interrupted = True
            result = _cancel_and_wait(trainer, view)
    except KeyboardInterrupt:
        view.close()
        err_console().print(_detach_hint(started.job_id), highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        view.close()
    view.summary(result, time.monotonic() - began)
    if interrupted and result.job.status == "cancelled":
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(_exit_code(result))


def logs(
    job_id: Annotated[str, typer.Argument(help="The job to show.")],
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep following a running job until it ends.")
    ] = False,
    plain: PlainOption = False,
) -> None:
    """Replay a job's events, or re-attach to a running job with --follow."""
    from arkor.events import JobWatcher
    from arkor.project import open_project

    project = open_project()
    job, events = project.job_events(job_id)
    view = _view(job.config.get("maxSteps"), plain)
    out = console()
    out.print(f"job [bold]{job.id}[/] ({job.name}, {job.config.get('model', '?')}): {job.status}")
    watcher = JobWatcher(project, job, view.callbacks())
    try:
        if follow or job.is_terminal:
            result = watcher.run()
        else:
            result = watcher.replay(events)
            view.close()
            out.print(
                f"job is {job.status}; `arkor logs {job.id} --follow` keeps following it",
                highlight=False,
            )
            raise typer.Exit(EXIT_OK)
    except KeyboardInterrupt:
        view.close()
        err_console().print(_detach_hint(job.id), highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        view.close()
    view.summary(result)
    raise typer.Exit(_exit_code(result))
