"""The training and inference engine: the only package that imports torch.

It runs inside worker subprocesses only (never in the server process), so the
server starts fast and a crash in training never takes it down.

Public surface (stable; the runner and the inference worker depend on it):

``train_job(spec, emit, should_stop) -> None``
    Runs one job end to end. ``spec`` is a JSON-able dict::

        {"jobId": str, "config": <JobConfig, camelCase, already validated>,
         "datasetFile": str | None,   # local JSONL for "upload" sources
         "jobDir": str,               # every artifact goes under here
         "modelsDir": str,            # cache (arkor/tiny build, downloaded models)
         "seed": int}

    ``emit(event_type, payload)`` is called with protocol §4 payloads without
    ``type``/``jobId``/``timestamp`` (the runner adds those): ``training.started``
    (``metadata``), ``training.log`` (``step``, ``loss``, ``learningRate``,
    ``epoch``, ``samplesPerSecond``, ``evalLoss`` on eval steps),
    ``checkpoint.saved`` (``step``, ``artifacts``), ``training.completed``
    (``metrics``, ``artifacts``) and ``training.cancelled`` (``step``) when
    ``should_stop()`` turned true (checked after every optimizer step).
    Artifact paths are relative to ``jobDir``. A problem the user can fix
    raises :class:`TrainingError`; the worker turns it into ``training.failed``.

``ChatEngine(models_dir, cache_size)``: ``.chat(target, messages, temperature=,
top_p=, max_tokens=)`` returns a :class:`ChatStream` of text deltas (with
``usage`` and ``finish_reason`` once exhausted). ``target`` is
``{"baseModel": id}`` or ``{"adapterDir": path}``.

``warm_up()`` imports torch, transformers and peft ahead of the first job.
Importing this package (or ``names``, ``errors``, ``demo_dataset``) does not
import torch; ``train_job``, ``ChatEngine`` and ``ChatStream`` load on first use.

Modules: ``names`` (accepted optimizer and schedule names, torch-free),
``errors``, ``hyperparams`` (defaults per model), ``tiny`` (the built-in
``arkor/tiny`` demo/test model), ``models`` (loading), ``data`` (dataset
sources), ``encoding`` (chat template, loss masks, batches), ``optimization``
(LoRA, optimizer, schedule), ``artifacts`` (the job folder layout), ``train``,
``inference`` and ``demo_dataset`` (synthetic triage data for demos and tests).
"""

from __future__ import annotations

import importlib
from typing import Any

from arkor.server.engine.errors import EngineError, InferenceError, ModelLoadError, TrainingError

# Heavy names load on first use, so ``arkor.server.engine.names`` (and this
# package) can be imported by the server without pulling in torch.
_LAZY = {
    "train_job": "arkor.server.engine.train",
    "ChatEngine": "arkor.server.engine.inference",
    "ChatStream": "arkor.server.engine.inference",
}

__all__ = [
    "ChatEngine",
    "ChatStream",
    "EngineError",
    "InferenceError",
    "ModelLoadError",
    "TrainingError",
    "train_job",
    "warm_up",
]


def warm_up() -> None:
    """Import torch, transformers and peft now, so a prewarmed worker starts jobs at once."""
    for module in sorted(set(_LAZY.values())):
        importlib.import_module(module)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
