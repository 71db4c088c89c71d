"""Live job events: ``EventHub`` wakes stream subscribers when events are committed, and
:func:`job_event_stream` renders a job's events as Server-Sent Events (protocol §4).

The store is the source of truth: a subscriber always reads events from it, so a
replay after ``Last-Event-ID`` and the live tail are the same code path, and an
event is streamed only after it was committed. The hub carries no data, only
"something changed for job X" wake-ups, so nothing polls SQLite in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator

from arkor.server.store import Store
from arkor.types import TERMINAL_EVENTS

PING_FRAME = b"event: ping\ndata:\n\n"
END_FRAME = b"event: end\ndata:\n\n"


class EventHub:
    """Wake-ups for the subscribers of each job; :meth:`notify` may be called from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: dict[str, set[asyncio.Event]] = {}
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether the backend is shutting down (streams must end)."""
        return self._closed

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach the hub to the event loop that serves the streams."""
        self._loop = loop
        self._closed = False

    def notify(self, job_id: str) -> None:
        """Tell the job's subscribers that new events were committed."""
        self._call_in_loop(self._wake, job_id)

    def close(self) -> None:
        """End every open stream (at shutdown)."""
        self._closed = True
        self._call_in_loop(self._wake_all)

    def _call_in_loop(self, callback: object, *args: str) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop stopped between the check and the call
            loop.call_soon_threadsafe(callback, *args)  # type: ignore[arg-type]

    def _wake(self, job_id: str) -> None:
        for event in self._subscribers.get(job_id, ()):
            event.set()

    def _wake_all(self) -> None:
        for events in self._subscribers.values():
            for event in events:
                event.set()

    @contextlib.contextmanager
    def subscribe(self, job_id: str) -> Iterator[asyncio.Event]:
        """An ``asyncio.Event`` set whenever the job gets new events (or the hub closes)."""
        event = asyncio.Event()
        self._subscribers.setdefault(job_id, set()).add(event)
        try:
            yield event
        finally:
            subscribers = self._subscribers.get(job_id)
            if subscribers is not None:
                subscribers.discard(event)
                if not subscribers:
                    del self._subscribers[job_id]

    def subscriber_count(self, job_id: str) -> int:
        """How many streams currently follow the job."""
        return len(self._subscribers.get(job_id, ()))


async def job_event_stream(
    store: Store, hub: EventHub, job_id: str, after_id: int, ping_interval: float
) -> AsyncIterator[bytes]:
    """SSE frames of a job: every event after ``after_id``, then live ones, then ``end``.

    A ``ping`` goes out whenever nothing was sent for ``ping_interval`` seconds. The
    stream ends with ``end`` once the terminal event was sent (or was already behind
    ``after_id``), and ends without ``end`` when the backend shuts down.
    """
    last_sent = time.monotonic()
    with hub.subscribe(job_id) as wake:
        while True:
            wake.clear()
            # Status first: if the job was already terminal, its terminal event is visible below.
            job = store.job(job_id)
            was_terminal = job is None or job.is_terminal
            events = store.events_after(job_id, after_id)
            for event in events:
                yield event.to_sse()
                after_id = event.id
                if event.type in TERMINAL_EVENTS:
                    yield END_FRAME
                    return
            if events:
                last_sent = time.monotonic()
                continue  # there may be more than one batch to replay
            if was_terminal:
                yield END_FRAME
                return
            if hub.closed:
                return
            remaining = ping_interval - (time.monotonic() - last_sent)
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), remaining)
                continue
            yield PING_FRAME
            last_sent = time.monotonic()
