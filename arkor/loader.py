"""Finding, loading and running a project's ``trainer.py``.

Discovery: an explicit path (a file, or a folder holding ``trainer.py``),
else ``trainer.py`` in the nearest folder from cwd upward. Selection: a
module-level ``arkor`` manifest (from :func:`create_arkor`), else ``trainer``,
else the only :class:`Trainer` instance; anything else is a clear error.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from arkor.callbacks import TrainingResult
from arkor.errors import ArkorError, ConfigError, TrainerLoadError
from arkor.trainer import Trainer

TRAINER_FILE = "trainer.py"


@dataclass(frozen=True)
class Arkor:
    """A project manifest: what ``arkor start`` and ``run_trainer`` pick up."""

    trainer: Trainer


def create_arkor(*, trainer: Trainer) -> Arkor:
    """The project manifest; export it as ``arkor`` from ``trainer.py``."""
    if not isinstance(trainer, Trainer):
        raise ConfigError(
            f"create_arkor(trainer=...) needs a Trainer from create_trainer "
            f"(got {type(trainer).__name__})"
        )
    return Arkor(trainer=trainer)


def find_trainer_file(path: str | Path | None = None, start: Path | None = None) -> Path:
    """The ``trainer.py`` to load (see module docs); :class:`TrainerLoadError` when none."""
    if path is not None:
        candidate = Path(path).expanduser().resolve()
        if candidate.is_dir():
            candidate = candidate / TRAINER_FILE
        if not candidate.is_file():
            raise TrainerLoadError(f"no trainer file at {candidate}")
        return candidate
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / TRAINER_FILE
        if candidate.is_file():
            return candidate
    raise TrainerLoadError(
        f"no {TRAINER_FILE} found in {here} or any parent folder. Create a project with "
        "`arkor init`, or pass the path to your trainer file."
    )


def _user_frame(exc: BaseException, file: Path) -> traceback.FrameSummary | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == file]
    return frames[-1] if frames else None


def load_module(file: Path) -> ModuleType:
    """Execute ``file`` as a fresh module (its folder importable); errors name file and line."""
    module_name = f"arkor_project_{abs(hash(str(file)))}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise TrainerLoadError(f"{file} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    folder = str(file.parent)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        where = f"{exc.filename or file}:{exc.lineno}"
        code = f"\n    {exc.text.rstrip()}" if exc.text else ""
        raise TrainerLoadError(f"{where}: syntax error: {exc.msg}{code}") from None
    except ArkorError as exc:
        frame = _user_frame(exc, file)
        where = f"{file}:{frame.lineno}" if frame else str(file)
        raise type(exc)(f"{where}: {exc}") if isinstance(exc, ConfigError) else exc from None
    except Exception as exc:
        frame = _user_frame(exc, file)
        where = f"{file}:{frame.lineno}" if frame else str(file)
        raise TrainerLoadError(
            f"{where}: loading the trainer raised {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        sys.modules.pop(module_name, None)
        if folder in sys.path:
            sys.path.remove(folder)
    return module


def pick_trainer(module: ModuleType, file: Path) -> Trainer:
    """The trainer a loaded module exports (see module docs)."""
    names = vars(module)
    manifest = names.get("arkor")
    if isinstance(manifest, Arkor):
        return manifest.trainer
    if manifest is not None and not isinstance(manifest, ModuleType):
        raise TrainerLoadError(
            f"{file}: `arkor` must be the result of create_arkor(trainer=...) "
            f"(got {type(manifest).__name__})"
        )
    if isinstance(names.get("trainer"), Trainer):
        return names["trainer"]
    found = {name: value for name, value in names.items() if isinstance(value, Trainer)}
    if len(found) == 1:
        return next(iter(found.values()))
    if found:
        raise TrainerLoadError(
            f"{file} defines several trainers ({', '.join(sorted(found))}); export the one to "
            "run as `trainer`, or as `arkor = create_arkor(trainer=...)`"
        )
    public = sorted(n for n in names if not n.startswith("_"))
    listing = ", ".join(f"{n} ({type(names[n]).__name__})" for n in public) or "nothing"
    raise TrainerLoadError(
        f"{file} defines no trainer: expected `trainer = create_trainer(...)` or "
        f"`arkor = create_arkor(trainer=...)`. Found: {listing}"
    )


def load_trainer(path: str | Path | None = None) -> Trainer:
    """Find, load and select a project's trainer (nothing is submitted)."""
    file = find_trainer_file(path)
    return pick_trainer(load_module(file), file)


def run_trainer(path: str | Path | None = None) -> TrainingResult:
    """Load a project's ``trainer.py``, start the run and wait for its result."""
    return load_trainer(path).wait()
