"""``arkor jobs``, ``cancel``, ``chat`` and ``download``: working with existing jobs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from arkor.cli.output import (
    EXIT_CONFLICT,
    EXIT_NOT_FOUND,
    console,
    fail,
    is_interactive,
)

if TYPE_CHECKING:
    from arkor.project import ArkorProject
    from arkor.types import TrainingJob

jobs_app = typer.Typer(help="List and inspect training jobs.", no_args_is_help=False)


def _project() -> ArkorProject:
    from arkor.project import open_project

    return open_project()


def _known_job(project: ArkorProject, job_id: str) -> tuple[TrainingJob, list[dict[str, Any]]]:
    """The job and its events; a 404 becomes a clear 'no such job' error with its own code."""
    from arkor.errors import CloudApiError

    try:
        return project.job_events(job_id)
    except CloudApiError as exc:
        if exc.status == 404:
            fail(f"no job {job_id!r} in project {project.scope.project_slug}", EXIT_NOT_FOUND)
        raise


def _short_time(value: str | None) -> str:
    return (value or "-").replace("T", " ")[:19]


@jobs_app.callback(invoke_without_command=True)
def jobs(ctx: typer.Context) -> None:
    """The project's jobs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from arkor.cli.progress import _clock, job_duration

    items = _project().jobs()
    if not items:
        console().print("no jobs yet: run `arkor start`")
        return
    table = Table(box=None)
    # Ids and times are what users copy and compare: never wrap or truncate them.
    table.add_column("id", no_wrap=True, min_width=max(len(job.id) for job in items))
    table.add_column("name", overflow="fold", min_width=8)
    table.add_column("status", no_wrap=True)
    table.add_column("model", no_wrap=True)
    table.add_column("created", no_wrap=True, min_width=16)
    table.add_column("duration", no_wrap=True)
    for job in items:
        duration = job_duration(job)
        table.add_row(
            job.id, job.name, job.status, str(job.config.get("model", "?")),
            _short_time(job.created_at)[:16], _clock(duration) if duration is not None else "-",
        )
    console().print(table)


@jobs_app.command("show")
def show(job_id: Annotated[str, typer.Argument(help="The job to show.")]) -> None:
    """Everything about one job: status, config, metrics, artifacts."""
    from arkor.cli.progress import _clock, job_duration

    job, events = _known_job(_project(), job_id)
    rows: list[tuple[str, str]] = [
        (label, str(value))
        for label, value in (
            ("id", job.id), ("name", job.name), ("status", job.status), ("error", job.error),
            ("created", _short_time(job.created_at)), ("started", _short_time(job.started_at)),
            ("completed", _short_time(job.completed_at)),
        )
        if value is not None
    ]  # fmt: skip
    duration = job_duration(job)
    if duration is not None:
        rows.append(("duration", _clock(duration)))
    logs = [e for e in events if e.get("type") == "training.log" and "loss" in e]
    if logs:
        rows.append(("last step", str(logs[-1].get("step"))))
        if isinstance(logs[-1].get("loss"), (int, float)):
            rows.append(("last loss", f"{logs[-1]['loss']:.4f}"))
    for event in events:
        if event.get("type") == "training.completed" and event.get("metrics"):
            rows.append(("metrics", json.dumps(event["metrics"])))
    steps = [e.get("step") for e in events if e.get("type") == "checkpoint.saved"]
    if steps:
        rows.append(("checkpoints", ", ".join(map(str, steps))))
    rows.append(("config", json.dumps(job.config)))
    out = console()
    for label, value in rows:
        out.print(f"{label:<12} {value}", highlight=False, markup=False, soft_wrap=True)


def cancel(job_id: Annotated[str, typer.Argument(help="The job to cancel.")]) -> None:
    """Cancel a queued or running job (exit 4: unknown job, 3: already finished)."""
    from arkor.errors import CloudApiError

    project = _project()
    _known_job(project, job_id)
    try:
        project.cancel(job_id)
    except CloudApiError as exc:
        if exc.status == 409:
            status = project.job(job_id).status
            fail(f"job {job_id} already finished ({status}); nothing to cancel", EXIT_CONFLICT)
        raise
    console().print(f"cancellation requested for job {job_id}")


def _split_target(target: str) -> tuple[str, int | None]:
    job_id, _, step = target.partition("@")
    if not step:
        return job_id, None
    if not step.isdigit():
        fail(f"checkpoint step must be a number: {target!r} (use <job-id>@<step>)", 2)
    return job_id, int(step)


def _answer(project: ArkorProject, history: list[dict[str, Any]], options: dict[str, Any]) -> str:
    """Stream one answer to stdout and return it."""
    out = console()
    pieces = []
    for delta in project.chat(history, stream=True, **options):  # type: ignore[union-attr]
        pieces.append(delta)
        out.out(delta, end="", highlight=False)
    out.out("")
    return "".join(pieces)


def chat(
    target: Annotated[
        Optional[str],
        typer.Argument(help="<job-id> (final adapter) or <job-id>@<step> (a checkpoint)."),
    ] = None,
    message: Annotated[
        Optional[str], typer.Argument(help="One message; without it, an interactive chat.")
    ] = None,
    base_model: Annotated[
        Optional[str], typer.Option("--base-model", help="Chat with a base model instead.")
    ] = None,
    system: Annotated[Optional[str], typer.Option(help="A system prompt.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature.")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(help="Most tokens per answer.")] = None,
) -> None:
    """Chat with a trained adapter, a checkpoint or a base model; tokens stream as they come."""
    import sys

    if base_model is not None and target is not None and message is None:
        target, message = None, target  # `arkor chat --base-model M "hi"`
    if base_model is None and target is None:
        fail("name a job (<job-id> or <job-id>@<step>) or pass --base-model", 2)
    project = _project()
    options: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
    if target is not None:
        job_id, step = _split_target(target)
        _known_job(project, job_id)
        options.update(job_id=job_id, step=step)
    else:
        options["base_model"] = base_model
    history: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    if message is not None:
        history.append({"role": "user", "content": message})
        _answer(project, history, options)
        return
    if not sys.stdin.isatty() and not is_interactive():
        lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
        for line in lines:
            history.append({"role": "user", "content": line})
            history.append({"role": "assistant", "content": _answer(project, history, options)})
        return
    console().print("chatting; an empty line or Ctrl-D ends", style="dim")
    while True:
        try:
            line = console().input("[bold]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            console().print()
            return
        if not line.strip() or line.strip() in ("/exit", "/quit"):
            return
        history.append({"role": "user", "content": line})
        history.append({"role": "assistant", "content": _answer(project, history, options)})


def download(
    job_id: Annotated[str, typer.Argument(help="The job whose adapter to download.")],
    step: Annotated[
        Optional[int], typer.Option("--step", help="A checkpoint step, not the final adapter.")
    ] = None,
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Target folder.")
    ] = None,
) -> None:
    """Download an adapter folder that PeftModel.from_pretrained loads as it is."""
    project = _project()
    _known_job(project, job_id)
    destination = (output or Path(f"{job_id}-step-{step}" if step else job_id)).resolve()
    files = project.download(job_id, destination, step)
    total = sum(path.stat().st_size for path in files)
    out = console()
    out.print(f"downloaded {len(files)} files ({total / 1e6:.1f} MB) to {destination}")
    base = destination / "base-model"
    base_expr = f'"{base}"' if base.is_dir() else "<the base model id>"
    out.print("load it with:", style="bold")
    out.print(
        "  from transformers import AutoModelForCausalLM\n  from peft import PeftModel\n"
        f"  base = AutoModelForCausalLM.from_pretrained({base_expr})\n"
        f'  model = PeftModel.from_pretrained(base, "{destination}")',
        highlight=False,
    )
