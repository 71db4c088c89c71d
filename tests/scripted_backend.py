"""A scriptable backend on loopback that speaks the protocol the SDK needs.

(PYTEST_DONT_REWRITE: test modules load this file as a plugin after importing it.)

:class:`ScriptedBackend` is a real HTTP/1.1 server (stdlib ``ThreadingHTTPServer``
on ``127.0.0.1``, a free port) that implements the routes the SDK calls, keeps
their state in plain attributes the test can read and change, and records every
request it receives. The job event stream is scripted per connection.

Routes (protocol sections in ``shared/protocol.md``):

- ``POST /v1/auth/anonymous`` (§2): a new identity ``tok-<n>`` in org ``anon-org-<n>``.
- ``GET /v1/projects``, ``POST /v1/projects`` (§2): per-org projects in
  :attr:`ScriptedBackend.projects`; 409 when the slug exists.
- ``POST /v1/jobs``, ``GET /v1/jobs``, ``GET /v1/jobs/{id}``,
  ``POST /v1/jobs/{id}/cancel`` (§3): jobs ``job-1``, ``job-2``... in
  :attr:`ScriptedBackend.jobs`; ``GET`` reports a job updated with
  :attr:`ScriptedBackend.job_overrides`; cancel answers :attr:`ScriptedBackend.cancel_status`.
- ``POST /v1/datasets`` (§5 extension): stores the body, answers ``ds-<n>``.
- ``POST /v1/inference/chat`` (§6): answers :attr:`ScriptedBackend.chat_deltas`,
  as chunks when ``stream`` is true, as one completion otherwise.
- ``GET /v1/jobs/{id}/events/stream`` (§4): each connection plays the next
  *connection script* queued with :meth:`ScriptedBackend.script_streams` (then
  :attr:`ScriptedBackend.stream_fallback`, by default a 410 that makes a test
  fail loudly when the SDK connects more often than scripted).

Every route except ``/v1/auth/anonymous`` wants ``Authorization: Bearer <token>``
(401 otherwise). :meth:`ScriptedBackend.respond` queues a canned answer for any
route, ahead of its normal behaviour (error bodies, 426, ``Deprecation`` headers).

A connection script is a list of actions, played in order:

- :class:`Replay` (``count`` journal events after the connection's resume point),
  optionally with other line endings or each frame split across two writes;
- :class:`Partial`: the first bytes of the next journal frame, never finished;
- :class:`Raw`: any bytes (crafted frames, garbage); :func:`sse_frame` builds frames;
- :class:`Ping`, :class:`End`: a keepalive (optionally with an id) and ``event: end``;
- :class:`Sleep`, :class:`Stall`: pause, or stay silent until the client leaves;
- :class:`Close` (a clean end, also implied after the last action), :class:`Reset`
  (a TCP reset), :class:`Break` (a transfer cut short: the client reads everything
  sent, then fails);
- :class:`Status` (first action only): answer that status and body instead of a stream;
- :class:`NoHeaders` (first action only): never answer at all.

The journal (:attr:`ScriptedBackend.events`, filled with :meth:`add_events` and the
event builders :func:`started`, :func:`log`, :func:`checkpoint`, :func:`completed`,
:func:`failed`, :func:`cancelled`) numbers events 1, 2, 3...; a connection resumes
after its ``Last-Event-ID`` like a real backend. Stream responses use chunked
transfer encoding (as uvicorn does) unless ``chunked=False``.

Shutting down (:meth:`ScriptedBackend.close`, or leaving the ``with`` block)
never hangs on open streams: sleeping and stalling actions wake up, and every
open socket is shut down.

Example::

    def test_resume(scripted, sdk_env):
        scripted.add_events(started(), log(1), completed())
        scripted.script_streams([Replay(2), Break()], [Replay()])
        result = sdk_env.trainer().wait()
        assert scripted.resume_ids == [None, "2"]

Fixtures: ``scripted`` (a running :class:`ScriptedBackend`) and ``sdk_env`` (a
temp ``HOME`` and project folder, ``ARKOR_CLOUD_API_URL`` pointing at
``scripted``, and :meth:`SdkEnv.trainer` to build trainers with a fast reconnect
policy). A test module gets them with ``pytest_plugins = ["scripted_backend"]``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

# --- what the server records ------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: CaseInsensitiveDict[str]
    body: bytes
    received_at: float  # time.monotonic()

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


@dataclass
class StreamConnection:
    """One connection to the event stream route and how it ended."""

    request: RecordedRequest
    resumed_after: int
    ended_by: str | None = None  # "script", "client" (it hung up) or "shutdown"
    ended: threading.Event = field(default_factory=threading.Event)

    def finish(self, how: str) -> None:
        if self.ended_by is None:
            self.ended_by = how
        self.ended.set()


# --- the journal of job events ----------------------------------------------------


@dataclass(frozen=True)
class JournalEvent:
    """A job event the backend serves under id ``id`` (1, 2, 3...)."""

    id: int
    type: str
    fields: dict[str, Any]

    def data(self, job_id: str) -> dict[str, Any]:
        """The event's JSON data as the protocol spells it."""
        timestamp = f"2026-01-01T00:{self.id // 60 % 60:02d}:{self.id % 60:02d}Z"
        return {"type": self.type, "jobId": job_id, "timestamp": timestamp, **self.fields}

    def frame(self, job_id: str, line_end: str = "\n") -> bytes:
        """The event as one SSE frame."""
        return sse_frame(
            id=str(self.id), event=self.type, data=json.dumps(self.data(job_id)),
            line_end=line_end,
        )


def sse_frame(
    *, id: str | None = None, event: str | None = None, data: str | None = "",
    line_end: str = "\n",
) -> bytes:
    """One SSE frame: ``id:``, ``event:`` and ``data:`` lines, then a blank line."""
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    if data is not None:
        lines.extend(f"data: {part}" if part else "data:" for part in data.split("\n"))
    return (line_end.join(lines) + line_end * 2).encode()


def started(**metadata: Any) -> tuple[str, dict[str, Any]]:
    """A ``training.started`` event (for :meth:`ScriptedBackend.add_events`)."""
    return "training.started", ({"metadata": metadata} if metadata else {})


def log(step: int, **metrics: Any) -> tuple[str, dict[str, Any]]:
    """A ``training.log`` event; ``metrics`` in wire spelling (``loss``, ``learningRate``...)."""
    return "training.log", {"step": step, **metrics}


def checkpoint(step: int, artifacts: list[dict[str, Any]] | None = None) -> tuple[str, dict]:
    """A ``checkpoint.saved`` event."""
    fields: dict[str, Any] = {"step": step}
    if artifacts is not None:
        fields["artifacts"] = artifacts
    return "checkpoint.saved", fields


def completed(
    artifacts: list[dict[str, Any]] | None = None, metrics: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """A ``training.completed`` event."""
    fields: dict[str, Any] = {}
    if artifacts is not None:
        fields["artifacts"] = artifacts
    if metrics is not None:
        fields["metrics"] = metrics
    return "training.completed", fields


def failed(error: str, step: int | None = None) -> tuple[str, dict[str, Any]]:
    """A ``training.failed`` event."""
    return "training.failed", {"error": error, **({"step": step} if step is not None else {})}


def cancelled(step: int | None = None) -> tuple[str, dict[str, Any]]:
    """A ``training.cancelled`` event (extension)."""
    return "training.cancelled", ({"step": step} if step is not None else {})


# --- connection script actions ----------------------------------------------------


class _ScriptOver(Exception):
    """The connection is finished (closed, reset, or the client/server went away)."""


class Action:
    """One step of a connection script."""

    def play(self, conn: _StreamPlayer) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Replay(Action):
    """Send the next ``count`` journal events (all remaining when None), one write each.

    ``line_end`` frames them with other line endings (``"\\r\\n"``, ``"\\r"``);
    ``split_at`` writes each frame in two parts, that many bytes first, with
    ``pause`` seconds between the parts.
    """

    count: int | None = None
    line_end: str = "\n"
    split_at: int | None = None
    pause: float = 0.02

    def play(self, conn: _StreamPlayer) -> None:
        pending = [e for e in conn.backend.events if e.id > conn.cursor]
        for event in pending[: self.count] if self.count is not None else pending:
            frame = event.frame(conn.job_id, self.line_end)
            if self.split_at is None:
                conn.write(frame)
            else:
                conn.write(frame[: self.split_at])
                conn.sleep(self.pause)
                conn.write(frame[self.split_at :])
            conn.cursor = event.id


@dataclass(frozen=True)
class Partial(Action):
    """Send the first ``size`` bytes of the next journal frame (default: all but its
    last byte), never completing it; the resume point does not move."""

    size: int | None = None

    def play(self, conn: _StreamPlayer) -> None:
        pending = [e for e in conn.backend.events if e.id > conn.cursor]
        frame = pending[0].frame(conn.job_id)
        conn.write(frame[: self.size if self.size is not None else len(frame) - 1])


@dataclass(frozen=True)
class Raw(Action):
    """Send these bytes as they are, in one write."""

    data: bytes | str

    def play(self, conn: _StreamPlayer) -> None:
        conn.write(self.data.encode() if isinstance(self.data, str) else self.data)


@dataclass(frozen=True)
class Ping(Action):
    """A ``ping`` keepalive frame (empty data), with an ``id:`` when given."""

    id: str | None = None
    line_end: str = "\n"

    def play(self, conn: _StreamPlayer) -> None:
        conn.write(sse_frame(id=self.id, event="ping", data="", line_end=self.line_end))


@dataclass(frozen=True)
class End(Action):
    """The ``end`` frame: the server will send nothing more."""

    line_end: str = "\n"

    def play(self, conn: _StreamPlayer) -> None:
        conn.write(sse_frame(event="end", data="", line_end=self.line_end))


@dataclass(frozen=True)
class Sleep(Action):
    """Pause (the headers are sent first, so the client sees a silent stream)."""

    seconds: float

    def play(self, conn: _StreamPlayer) -> None:
        conn.send_headers()
        conn.sleep(self.seconds)


@dataclass(frozen=True)
class Stall(Action):
    """Send the headers, then stay silent until the client leaves or the server stops."""

    def play(self, conn: _StreamPlayer) -> None:
        conn.send_headers()
        conn.hold()


@dataclass(frozen=True)
class NoHeaders(Action):
    """Never answer: not even a status line (until the client leaves or the server stops)."""

    def play(self, conn: _StreamPlayer) -> None:
        conn.hold()


@dataclass(frozen=True)
class Close(Action):
    """End the response cleanly (the last chunk) and close the connection."""

    def play(self, conn: _StreamPlayer) -> None:
        conn.send_headers()
        if conn.chunked:
            conn.send_raw(b"0\r\n\r\n")
        raise _ScriptOver("script")


@dataclass(frozen=True)
class Reset(Action):
    """Abort the connection with a TCP reset (a network error for the client).

    A reset discards whatever the client has not read yet, so the server first
    waits ``delay`` seconds for it to read what was sent.
    """

    delay: float = 0.2

    def play(self, conn: _StreamPlayer) -> None:
        if conn.headers_sent:
            conn.sleep(self.delay)
        conn.reset()
        raise _ScriptOver("script")


@dataclass(frozen=True)
class Break(Action):
    """Cut the response in the middle of a chunk and close: a broken transfer (a network
    error for the client) that, unlike :class:`Reset`, delivers everything sent before.
    Chunked responses only."""

    def play(self, conn: _StreamPlayer) -> None:
        if not conn.chunked:
            raise RuntimeError("Break needs a chunked response; use Reset")
        conn.send_headers()
        conn.send_raw(b"100\r\ncut short")
        raise _ScriptOver("script")


@dataclass(frozen=True)
class Status(Action):
    """Answer ``status`` with a body (a dict is sent as JSON) instead of a stream."""

    status: int
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def play(self, conn: _StreamPlayer) -> None:
        if conn.headers_sent:
            raise RuntimeError("Status must be the first action of a connection script")
        conn.handler.send_body(self.status, self.body, self.headers, close=True)
        raise _ScriptOver("script")


class _StreamPlayer:
    """Plays one connection script on one stream connection."""

    def __init__(
        self, handler: _Handler, record: StreamConnection, job_id: str, chunked: bool
    ) -> None:
        self.handler = handler
        self.backend: ScriptedBackend = handler.server.backend  # type: ignore[attr-defined]
        self.record = record
        self.job_id = job_id
        self.chunked = chunked
        self.cursor = record.resumed_after
        self.headers_sent = False

    def send_raw(self, data: bytes) -> None:
        try:
            self.handler.wfile.write(data)
        except OSError:
            raise _ScriptOver("client") from None

    def send_headers(self) -> None:
        if self.headers_sent:
            return
        self.headers_sent = True
        lines = ["HTTP/1.1 200 OK", "Content-Type: text/event-stream", "Cache-Control: no-cache",
                 "Connection: close"]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())

    def write(self, data: bytes) -> None:
        self.send_headers()
        if not data:
            return
        self.send_raw(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)

    def sleep(self, seconds: float) -> None:
        if self.backend.closing.wait(seconds):
            raise _ScriptOver("shutdown")

    def hold(self) -> None:
        """Wait until the client closes the connection or the server shuts down."""
        sock = self.handler.connection
        while not self.backend.closing.wait(0.02):
            try:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable and not sock.recv(1, socket.MSG_PEEK):
                    raise _ScriptOver("client")
            except (OSError, ValueError):
                raise _ScriptOver("client") from None
        raise _ScriptOver("shutdown")

    def reset(self) -> None:
        sock = self.handler.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            return
        self.handler.reset_on_finish = True

    def play(self, script: list[Action]) -> None:
        try:
            for action in script:
                action.play(self)
            Close().play(self)
        except _ScriptOver as over:
            self.record.finish(str(over))
        finally:
            self.handler.close_connection = True
            self.record.finish("script")


# --- the HTTP server --------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ScriptedArkorBackend/1"
    reset_on_finish = False

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read ScriptedBackend.requests instead

    def setup(self) -> None:
        super().setup()
        self.server.backend._track(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        backend: ScriptedBackend = self.server.backend  # type: ignore[attr-defined]
        try:
            super().finish()
        except OSError:
            pass
        if self.reset_on_finish:
            # close() with SO_LINGER 0 sends RST; detach first: rfile/wfile still hold refs.
            try:
                fd = self.connection.detach()
                socket.close(fd)
            except OSError:
                pass
        backend._untrack(self.connection)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_body(
        self,
        status: int,
        body: dict[str, Any] | list[Any] | str | bytes | None,
        headers: dict[str, str] | None = None,
        *,
        close: bool = False,
        content_type: str | None = None,
    ) -> None:
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
            content_type = content_type or "application/json"
        elif isinstance(body, str):
            payload = body.encode()
            content_type = content_type or "text/plain; charset=utf-8"
        else:
            payload = body or b""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def _dispatch(self) -> None:
        backend: ScriptedBackend = self.server.backend  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        record = RecordedRequest(
            method=self.command,
            path=unquote(url.path),
            query=query,
            headers=CaseInsensitiveDict(dict(self.headers.items())),
            body=self._read_body(),
            received_at=time.monotonic(),
        )
        backend._record(record)
        backend._serve(self, record)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class ScriptedBackend:
    """A protocol backend on ``127.0.0.1`` whose event streams tests script (see module docs).

    Use as a context manager (or call :meth:`start` and :meth:`close`).
    """

    def __init__(self, *, chunked: bool = True) -> None:
        self.chunked = chunked
        self.requests: list[RecordedRequest] = []
        self.stream_connections: list[StreamConnection] = []
        self.events: list[JournalEvent] = []
        self.stream_scripts: deque[list[Action]] = deque()
        self.stream_fallback: list[Action] = [
            Status(410, {"error": "scripted backend: no connection script left for this stream"})
        ]
        self.projects: dict[str, list[dict[str, Any]]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_overrides: dict[str, Any] = {}
        self.cancel_status = 202
        self.datasets: dict[str, bytes] = {}
        self.chat_deltas: list[str] = ["Hello", ", ", "world"]
        self.closing = threading.Event()
        self._canned: list[tuple[str, str, int, Any, dict[str, str]]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        assert self._server is not None, "the scripted backend is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ScriptedBackend:
        """Listen on a free loopback port and serve in a background thread."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.backend = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
            name="scripted-backend", daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; open streams are woken and their sockets shut down."""
        if self._server is None:
            return
        self.closing.set()
        self._server.shutdown()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None

    def __enter__(self) -> ScriptedBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- scripting --------------------------------------------------------------

    def add_events(self, *events: tuple[str, dict[str, Any]]) -> list[JournalEvent]:
        """Append events (from :func:`started`, :func:`log`...) to the journal."""
        added = []
        with self._lock:
            for event_type, fields in events:
                event = JournalEvent(len(self.events) + 1, event_type, dict(fields))
                self.events.append(event)
                added.append(event)
        return added

    def script_streams(self, *scripts: list[Action]) -> None:
        """Queue connection scripts; each stream connection plays the next one."""
        self.stream_scripts.extend(list(script) for script in scripts)

    def respond(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any] | str | bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests to ``method path`` with this canned response."""
        for _ in range(times):
            self._canned.append((method.upper(), path, status, body, dict(headers or {})))

    # --- what happened ------------------------------------------------------------

    def calls(self, method: str, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests with this method (and exact path, when given)."""
        return [
            r for r in self.requests if r.method == method and (path is None or r.path == path)
        ]

    @property
    def resume_ids(self) -> list[str | None]:
        """The ``Last-Event-ID`` each stream connection sent (None when absent)."""
        return [c.request.headers.get("Last-Event-ID") for c in self.stream_connections]

    # --- internals ----------------------------------------------------------------

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_canned(self, method: str, path: str) -> tuple[int, Any, dict[str, str]] | None:
        with self._lock:
            for index, (m, p, status, body, headers) in enumerate(self._canned):
                if m == method and p == path:
                    del self._canned[index]
                    return status, body, headers
        return None

    def _serve(self, handler: _Handler, request: RecordedRequest) -> None:
        canned = self._take_canned(request.method, request.path)
        if canned is not None:
            status, body, headers = canned
            handler.send_body(status, body, headers)
            return
        parts = request.path.strip("/").split("/")
        route = (request.method, *parts)
        if route[:3] == ("POST", "v1", "auth") and parts[2:] == ["anonymous"]:
            handler.send_body(200, self._anonymous())
            return
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            handler.send_body(401, {"error": "missing bearer token"})
            return
        org = request.query.get("orgSlug", "")
        if route == ("GET", "v1", "projects"):
            handler.send_body(200, {"org": {"slug": org}, "projects": self.projects.get(org, [])})
        elif route == ("POST", "v1", "projects"):
            handler.send_body(*self._create_project(org, request.json()))
        elif route == ("GET", "v1", "jobs"):
            jobs = [{**job, **self.job_overrides} for job in reversed(self.jobs.values())]
            handler.send_body(200, {"jobs": jobs})
        elif route == ("POST", "v1", "jobs"):
            handler.send_body(201, {"job": self._create_job(request)})
        elif route[:3] == ("GET", "v1", "jobs") and len(parts) == 3:
            job = self.jobs.get(parts[2])
            if job is None:
                handler.send_body(404, {"error": f"job {parts[2]} not found"})
            else:
                handler.send_body(200, {"job": {**job, **self.job_overrides}})
        elif route[:3] == ("POST", "v1", "jobs") and parts[3:] == ["cancel"]:
            body = {"job": self.jobs.get(parts[2])} if self.cancel_status < 400 else {
                "error": "job already finished"}
            handler.send_body(self.cancel_status, body)
        elif route[:3] == ("GET", "v1", "jobs") and parts[3:] == ["events", "stream"]:
            self._stream(handler, request, parts[2])
        elif route == ("POST", "v1", "datasets"):
            handler.send_body(201, {"dataset": self._store_dataset(request)})
        elif route == ("POST", "v1", "inference", "chat"):
            self._chat(handler, request)
        else:
            handler.send_body(404, {"error": f"scripted backend: no route {request.method} "
                                             f"{request.path}"})

    def _anonymous(self) -> dict[str, Any]:
        n = next(self._ids)
        return {
            "token": f"tok-{n}", "anonymousId": f"anon-{n}", "kind": "cli",
            "personalOrg": {"id": f"org-{n}", "slug": f"anon-org-{n}", "name": f"Anon {n}"},
        }

    def _create_project(self, org: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            projects = self.projects.setdefault(org, [])
            if any(p["slug"] == body["slug"] for p in projects):
                return 409, {"error": f"project {body['slug']} already exists"}
            project = {"id": f"proj-{next(self._ids)}", "slug": body["slug"],
                       "name": body.get("name", ""), "orgId": org}
            projects.append(project)
        return 201, {"project": project}

    def _create_job(self, request: RecordedRequest) -> dict[str, Any]:
        body = request.json()
        with self._lock:
            job_id = f"job-{len(self.jobs) + 1}"
            job = {
                "id": job_id, "orgId": request.query.get("orgSlug"), "projectId": "proj",
                "name": body["name"], "status": "queued", "config": body["config"],
                "error": None, "createdAt": "2026-01-01T00:00:00Z", "startedAt": None,
                "completedAt": None,
            }
            self.jobs[job_id] = job
        return job

    def _store_dataset(self, request: RecordedRequest) -> dict[str, Any]:
        dataset_id = f"ds-{next(self._ids)}"
        self.datasets[dataset_id] = request.body
        return {
            "id": dataset_id, "filename": request.headers.get("X-Arkor-Filename", ""),
            "rows": len(request.body.splitlines()), "bytes": len(request.body),
            "sha256": hashlib.sha256(request.body).hexdigest(),
            "createdAt": "2026-01-01T00:00:00Z",
        }

    def _chat(self, handler: _Handler, request: RecordedRequest) -> None:
        body = request.json()
        if not body.get("stream", True):
            handler.send_body(200, {
                "id": "chatcmpl-1", "object": "chat.completion", "model": "scripted",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant", "content": "".join(self.chat_deltas)}}],
                "usage": {"prompt_tokens": 3, "completion_tokens": len(self.chat_deltas)},
            })
            return
        chunks = [
            {"choices": [{"index": 0, "delta": {"content": delta}}]} for delta in self.chat_deltas
        ]
        frames = b"".join(sse_frame(data=json.dumps(c)) for c in chunks)
        handler.send_body(200, frames + sse_frame(data="[DONE]"), close=True,
                          content_type="text/event-stream")

    def _stream(self, handler: _Handler, request: RecordedRequest, job_id: str) -> None:
        last_id = request.headers.get("Last-Event-ID")
        resumed_after = int(last_id) if last_id and last_id.isdigit() else 0
        record = StreamConnection(request, resumed_after)
        with self._lock:
            self.stream_connections.append(record)
            script = self.stream_scripts.popleft() if self.stream_scripts else list(
                self.stream_fallback)
        _StreamPlayer(handler, record, job_id, self.chunked).play(script)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Poll ``condition`` until it holds (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.01)
        return condition()


# --- SDK environment --------------------------------------------------------------

#: Reconnect settings that keep tests fast: tiny delays, a few attempts, short idle.
FAST_RECONNECT = {"initial_delay": 0.01, "max_delay": 0.05, "max_attempts": 5,
                  "idle_timeout": 5.0}


@dataclass
class SdkEnv:
    """A temp ``HOME`` and project folder whose SDK talks to ``backend``."""

    home: Path
    project_dir: Path
    backend: ScriptedBackend

    @property
    def credentials_path(self) -> Path:
        """``~/.arkor/credentials.json`` in the temp ``HOME``."""
        return self.home / ".arkor" / "credentials.json"

    @property
    def state_path(self) -> Path:
        """``.arkor/state.json`` in the project folder."""
        return self.project_dir / ".arkor" / "state.json"

    def trainer(self, **overrides: Any) -> Any:
        """``create_trainer`` with small valid defaults and a fast reconnect policy."""
        from arkor import ReconnectPolicy, create_trainer

        reconnect = {**FAST_RECONNECT, **overrides.pop("reconnect", {})}
        arguments: dict[str, Any] = {
            "name": "support-bot-v1",
            "model": "arkor/tiny",
            "dataset": {"type": "huggingface", "name": "org/ds", "split": "train"},
            "project_dir": self.project_dir,
            "reconnect": ReconnectPolicy(**reconnect),
        }
        arguments.update(overrides)
        return create_trainer(**arguments)


@pytest.fixture
def scripted() -> Iterator[ScriptedBackend]:
    """A running :class:`ScriptedBackend`, shut down after the test."""
    with ScriptedBackend() as backend:
        yield backend


@pytest.fixture
def sdk_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scripted: ScriptedBackend
) -> SdkEnv:
    """A temp ``HOME`` and project folder; the SDK's backend URL is ``scripted``."""
    import arkor.client

    home = tmp_path / "home"
    home.mkdir()
    project_dir = tmp_path / "my-project"
    project_dir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("ARKOR_CLOUD_API_URL", scripted.url)
    for name in ("ARKOR_LOCAL_PORT", "ARKOR_SERVER_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(arkor.client, "deprecation_notices", [])
    return SdkEnv(home, project_dir, scripted)
