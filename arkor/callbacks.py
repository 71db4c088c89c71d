"""Lifecycle callbacks, the context each receives, and the results of a run.

Every callback takes one context argument. Plain functions are called; an
``async def`` callback is awaited (on a private event loop, one per ``wait()``).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from arkor.errors import ConfigError
from arkor.types import Artifact, TrainingJob

if TYPE_CHECKING:
    import asyncio

    from arkor.inference import ChatCompletion

CALLBACK_NAMES = (
    "on_started", "on_log", "on_checkpoint", "on_completed", "on_failed", "on_cancelled",
)


@dataclass(slots=True)
class StartedContext:
    """``on_started``: the job has begun training."""

    job: TrainingJob
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class LogContext:
    """``on_log``: one logged step; any metric may be None."""

    step: int
    loss: float | None
    eval_loss: float | None
    learning_rate: float | None
    epoch: float | None
    samples_per_second: float | None
    job: TrainingJob


@dataclass(slots=True)
class CheckpointContext:
    """``on_checkpoint``: a checkpoint was saved; ``infer`` chats with it."""

    step: int
    adapter: dict[str, Any]
    job: TrainingJob
    artifacts: list[Artifact]
    infer: Callable[..., ChatCompletion | Iterator[str]]


@dataclass(slots=True)
class CompletedContext:
    """``on_completed``: training finished; ``artifacts`` are the final adapter's files."""

    job: TrainingJob
    artifacts: list[Artifact]
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FailedContext:
    """``on_failed``: training failed with ``error``."""

    job: TrainingJob
    error: str


@dataclass(slots=True)
class CancelledContext:
    """``on_cancelled``: the job was cancelled (extension event ``training.cancelled``)."""

    job: TrainingJob
    step: int | None = None


@dataclass(slots=True)
class StartedJob:
    """What ``Trainer.start()`` returns: the backend's job id and the job."""

    job_id: str
    job: TrainingJob


@dataclass(slots=True)
class TrainingResult:
    """What ``Trainer.wait()`` returns once the job is over (completed, failed or cancelled)."""

    job: TrainingJob
    artifacts: list[Artifact] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class Callbacks:
    """The lifecycle callbacks of a trainer; each is optional and takes one context."""

    on_started: Callable[[StartedContext], Any] | None = None
    on_log: Callable[[LogContext], Any] | None = None
    on_checkpoint: Callable[[CheckpointContext], Any] | None = None
    on_completed: Callable[[CompletedContext], Any] | None = None
    on_failed: Callable[[FailedContext], Any] | None = None
    on_cancelled: Callable[[CancelledContext], Any] | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None and not callable(value):
                raise ConfigError(
                    f"callbacks.{item.name} must be callable (got {type(value).__name__})"
                )

    @classmethod
    def coerce(cls, value: Callbacks | dict[str, Any] | None) -> Callbacks:
        """A :class:`Callbacks` from a ``Callbacks``, a dict of the same names, or None."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(CALLBACK_NAMES))
            if unknown:
                raise ConfigError(
                    f"callbacks.{unknown[0]} is not a known callback "
                    f"(known: {', '.join(CALLBACK_NAMES)})"
                )
            return cls(**value)
        raise ConfigError(
            f"callbacks must be a Callbacks(...) or a dict (got {type(value).__name__})"
        )

    def merged_with(self, other: Callbacks) -> Callbacks:
        """Callbacks that run ``other``'s after this one's for each event (the CLI's view)."""

        def both(first: Callable[..., Any] | None, second: Callable[..., Any] | None) -> Any:
            if first is None or second is None:
                return first or second

            def run_both(ctx: Any) -> Any:
                outcome = first(ctx)
                if outcome is None or not inspect.isawaitable(outcome):
                    return second(ctx)

                async def in_order() -> None:  # awaited by the CallbackRunner, like any other
                    await outcome
                    after = second(ctx)
                    if after is not None and inspect.isawaitable(after):
                        await after

                return in_order()

            return run_both

        return Callbacks(**{
            name: both(getattr(self, name), getattr(other, name)) for name in CALLBACK_NAMES
        })


class CallbackRunner:
    """Calls callbacks one at a time, awaiting ``async def`` ones."""

    def __init__(self, callbacks: Callbacks) -> None:
        self.callbacks = callbacks
        self._loop: asyncio.AbstractEventLoop | None = None

    def call(self, name: str, ctx: Any) -> None:
        """Run callback ``name`` with ``ctx`` if it is set; its exception propagates."""
        callback = getattr(self.callbacks, name)
        if callback is None:
            return
        outcome = callback(ctx)
        if outcome is not None and inspect.isawaitable(outcome):
            self._await(outcome)

    def has(self, name: str) -> bool:
        """Whether callback ``name`` is set (so its context is worth building)."""
        return getattr(self.callbacks, name) is not None

    def _await(self, awaitable: Any) -> None:
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(awaitable)
            return
        self._run_in_thread(awaitable)  # this thread already runs a loop: use another

    @staticmethod
    def _run_in_thread(awaitable: Any) -> None:
        """Run ``awaitable`` to completion from sync code, even under a running loop."""
        import asyncio

        failure: list[BaseException] = []

        async def main() -> None:
            await awaitable

        def target() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:
                failure.append(exc)

        thread = threading.Thread(target=target, name="arkor-async-callback")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    def close(self) -> None:
        """Release the private event loop."""
        if self._loop is not None:
            self._loop.close()
            self._loop = None
