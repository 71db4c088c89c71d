"""Running the ``arkor`` CLI as a user would: a subprocess, a temp HOME, a real backend."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ARKOR = [sys.executable, "-m", "arkor"]
JOB_ID = re.compile(r"submitted job (\S+)")
TIMESTAMPED_STEP = re.compile(r"^\d\d:\d\d:\d\d step \d+/\d+", re.M)


def cli_env(home: Path, backend_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: its own HOME, wide plain output, offline hub."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ARKOR_") and key not in ("COLUMNS", "LINES")
    }
    env.update(HOME=str(home), COLUMNS="200", TERM="dumb", HF_HUB_OFFLINE="1", NO_COLOR="1")
    if backend_url is not None:
        env["ARKOR_CLOUD_API_URL"] = backend_url
    env.update(extra)
    return env


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``arkor <args>`` to completion; its exit code, stdout and stderr."""
    return subprocess.run(
        [*ARKOR, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
        input=stdin,
    )


class CliProcess:
    """``arkor <args>`` running in the background, its output collected line by line."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.log = cwd / f"cli-{time.monotonic_ns()}.out"
        self._handle = self.log.open("w")
        self.process = subprocess.Popen(
            [*ARKOR, *args], cwd=cwd, env=env, stdout=self._handle, stderr=subprocess.STDOUT,
            text=True,
        )

    def output(self) -> str:
        """Everything printed so far."""
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 180) -> re.Match[str]:
        """Wait until the output matches ``pattern``; the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output(), re.M)
            if match:
                return match
            if self.process.poll() is not None:
                match = re.search(pattern, self.output(), re.M)
                if match:
                    return match
                raise AssertionError(
                    f"exited {self.process.returncode} before {pattern!r}:\n{self.output()}"
                )
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} within {timeout}s:\n{self.output()}")

    def wait(self, timeout: float = 180) -> int:
        """Wait for the exit; the exit code."""
        try:
            return self.process.wait(timeout)
        finally:
            self._handle.close()

    def close(self) -> None:
        """Kill it if still running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._handle.close()


def eventually(check: Callable[[], bool], timeout: float = 60, message: str = "") -> None:
    """Poll ``check`` until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(message or "condition never became true")


def write_trainer(folder: Path, body: str, rows: int = 24) -> Path:
    """A project folder with ``trainer.py`` = ``body`` and a small chat dataset."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    data.mkdir(exist_ok=True)
    with (data / "train.jsonl").open("w") as handle:
        for i in range(rows):
            row = {"messages": [
                {"role": "user", "content": f"ticket {i}: item {i % 4} is late"},
                {"role": "assistant", "content": json.dumps({"n": i % 4})},
            ]}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    path = folder / "trainer.py"
    path.write_text(body)
    return path


SMALL_TRAINER = '''
from arkor import create_trainer

trainer = create_trainer(
    name="small",
    model="arkor/tiny",
    dataset={"type": "file", "path": "data/train.jsonl"},
    lora={"max_length": 64},
    max_steps=MAX_STEPS,
    batch_size=4,
    logging_steps=1,
    save_steps=SAVE_STEPS,
)
'''


def small_trainer(max_steps: int = 6, save_steps: int = 3) -> str:
    """A trainer.py body that trains arkor/tiny for a few seconds."""
    return SMALL_TRAINER.replace("MAX_STEPS", str(max_steps)).replace(
        "SAVE_STEPS", str(save_steps)
    )


def run_in_pty(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    answers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    timeout: float = 300,
) -> tuple[int, str]:
    """Run ``arkor <args>`` on a pseudo-terminal, typing each answer once its prompt shows.

    Returns the exit code and everything the terminal showed.
    """
    import pty
    import select

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [*ARKOR, *args], cwd=cwd, env={**env, "TERM": "xterm-256color"},
        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )
    os.close(slave)
    shown = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if pending and pending[0][0] in shown.decode(errors="replace"):
                os.write(master, pending.pop(0)[1].encode() + b"\r")
            if process.poll() is not None and not ready:
                break
        code = process.wait(max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return code, shown.decode(errors="replace")
