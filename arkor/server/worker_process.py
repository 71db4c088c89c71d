"""``WorkerProcess``: the server's handle on one worker subprocess (``arkor.server.worker``).

The worker gets its input as JSON lines on stdin and answers as JSON lines on a
dedicated pipe; its stdout/stderr go to a log file. It runs in its own session,
so a Ctrl-C in the server's terminal reaches only the server, which stops its
workers itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("arkor.server")

_SIGNAL_HINTS = {signal.SIGKILL: " (out of memory?)", signal.SIGSEGV: " (a crash in native code)"}


class WorkerProcess:
    """One running ``python -m arkor.server.worker`` subprocess."""

    def __init__(self, mode: str, log_path: Path, extra_args: tuple[str, ...] = ()) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}
        command = [sys.executable, "-m", "arkor.server.worker", mode, "--events-fd",
                   str(write_fd), *extra_args]
        with open(log_path, "ab") as log_file:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                start_new_session=True,
                env=env,
            )
        os.close(write_fd)
        self._events = os.fdopen(read_fd, "rb")
        self.spawn_log_path = log_path
        # Where the worker's output goes now (a training worker moves to its job's log).
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def send(self, message: dict[str, Any]) -> bool:
        """Write one JSON line to the worker's stdin; ``False`` if it is gone."""
        stdin = self._process.stdin
        if stdin is None or not self.alive:
            return False
        try:
            stdin.write((json.dumps(message) + "\n").encode())
            stdin.flush()
        except (BrokenPipeError, ValueError):
            return False
        return True

    def messages(self) -> Iterator[dict[str, Any]]:
        """The worker's messages until it closes its pipe (blocking)."""
        for line in self._events:
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("worker %s sent a line that is not JSON: %.200r", self.pid, line)
                continue
            if isinstance(message, dict):
                yield message

    def read_message(self) -> dict[str, Any] | None:
        """The next message, or ``None`` once the worker closed its pipe (blocking)."""
        return next(self.messages(), None)

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the worker alone (not to its children)."""
        with contextlib.suppress(ProcessLookupError):
            if self.alive:
                os.kill(self.pid, signum)

    def kill(self, grace: float = 3.0) -> None:
        """Stop the worker and everything it started: SIGTERM, then SIGKILL after ``grace`` s."""
        for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signum)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(wait)
                break
        # The events pipe is left to whoever reads it: it sees end of file now.
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()

    def retire(self) -> None:
        """Stop a worker nobody reads from (an unused spare) and release its pipes."""
        self.kill(grace=1.0)
        self.close()

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait (at most ``timeout`` s) for the worker to exit; its return code, if it did."""
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """Release the pipes (the worker sees end of file on stdin and exits)."""
        for stream in (self._process.stdin, self._events):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()

    def exit_reason(self, what: str = "training worker") -> str:
        """Why the worker ended, e.g. ``training worker was killed by SIGKILL (out of memory?)``."""
        code = self._process.poll()
        if code is None:
            return f"{what} is still running"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"{what} was killed by {name}{_SIGNAL_HINTS.get(-code, '')}"
        return f"{what} exited with code {code}"

    def log_tail(self, lines: int = 12, max_chars: int = 2000) -> str:
        """The last lines the worker wrote to its log (or to the log it started with)."""
        for path in dict.fromkeys((self.log_path, self.spawn_log_path)):
            tail = _tail(path, lines)
            if tail:
                return tail[-max_chars:]
        return ""


def _tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            log_file.seek(max(0, log_file.tell() - 16384))
            text = log_file.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])
