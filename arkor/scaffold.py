"""Project templates: listing them and scaffolding a project from one.

Templates are plain projects under ``templates/<name>/`` (shipped in the
wheel as ``arkor/_templates``). Scaffolding never overwrites a file the user
already has: each path is reported as created, kept or updated (``.gitignore``
gains a missing ``.arkor/`` line).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from arkor.errors import ConfigError

TEMPLATE_ORDER = ("triage", "translate", "redaction", "blank")
DEFAULT_TEMPLATE = "triage"
_SKIP = {"__pycache__", ".arkor"}
_NAME_PATTERN = re.compile(r'(create_trainer\(\s*name\s*=\s*)"[^"]*"')


def templates_root() -> Path:
    """Where the bundled templates are (wheel: ``arkor/_templates``; checkout: ``templates/``)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("the bundled templates are missing from this arkor installation")


def list_templates() -> list[str]:
    """Template names, the documented ones first."""
    root = templates_root()
    found = {p.name for p in root.iterdir() if (p / "trainer.py").is_file()}
    ordered = [name for name in TEMPLATE_ORDER if name in found]
    return ordered + sorted(found - set(ordered))


def project_name_for(directory: Path) -> str:
    """A default run name from a directory name (lowercase, dashes)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", directory.resolve().name.lower()).strip("-")
    return slug or "my-project"


@dataclass
class ScaffoldReport:
    """What scaffolding did to each path (relative to the project directory)."""

    directory: Path
    template: str
    name: str
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _ensure_gitignore_entry(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    lines = {line.strip() for line in text.splitlines()}
    if lines & {".arkor", ".arkor/", "/.arkor", "/.arkor/"}:
        return False
    path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + ".arkor/\n")
    return True


def scaffold_project(directory: Path, template: str, name: str | None = None) -> ScaffoldReport:
    """Copy ``template`` into ``directory`` without overwriting anything.

    ``name`` replaces the run name in ``trainer.py`` (default: from the
    directory name). An unknown template raises :class:`ConfigError` listing
    the valid ones, before anything is written.
    """
    templates = list_templates()
    if template not in templates:
        raise ConfigError(
            f"unknown template {template!r}; choose one of: {', '.join(templates)}"
        )
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} exists and is not a directory")
    run_name = name or project_name_for(directory)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", run_name):
        raise ConfigError(
            f"--name must be letters, digits, '.', '_' or '-' (at most 100) (got {run_name!r})"
        )
    source = templates_root() / template
    report = ScaffoldReport(directory, template, run_name)
    for item in sorted(source.rglob("*")):
        relative = item.relative_to(source)
        if item.is_dir() or _SKIP & set(relative.parts) or item.suffix == ".pyc":
            continue
        target = directory / relative
        key = relative.as_posix()
        if target.exists():
            if key == ".gitignore" and _ensure_gitignore_entry(target):
                report.updated.append(key)
            else:
                report.kept.append(key)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if key == "trainer.py":
            text = item.read_text(encoding="utf-8")
            target.write_text(_NAME_PATTERN.sub(rf'\1"{run_name}"', text, count=1))
        else:
            shutil.copyfile(item, target)
        report.created.append(key)
    return report
