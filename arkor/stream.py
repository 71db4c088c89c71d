"""Reading a job's event stream (protocol §4): resume, backoff, idle watchdog, abort.

:class:`EventStream` yields the JSON events of one job in order, exactly once,
across reconnects. Every blocking network call (connect, headers, reads) runs
in a reader thread per connection; the consuming thread only waits on a queue
with short timeouts, so an abort or a silent stream is noticed within a
fraction of a second wherever the connection is stuck.

Reconnect rules: 401/403/410/426 on open are permanent; other statuses and
network errors are transient. A clean end of stream (or ``idle_timeout``
seconds of silence) after at least one parsed event reconnects at the base
delay without counting a failure; an open failure, a read error, or a stream
that ends without a parsed event (pings and garbage only) counts one.
``Last-Event-ID`` advances on every complete frame that carries an id, pings
included; an unfinished frame at end of stream is discarded.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from arkor.errors import AbortedError, CloudApiError, ConfigError, StreamError
from arkor.validation import (
    NonNegativeInt,
    NonNegativeNumber,
    PositiveNumber,
    describe_validation_error,
)

if TYPE_CHECKING:
    import requests

PERMANENT_STATUSES = frozenset({401, 403, 410, 426})
_POLL_S = 0.1
_READ_SIZE = 1 << 16


class ReconnectPolicy(BaseModel):
    """How ``wait()`` keeps a job's event stream alive.

    ``initial_delay`` and ``max_delay`` bound the exponential backoff (seconds,
    ±25% jitter); ``max_attempts`` is how many consecutive failed reconnects are
    allowed (None: unlimited); a stream silent for ``idle_timeout`` seconds is
    treated as dropped (None: never).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    initial_delay: NonNegativeNumber = 1.0
    max_delay: NonNegativeNumber = 60.0
    max_attempts: NonNegativeInt | None = None
    idle_timeout: PositiveNumber | None = 45.0

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, prefix="reconnect")) from None

    def backoff(self, attempt: int) -> float:
        """Delay before reconnect number ``attempt`` (0-based): ``min(base * 2^n, cap)`` ±25%."""
        exp = min(self.initial_delay * (2**attempt), self.max_delay)
        jitter = exp * (random.random() * 0.5 - 0.25)
        return max(0.0, min(self.max_delay, exp + jitter))


@dataclass(slots=True)
class SSEFrame:
    """One complete server-sent event."""

    id: str | None
    event: str
    data: str


def parse_frame(block: bytes) -> SSEFrame | None:
    """A frame from the lines of one event block; None for comment-only blocks."""
    lines = block.decode("utf-8", "replace").split("\n")
    if (
        len(lines) == 3
        and lines[0].startswith("id: ")
        and lines[1].startswith("event: ")
        and lines[2].startswith("data: ")
    ):
        # The shape every arkor backend sends; same result as the general loop below.
        raw_id = lines[0][4:]
        return SSEFrame(
            raw_id if raw_id and "\0" not in raw_id else None,
            lines[1][7:] or "message",
            lines[2][6:],
        )
    event_id: str | None = None
    event = ""
    data: list[str] = []
    for line in lines:
        if not line or line[0] == ":":
            continue
        field, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value
        elif field == "id":
            if value and "\0" not in value:  # an empty id would restart the replay
                event_id = value
    if event_id is None and not data and not event:
        return None
    return SSEFrame(event_id, event or "message", "\n".join(data))


class SSEParser:
    """Incremental SSE parser: feed bytes, get complete frames (CR, LF and CRLF line ends)."""

    def __init__(self) -> None:
        self._buffer = b""  # line ends already normalised to LF
        self._after_cr = False  # the last chunk ended with CR: a leading LF completes a CRLF

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        """Frames completed by ``chunk``; a partial frame stays buffered."""
        if self._after_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        # A trailing CR ends its line now (a frame ending in CR CR is complete at once);
        # should the next chunk start with LF, that LF is the rest of this CRLF.
        self._after_cr = chunk.endswith(b"\r")
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        data = self._buffer + chunk
        blocks = data.split(b"\n\n")
        self._buffer = blocks.pop()
        frames = []
        for block in blocks:
            frame = parse_frame(block)
            if frame is not None:
                frames.append(frame)
        return frames


@dataclass(slots=True)
class _Failed:
    error: BaseException


_EOF = object()
_SILENT = object()  # idle_timeout passed without a byte: handled like an end of stream
_OPENED = object()  # headers arrived: activity for the idle watchdog


class _ConnectionReader(threading.Thread):
    """Opens one connection and pushes batches of frames (or its end) to a queue."""

    def __init__(self, open_stream: Callable[[], requests.Response]) -> None:
        super().__init__(daemon=True, name="arkor-sse-reader")
        self.items: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._open_stream = open_stream
        self._response: requests.Response | None = None
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            response = self._open_stream()
        except BaseException as exc:
            self.items.put(_Failed(exc))
            return
        self._response = response
        if self._stopped.is_set():
            response.close()
            return
        self.items.put(_OPENED)
        parser = SSEParser()
        raw = response.raw
        try:
            while True:
                chunk = raw.read1(_READ_SIZE, decode_content=True)
                if not chunk:
                    break
                self.items.put(parser.feed(chunk))
            self.items.put(_EOF)
        except BaseException as exc:
            self.items.put(_Failed(exc))
        finally:
            response.close()

    def stop(self) -> None:
        """Unblock and end the reader (it may still be opening)."""
        self._stopped.set()
        response = self._response
        if response is not None:
            try:
                response.raw.shutdown()  # unblocks a read in progress (urllib3 >= 2.3)
            except (AttributeError, OSError, RuntimeError, ValueError):
                pass  # urllib3 raises these once the response is closed or released: nothing blocks
            response.close()


class EventStream:
    """The JSON events of one job, in order, across reconnects.

    ``open_stream(last_event_id, read_timeout)`` opens one connection (raising
    :class:`CloudApiError` for non-2xx). Iterating yields each event's decoded
    JSON object and stops after an ``end`` frame. ``last_event_id`` is the id
    to resume after. Raises :class:`AbortedError` when ``abort`` is set, the
    permanent :class:`CloudApiError` on 401/403/410/426, and
    :class:`StreamError` once ``policy.max_attempts`` is exhausted.
    """

    def __init__(
        self,
        open_stream: Callable[[str | None, float | None], requests.Response],
        policy: ReconnectPolicy | None = None,
        abort: threading.Event | None = None,
        last_event_id: str | None = None,
    ) -> None:
        self._open_stream = open_stream
        self.policy = policy or ReconnectPolicy()
        self.abort = abort or threading.Event()
        self.last_event_id = last_event_id
        self.failures = 0
        self.connections = 0

    def _sleep(self, seconds: float) -> None:
        if self.abort.wait(seconds):
            raise AbortedError("wait() was aborted by abort_signal while reconnecting")

    def _fail(self, error: BaseException) -> None:
        """Count one failed connection; back off, or give up past max_attempts."""
        limit = self.policy.max_attempts
        if limit is not None and self.failures >= limit:
            raise StreamError(
                f"the job's event stream failed {self.failures + 1} time(s) in a row; "
                f"giving up (last error: {error})"
            ) from error
        self._sleep(self.policy.backoff(self.failures))
        self.failures += 1

    def _connect(self) -> _ConnectionReader:
        last_id = self.last_event_id
        idle = self.policy.idle_timeout
        # The socket timeout is only a backstop; the watchdog below notices silence first.
        read_timeout = idle + 5.0 if idle is not None else None
        reader = _ConnectionReader(lambda: self._open_stream(last_id, read_timeout))
        reader.start()
        self.connections += 1
        return reader

    def __iter__(self) -> Iterator[dict[str, Any]]:
        idle = self.policy.idle_timeout
        while True:
            reader = self._connect()
            progressed = False
            outcome: Any = None
            last_activity = time.monotonic()
            try:
                while outcome is None:
                    if self.abort.is_set():
                        raise AbortedError("wait() was aborted by abort_signal")
                    wait_s = _POLL_S
                    if idle is not None:
                        remaining = idle - (time.monotonic() - last_activity)
                        if remaining <= 0:
                            outcome = _SILENT  # silent for too long: treat as dropped
                            break
                        wait_s = min(wait_s, remaining)
                    try:
                        item = reader.items.get(timeout=wait_s)
                    except queue.Empty:
                        continue
                    last_activity = time.monotonic()
                    if isinstance(item, list):
                        for frame in item:
                            if self.abort.is_set():  # one read may hold many slow callbacks
                                raise AbortedError("wait() was aborted by abort_signal")
                            if frame.id is not None:
                                self.last_event_id = frame.id
                            if frame.event == "ping":
                                continue
                            if frame.event == "end":
                                return
                            try:
                                event = json.loads(frame.data)
                            except ValueError:
                                continue
                            if not isinstance(event, dict):
                                continue
                            progressed = True
                            self.failures = 0
                            yield event
                    elif item is _OPENED:
                        continue
                    else:
                        outcome = item
            finally:
                reader.stop()
            if isinstance(outcome, _Failed):
                error = outcome.error
                if isinstance(error, CloudApiError) and error.status in PERMANENT_STATUSES:
                    raise error
                if not isinstance(error, Exception):
                    raise error  # KeyboardInterrupt and friends
                self._fail(error)
            elif progressed:
                self._sleep(self.policy.initial_delay)
            elif outcome is _SILENT:
                self._fail(StreamError(f"the stream sent nothing for {idle:g} s (idle_timeout)"))
            else:
                self._fail(StreamError("the stream ended without any event"))
