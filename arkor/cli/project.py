"""``arkor init`` and ``arkor dev``: scaffold a project, then iterate on it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from arkor.cli.output import console, err_console, is_interactive

if TYPE_CHECKING:
    from arkor.dev import ProjectSummary


def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to create the project (default: here).")
    ] = Path("."),
    template: Annotated[
        Optional[str],
        typer.Option("--template", "-t", help="triage, translate, redaction or blank."),
    ] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="The run's name.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Use defaults, ask nothing.")] = False,
) -> None:
    """Scaffold a project from a bundled template (never overwrites your files)."""
    from arkor.scaffold import (
        DEFAULT_TEMPLATE,
        list_templates,
        project_name_for,
        scaffold_project,
    )

    out = console()
    templates = list_templates()
    if template is not None and template not in templates:
        from arkor.errors import ConfigError

        raise ConfigError(f"unknown template {template!r}; choose one of: {', '.join(templates)}")
    default_name = project_name_for(directory)
    if is_interactive() and not yes:
        if template is None:
            while template not in templates:
                if template is not None:
                    err_console().print(f"choose one of: {', '.join(templates)}")
                template = typer.prompt(
                    f"Template ({', '.join(templates)})", default=DEFAULT_TEMPLATE
                ).strip()
        if name is None:
            name = typer.prompt("Run name", default=default_name)
    else:
        used = []
        if template is None:
            used.append(f"template {DEFAULT_TEMPLATE}")
        if name is None:
            used.append(f"name {default_name}")
        if used:
            reason = "--yes" if yes else "not a terminal"
            out.print(f"using defaults ({reason}): {', '.join(used)}", highlight=False)
    report = scaffold_project(directory, template or DEFAULT_TEMPLATE, name)
    out.print(
        f"project [bold]{report.name}[/] from template [bold]{report.template}[/] "
        f"in {report.directory}"
    )
    for label, paths, style in (
        ("created", report.created, "green"),
        ("updated", report.updated, "yellow"),
        ("kept", report.kept, "dim"),
    ):
        for path in paths:
            out.print(f"  [{style}]{label:8}[/] {path}", highlight=False)
    where = "" if report.directory == Path.cwd().resolve() else f"cd {directory} && "
    out.print(f"next: {where}arkor start", highlight=False)


def _print_summary(summary: ProjectSummary, changed: list[str]) -> None:
    stamp = time.strftime("%H:%M:%S")
    what = f" ({', '.join(changed[:3])}{'...' if len(changed) > 3 else ''})" if changed else ""
    if summary.ok:
        console().print(f"{stamp} ok{what}: {summary.one_line()}", highlight=False)
    else:
        err_console().print(f"{stamp} error{what}: {summary.error}", highlight=False)


class _TrainingRun:
    """One ``arkor start`` child process; stopping it cancels its job first."""

    def __init__(self, trainer_file: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "arkor", "start", trainer_file, "--plain"],
            start_new_session=True,  # a terminal Ctrl-C reaches the watcher, not the run
        )

    def stop(self, timeout: float = 60.0) -> None:
        if self.process.poll() is not None:
            return
        console().print("cancelling the previous run first...", style="yellow")
        self.process.send_signal(signal.SIGINT)  # its first Ctrl-C cancels the job
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGINT)  # second Ctrl-C detaches
            self.process.wait(10)


def dev(
    directory: Annotated[
        Path, typer.Argument(help="The project folder (default: here).")
    ] = Path("."),
    run: Annotated[
        bool, typer.Option("--run", help="Also (re)start training on every valid save.")
    ] = False,
) -> None:
    """Watch the project: on every save, load trainer.py afresh and report (or retrain)."""
    from arkor.dev import ProjectWatcher

    current: list[_TrainingRun] = []

    def on_summary(summary: ProjectSummary, changed: list[str]) -> None:
        _print_summary(summary, changed)
        if not (run and summary.ok):
            return
        for previous in current:
            previous.stop()
        current.clear()
        console().print("starting training...", style="bold")
        current.append(_TrainingRun(summary.trainer_file))

    watcher = ProjectWatcher(directory, on_summary)
    console().print(f"watching {watcher.directory} (Ctrl-C to stop)", highlight=False)
    try:
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        for previous in current:
            previous.stop()
    console().print("stopped watching")
