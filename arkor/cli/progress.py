"""The training progress view, fed by the SDK's callbacks.

On a terminal: a live rich bar over total steps (step/total, loss, eval loss,
learning rate, it/s, elapsed, ETA) with a line per checkpoint. Elsewhere:
plain timestamped lines. Either way a final summary.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from arkor.callbacks import (
    Callbacks,
    CancelledContext,
    CheckpointContext,
    CompletedContext,
    FailedContext,
    LogContext,
    StartedContext,
    TrainingResult,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from arkor.types import TrainingJob


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _clock(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "-:--:--"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class TrainingView:
    """Renders one job's progress; :meth:`callbacks` feeds it."""

    def __init__(self, console: Console, *, live: bool, total_steps: int | None = None) -> None:
        self.console = console
        self.live = live
        self.total_steps = total_steps
        self.step = 0
        self.loss: float | None = None
        self.eval_loss: float | None = None
        self.learning_rate: float | None = None
        self.checkpoints: list[int] = []
        self._started_at: float | None = None
        self._rate: float | None = None
        self._last: tuple[float, int] | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def callbacks(self) -> Callbacks:
        """Callbacks that drive this view."""
        return Callbacks(
            on_started=self.on_started,
            on_log=self.on_log,
            on_checkpoint=self.on_checkpoint,
            on_completed=self.on_completed,
            on_failed=self.on_failed,
            on_cancelled=self.on_cancelled,
        )

    # --- rendering primitives --------------------------------------------------------

    def line(self, text: str, style: str | None = None) -> None:
        """Print one line (timestamped when not live); above the bar when live."""
        from rich.text import Text

        if not self.live:
            text = f"{datetime.now().strftime('%H:%M:%S')} {text}"
        self.console.print(Text(text, style=style or ""), soft_wrap=True)

    def _start_bar(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            TextColumn("{task.fields[steps]}"),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[eval]}"),
            TextColumn("lr {task.fields[lr]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            console=self.console,
            transient=False,
        )
        self._task = self._progress.add_task(
            "training", total=self.total_steps, **self._fields()
        )
        self._progress.start()

    def _fields(self) -> dict[str, Any]:
        total = self.total_steps
        eta = None
        if total and self._rate:
            eta = (total - self.step) / self._rate
        return {
            "steps": f"{self.step}/{total or '?'}",
            "loss": _fmt(self.loss, ".4f"),
            "eval": f"eval {_fmt(self.eval_loss, '.4f')}" if self.eval_loss is not None else "",
            "lr": _fmt(self.learning_rate, ".2e"),
            "rate": f"{self._rate:.2f} it/s" if self._rate else "- it/s",
            "eta": _clock(eta),
        }

    def close(self) -> None:
        """Stop the live bar (idempotent)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _update_rate(self) -> None:
        now = time.monotonic()
        if self._last is not None:
            then, step = self._last
            if self.step > step and now > then:
                rate = (self.step - step) / (now - then)
                self._rate = rate if self._rate is None else 0.7 * self._rate + 0.3 * rate
        self._last = (now, self.step)

    # --- callbacks ---------------------------------------------------------------------

    def on_started(self, ctx: StartedContext) -> None:
        """Training began: show where and how much."""
        self._started_at = time.monotonic()
        meta = ctx.metadata
        total = meta.get("totalSteps") or meta.get("total_steps")
        if isinstance(total, int) and total > 0:
            self.total_steps = total
        facts = [f"{k} {meta[k]}" for k in ("model", "device", "rows") if meta.get(k) is not None]
        self.line(
            f"job {ctx.job.id} started" + (f" ({', '.join(facts)})" if facts else "")
            + (f", {self.total_steps} steps" if self.total_steps else ""),
            "bold",
        )
        if self.live:
            self._start_bar()

    def on_log(self, ctx: LogContext) -> None:
        """A logged step: advance the bar or print a line."""
        self.step = max(self.step, ctx.step)
        if ctx.loss is not None:
            self.loss = ctx.loss
        if ctx.eval_loss is not None:
            self.eval_loss = ctx.eval_loss
        if ctx.learning_rate is not None:
            self.learning_rate = ctx.learning_rate
        self._update_rate()
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.step, **self._fields())
            return
        fields = self._fields()
        percent = f" ({100 * self.step // self.total_steps}%)" if self.total_steps else ""
        elapsed = time.monotonic() - self._started_at if self._started_at else None
        eval_part = f" {fields['eval']}" if fields["eval"] else ""
        self.line(
            f"step {fields['steps']}{percent} loss {fields['loss']}{eval_part} lr {fields['lr']} "
            f"{fields['rate']} elapsed {_clock(elapsed)} eta {fields['eta']}"
        )

    def on_checkpoint(self, ctx: CheckpointContext) -> None:
        """A checkpoint was saved."""
        self.checkpoints.append(ctx.step)
        size = sum(a.bytes for a in ctx.artifacts)
        self.line(
            f"checkpoint saved at step {ctx.step} ({len(ctx.artifacts)} files, "
            f"{size / 1e6:.1f} MB)",
            "cyan",
        )

    def on_completed(self, ctx: CompletedContext) -> None:
        """Training completed."""
        if self.total_steps and self.step < self.total_steps:
            self.step = self.total_steps
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, completed=self.step, **self._fields())
        self.close()

    def on_failed(self, ctx: FailedContext) -> None:
        """Training failed."""
        self.close()

    def on_cancelled(self, ctx: CancelledContext) -> None:
        """Training was cancelled."""
        self.close()

    # --- the end ---------------------------------------------------------------------

    def summary(self, result: TrainingResult, wall_seconds: float | None = None) -> None:
        """Print the run's outcome and what to do next."""
        from rich.table import Table

        self.close()
        job = result.job
        style = {"completed": "bold green", "failed": "bold red"}.get(job.status, "bold yellow")
        table = Table.grid(padding=(0, 2))
        table.add_row("job", job.id)
        table.add_row("status", f"[{style}]{job.status}[/]")
        if job.error:
            from rich.markup import escape

            table.add_row("error", f"[red]{escape(job.error)}[/]")
        final_loss = result.metrics.get("finalLoss", self.loss)
        if isinstance(final_loss, (int, float)):
            table.add_row("final loss", f"{final_loss:.4f}")
        if self.eval_loss is not None:
            table.add_row("eval loss", f"{self.eval_loss:.4f}")
        total = f"/{self.total_steps}" if self.total_steps else ""
        table.add_row("steps", f"{self.step}{total}")
        duration = job_duration(job)
        if duration is None:
            duration = wall_seconds
        if duration is not None:
            table.add_row("duration", _clock(duration))
        if result.artifacts:
            size = sum(a.bytes for a in result.artifacts)
            table.add_row("artifacts", f"{len(result.artifacts)} files, {size / 1e6:.1f} MB")
        if self.checkpoints:
            table.add_row("checkpoints", ", ".join(f"step {s}" for s in self.checkpoints))
        self.console.print(table)
        if job.status == "completed":
            self.console.print("next:", style="bold")
            self.console.print(f'  arkor chat {job.id} "your message"', highlight=False)
            self.console.print(f"  arkor download {job.id} -o ./adapter", highlight=False)
        elif job.status == "failed":
            self.console.print(f"see: arkor logs {job.id}", highlight=False)


def job_duration(job: TrainingJob) -> float | None:
    """Seconds from start to completion (to now while running), when known."""
    started = _parse_time(job.started_at)
    if started is None:
        return None
    ended = _parse_time(job.completed_at) or datetime.now(started.tzinfo)
    return max(0.0, (ended - started).total_seconds())
