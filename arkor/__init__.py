"""arkor: fine-tune open-weight LLMs from code.

Declare a run with :func:`create_trainer`, then ``trainer.wait()`` (or
``arkor start``) trains it on a backend and streams events into your
callbacks. With no backend configured, the embedded local backend
(``arkor server``) is started on demand and trains on this machine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from arkor._version import __version__

if TYPE_CHECKING:
    from arkor.callbacks import (
        Callbacks,
        CancelledContext,
        CheckpointContext,
        CompletedContext,
        FailedContext,
        LogContext,
        StartedContext,
        StartedJob,
        TrainingResult,
    )
    from arkor.errors import (
        AbortedError,
        ArkorError,
        BackendUnreachableError,
        CloudApiError,
        ConfigError,
        StreamError,
        TrainerLoadError,
        UpgradeRequiredError,
    )
    from arkor.inference import ChatCompletion
    from arkor.loader import Arkor, create_arkor, load_trainer, run_trainer
    from arkor.project import ArkorProject, open_project
    from arkor.stream import ReconnectPolicy
    from arkor.trainer import Trainer, create_trainer
    from arkor.types import Artifact, TrainingJob

_EXPORTS = {
    "AbortedError": "arkor.errors",
    "Arkor": "arkor.loader",
    "ArkorError": "arkor.errors",
    "ArkorProject": "arkor.project",
    "Artifact": "arkor.types",
    "BackendUnreachableError": "arkor.errors",
    "Callbacks": "arkor.callbacks",
    "CancelledContext": "arkor.callbacks",
    "ChatCompletion": "arkor.inference",
    "CheckpointContext": "arkor.callbacks",
    "CloudApiError": "arkor.errors",
    "CompletedContext": "arkor.callbacks",
    "ConfigError": "arkor.errors",
    "FailedContext": "arkor.callbacks",
    "LogContext": "arkor.callbacks",
    "ReconnectPolicy": "arkor.stream",
    "StartedContext": "arkor.callbacks",
    "StartedJob": "arkor.callbacks",
    "StreamError": "arkor.errors",
    "Trainer": "arkor.trainer",
    "TrainerLoadError": "arkor.errors",
    "TrainingJob": "arkor.types",
    "TrainingResult": "arkor.callbacks",
    "UpgradeRequiredError": "arkor.errors",
    "create_arkor": "arkor.loader",
    "create_trainer": "arkor.trainer",
    "load_trainer": "arkor.loader",
    "open_project": "arkor.project",
    "run_trainer": "arkor.loader",
}


def __getattr__(name: str) -> Any:
    """Load public names on first use, so ``import arkor`` stays fast."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'arkor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AbortedError",
    "Arkor",
    "ArkorError",
    "ArkorProject",
    "Artifact",
    "BackendUnreachableError",
    "Callbacks",
    "CancelledContext",
    "ChatCompletion",
    "CheckpointContext",
    "CloudApiError",
    "CompletedContext",
    "ConfigError",
    "FailedContext",
    "LogContext",
    "ReconnectPolicy",
    "StartedContext",
    "StartedJob",
    "StreamError",
    "Trainer",
    "TrainerLoadError",
    "TrainingJob",
    "TrainingResult",
    "UpgradeRequiredError",
    "__version__",
    "create_arkor",
    "create_trainer",
    "load_trainer",
    "open_project",
    "run_trainer",
]
