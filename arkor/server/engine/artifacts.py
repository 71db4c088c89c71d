"""The layout of a job's artifacts under ``jobDir``, and writing and finding them.

::

    <jobDir>/checkpoints/step-<N>/   a peft adapter folder saved every saveSteps
    <jobDir>/final/                  the adapter after the last step
    <jobDir>/base-model/             arkor/tiny jobs only: the base the adapters belong to

Each adapter folder is a standard peft folder (``adapter_config.json``,
``adapter_model.safetensors``) plus the tokenizer files with the chat template
used in training, so ``PeftModel.from_pretrained(base, folder)`` loads it as it
is. Its ``base_model_name_or_path`` is the model id of the job. ``arkor/tiny``
is randomly initialised and cannot be downloaded, so its jobs also keep the
exact base weights in ``base-model/`` beside the adapters (about 3 MB):
:func:`base_model_for_adapter` finds it from any adapter folder of the job.
A folder is written under a temporary name and renamed into place, so a
folder that exists is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from arkor.server.engine.errors import InferenceError

CHECKPOINTS = "checkpoints"
FINAL = "final"
BASE_MODEL = "base-model"


def checkpoint_folder(job_dir: Path, step: int) -> Path:
    """Where the checkpoint of ``step`` lives."""
    return job_dir / CHECKPOINTS / f"step-{step}"


def folder_artifacts(job_dir: Path, folder: Path) -> list[dict[str, Any]]:
    """``{"path", "bytes"}`` of every file under ``folder``, paths relative to ``job_dir``."""
    return [
        {"path": path.relative_to(job_dir).as_posix(), "bytes": path.stat().st_size}
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def save_adapter(model: Any, tokenizer: Any, folder: Path) -> None:
    """Save the peft ``model``'s adapter and the ``tokenizer`` as one complete folder."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        # The vocabulary is never resized, so peft need not look the base model up online.
        model.save_pretrained(staging, save_embedding_layers=False)
        tokenizer.save_pretrained(staging)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_base_copy(source: Path, job_dir: Path) -> Path:
    """Copy the base model folder ``source`` to ``<job_dir>/base-model`` (once)."""
    target = job_dir / BASE_MODEL
    if not (target / "config.json").is_file():
        staging = Path(tempfile.mkdtemp(prefix=f".{BASE_MODEL}-", dir=job_dir))
        try:
            shutil.copytree(source, staging, dirs_exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def adapter_base_model(adapter_dir: Path) -> str:
    """The base model id recorded in an adapter folder's ``adapter_config.json``."""
    config_path = adapter_dir / "adapter_config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InferenceError(
            f"{adapter_dir} is not an adapter folder (no adapter_config.json)"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise InferenceError(f"{config_path} cannot be read: {exc}") from exc
    base = config.get("base_model_name_or_path")
    if not isinstance(base, str) or not base:
        raise InferenceError(f"{config_path} does not name its base model")
    return base


def base_model_for_adapter(adapter_dir: Path) -> Path | None:
    """The ``base-model/`` folder of the job an adapter folder belongs to, if it kept one."""
    for job_dir in (adapter_dir.parent, adapter_dir.parent.parent):
        candidate = job_dir / BASE_MODEL
        if (candidate / "config.json").is_file():
            return candidate
    return None
