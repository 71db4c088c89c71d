"""Worker subprocesses: the only processes that import the engine (and so torch).

``python -m arkor.server.worker train --events-fd N``
    Imports the engine first (so an idle, "prewarmed" worker is ready), then reads
    one job spec (a JSON line) from stdin, sends its stdout/stderr to the job's
    ``worker.log``, trains it with ``engine.train_job`` and exits. Events go back
    as JSON lines ``{"type", "payload"}`` on fd N (not stdout: libraries print).
    SIGUSR1 asks the job to stop (the engine checks after every optimizer step).

``python -m arkor.server.worker chat --events-fd N --models-dir DIR``
    Serves chat requests (JSON lines on stdin), one at a time, with the engine's
    ``ChatEngine``; answers ``{"delta"}`` lines, then ``{"done", "finishReason",
    "usage"}`` or ``{"error"}``.

Either worker exits when its stdin reaches end of file: the server went away.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

from arkor.server.engine.errors import EngineError
from arkor.types import TERMINAL_EVENTS

EXIT_SERVER_GONE = 70


class EventPipe:
    """Writes JSON lines to the runner's dedicated pipe; safe to call from any thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        """Send one message; exits the process if the server is gone."""
        data = (json.dumps(message, default=str) + "\n").encode()
        with self._lock:
            try:
                while data:
                    data = data[os.write(self._fd, data):]
            except BrokenPipeError:
                os._exit(EXIT_SERVER_GONE)


def import_engine() -> tuple[ModuleType | None, str | None]:
    """The engine module (imported with its heavy dependencies), or the traceback of why not."""
    try:
        engine = importlib.import_module("arkor.server.engine")
        warm_up = getattr(engine, "warm_up", None)
        if callable(warm_up):
            warm_up()
        return engine, None
    except Exception:
        return None, traceback.format_exc()


def exit_when_server_gone(stdin: BinaryIO) -> None:
    """Watch stdin in a daemon thread and end the process at end of file (the server died)."""
    fd = stdin.fileno()

    def watch() -> None:
        # The raw fd, not the buffered reader: a daemon thread blocked holding the reader's
        # lock would abort the interpreter at exit.
        while os.read(fd, 65536):
            pass
        os._exit(EXIT_SERVER_GONE)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def redirect_output(log_path: Path) -> None:
    """Send this process's stdout and stderr (also of C libraries) to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, EngineError):
        return str(exc)
    return f"training crashed: {type(exc).__name__}: {exc} (see worker.log)"


def run_training(events: EventPipe, stdin: BinaryIO) -> int:
    """Train the one job whose spec arrives on stdin; returns the exit code."""
    stop = threading.Event()
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: stop.set())
    engine, import_error = import_engine()
    line = stdin.readline()
    if not line.strip():
        return 0  # retired before it got a job
    spec = json.loads(line)
    redirect_output(Path(spec["jobDir"]) / "worker.log")
    exit_when_server_gone(stdin)
    ended = threading.Event()

    def emit(event_type: str, payload: dict[str, Any] | None = None) -> None:
        if ended.is_set():
            return
        events.send({"type": event_type, "payload": payload or {}})
        if event_type in TERMINAL_EVENTS:
            ended.set()

    if engine is None:
        print(import_error, file=sys.stderr, flush=True)
        lines = (import_error or "unknown error").strip().splitlines()
        emit("training.failed", {"error": f"the training engine could not be loaded: {lines[-1]}"})
        return 1
    if stop.is_set():  # cancelled while the job was being handed over
        emit("training.cancelled", {})
        return 0
    try:
        engine.train_job(spec, emit, stop.is_set)
    except Exception as exc:
        traceback.print_exc()
        emit("training.failed", {"error": _failure_message(exc)})
    if not ended.is_set():
        if stop.is_set():
            emit("training.cancelled", {})
        else:
            emit("training.failed", {"error": "the training engine ended without a result"})
    sys.stdout.flush()
    sys.stderr.flush()
    return 0


def _chat_reply(chat_engine: Any, request: dict[str, Any], events: EventPipe) -> None:
    stream = chat_engine.chat(
        request["target"],
        request["messages"],
        temperature=request.get("temperature"),
        top_p=request.get("topP"),
        max_tokens=request.get("maxTokens"),
    )
    for delta in stream:
        if delta:
            events.send({"delta": delta})
    events.send({
        "done": True,
        "finishReason": getattr(stream, "finish_reason", None) or "stop",
        "usage": getattr(stream, "usage", None),
    })


def run_chat(events: EventPipe, stdin: BinaryIO, models_dir: Path) -> int:
    """Answer chat requests from stdin until it closes; returns the exit code."""
    engine, import_error = import_engine()
    chat_engine = None
    for line in stdin:
        if not line.strip():
            continue
        try:
            if engine is None:
                raise RuntimeError(f"the inference engine could not be loaded:\n{import_error}")
            if chat_engine is None:
                chat_engine = engine.ChatEngine(models_dir=str(models_dir), cache_size=2)
            _chat_reply(chat_engine, json.loads(line), events)
        except Exception as exc:
            traceback.print_exc()
            sys.stderr.flush()
            events.send({
                "error": str(exc) or type(exc).__name__,
                "userError": isinstance(exc, EngineError),
            })
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of a worker subprocess."""
    parser = argparse.ArgumentParser(prog="python -m arkor.server.worker")
    parser.add_argument("mode", choices=["train", "chat"])
    parser.add_argument("--events-fd", type=int, required=True)
    parser.add_argument("--models-dir", type=Path)
    args = parser.parse_args(argv)
    # Ctrl-C in the server's terminal is the server's business; it stops workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    events = EventPipe(args.events_fd)
    stdin = sys.stdin.buffer
    if args.mode == "train":
        return run_training(events, stdin)
    return run_chat(events, stdin, args.models_dir or Path.cwd())


if __name__ == "__main__":
    sys.exit(main())
