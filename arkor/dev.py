"""The edit loop: inspect a project's trainer in a fresh process on every save.

:func:`inspect_project` loads ``trainer.py`` in a subprocess (so a broken edit
never takes the caller down) and returns a :class:`ProjectSummary`: the
trainer's name, model, dataset, rows and steps, or the exact error with file
and line. :class:`ProjectWatcher` calls back with a new summary whenever a
project file changes; the CLI's ``arkor dev`` and a future Studio share it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from arkor.loader import find_trainer_file

INSPECT_TIMEOUT_S = 60.0
WATCHED_SUFFIXES = frozenset({".py", ".jsonl", ".json", ".txt", ".toml"})
IGNORED_PARTS = frozenset({".arkor", "__pycache__", ".git", ".venv", "node_modules"})


@dataclass
class ProjectSummary:
    """What a trainer declares, or why it cannot be loaded."""

    trainer_file: str
    ok: bool
    name: str | None = None
    model: str | None = None
    dataset: str | None = None
    rows: int | None = None
    steps: int | None = None
    steps_note: str | None = None
    error: str | None = None

    def one_line(self) -> str:
        """The summary as one line."""
        if not self.ok:
            return f"error: {self.error}"
        rows = f", {self.rows} rows" if self.rows is not None else ""
        steps = f"{self.steps} steps" if self.steps is not None else (self.steps_note or "")
        return f"{self.name}: {self.model} on {self.dataset}{rows}, {steps}"


def summarize_trainer(file: Path) -> ProjectSummary:
    """Load ``file`` in this process and summarize its trainer (errors included)."""
    from arkor.config import FileDataset
    from arkor.errors import ArkorError
    from arkor.loader import load_module, pick_trainer

    try:
        trainer = pick_trainer(load_module(file), file)
    except ArkorError as exc:
        return ProjectSummary(str(file), ok=False, error=str(exc))
    spec = trainer.spec
    dataset = spec.dataset
    if isinstance(dataset, FileDataset):
        described = dataset.path
    else:
        where = [getattr(dataset, key, None) for key in ("name", "url", "id")]
        described = f"{dataset.type}:{next((w for w in where if w), '')}"
    rows = None
    dataset_file = trainer.dataset_file
    if dataset_file is not None:
        with dataset_file.open("rb") as handle:
            rows = sum(1 for line in handle if line.strip())
    steps: int | None = spec.max_steps
    note = None
    if steps is None and spec.num_train_epochs is not None and rows:
        steps = max(1, int(spec.num_train_epochs * rows / (spec.batch_size or 8)))
        note = "estimated from epochs"
    elif steps is None:
        note = "steps: backend default"
    if spec.dry_run:
        note = "dry run"
    return ProjectSummary(
        str(file), ok=True, name=spec.name, model=spec.model, dataset=described,
        rows=rows, steps=steps, steps_note=note,
    )


def inspect_project(path: str | Path | None = None) -> ProjectSummary:
    """Summarize a project's trainer by loading it in a fresh Python process."""
    from arkor.errors import ArkorError

    try:
        file = find_trainer_file(path)
    except ArkorError as exc:
        return ProjectSummary(str(path or Path.cwd()), ok=False, error=str(exc))
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "arkor.dev", str(file)],
            capture_output=True, text=True, timeout=INSPECT_TIMEOUT_S, cwd=file.parent,
        )
    except subprocess.TimeoutExpired:
        return ProjectSummary(
            str(file), ok=False, error=f"loading {file} took over {INSPECT_TIMEOUT_S:.0f} s"
        )
    lines = completed.stdout.strip().splitlines()
    try:
        return ProjectSummary(**json.loads(lines[-1]))
    except (IndexError, ValueError, TypeError):
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return ProjectSummary(
            str(file), ok=False,
            error=f"{file}: the inspector crashed (exit {completed.returncode}): {detail}",
        )


def _watch_filter(change: Any, path: str) -> bool:
    parts = Path(path).parts
    return not (IGNORED_PARTS & set(parts)) and Path(path).suffix in WATCHED_SUFFIXES


class ProjectWatcher:
    """Calls ``on_summary`` with a fresh :class:`ProjectSummary` at start and after each save."""

    def __init__(
        self,
        directory: Path,
        on_summary: Callable[[ProjectSummary, list[str]], None],
        *,
        debounce_ms: int = 300,
    ) -> None:
        self.directory = directory.resolve()
        self.on_summary = on_summary
        self.debounce_ms = debounce_ms
        self.stop_event = threading.Event()

    def run(self) -> None:
        """Watch until :meth:`stop` (or Ctrl-C); blocking."""
        from watchfiles import watch

        self.on_summary(inspect_project(self.directory), [])
        for changes in watch(
            self.directory,
            watch_filter=_watch_filter,
            debounce=self.debounce_ms,
            stop_event=self.stop_event,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            changed = sorted({str(Path(p).relative_to(self.directory)) for _, p in changes})
            self.on_summary(inspect_project(self.directory), changed)

    def stop(self) -> None:
        """End :meth:`run`."""
        self.stop_event.set()


if __name__ == "__main__":
    print(json.dumps(asdict(summarize_trainer(Path(sys.argv[1]).resolve()))))
