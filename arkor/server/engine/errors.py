"""Errors the engine raises for problems the user can fix (torch-free).

The worker turns a :class:`TrainingError` into ``training.failed`` with the
message as it is, and an :class:`InferenceError` into a 400 answer, so every
message names the field, row, file or model at fault and what to do.
"""

from __future__ import annotations

from arkor.errors import ArkorError


class EngineError(ArkorError):
    """A problem with a job or a request that the user can fix; the message says which."""


class TrainingError(EngineError):
    """A training job cannot run as configured (bad config, dataset, model or device)."""


class InferenceError(EngineError):
    """A chat request cannot be answered (unknown model, missing adapter, prompt too long)."""


class ModelLoadError(TrainingError, InferenceError):
    """The model named in a job or a chat request cannot be loaded."""
