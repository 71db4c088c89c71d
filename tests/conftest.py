"""Shared test fixtures: a real ``arkor server`` subprocess to talk HTTP to.

``BackendProcess`` starts ``python -m arkor server`` on a free loopback port
with its own data directory, waits until ``/v1/health`` answers, and can stop,
kill or restart it (same port, same data). ``ApiUser`` is an anonymous identity
on it with a project, whose ``get``/``post`` add the bearer token and the
``orgSlug``/``projectSlug`` scope. Fixtures:

- ``backend`` (session): one shared server; tests must not stop it.
- ``new_backend`` (function): a factory for servers a test may stop, kill or
  restart; every server it made is stopped at the end of the test.
- ``user``: a fresh ``ApiUser`` (own identity, org and project) on ``backend``.

Example::

    def test_health(backend):
        assert backend.get("/v1/health").json()["status"] == "ok"

    def test_jobs(user):
        dataset = user.upload(chat_rows(20))
        job = user.create_job({"model": "arkor/tiny", "datasetSource": dataset})
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackendProcess:
    """A real ``arkor server`` subprocess (loopback, free port, its own data dir).

    ``url`` is the base URL (``http://127.0.0.1:<port>``), ``data_dir`` the server's
    data directory and ``log_path`` where its stdout/stderr go. ``extra_args`` are
    added to the command line (e.g. ``["--no-prewarm"]``).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        ping_interval: float = 0.5,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"
        self.args = [
            sys.executable, "-m", "arkor", "server",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--data-dir", str(self.data_dir), "--ping-interval", str(ping_interval),
            *extra_args,
        ]  # fmt: skip
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not running"
        return self.process.pid

    def start(self, timeout: float = 30.0) -> BackendProcess:
        """Start the server and wait until ``/v1/health`` answers."""
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.env)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"arkor server exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    self.startup_seconds = time.monotonic() - started
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"arkor server did not become healthy in {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM the server and wait for it to exit; its exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"arkor server ignored SIGTERM for {timeout}s") from None

    def kill(self) -> None:
        """SIGKILL the server (a crash: no shutdown code runs)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> BackendProcess:
        """Stop (if running) and start again on the same port with the same data."""
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """An unauthenticated GET."""
        return requests.get(self.url + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """An unauthenticated POST."""
        return requests.post(self.url + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def new_user(self, project: str = "demo") -> ApiUser:
        """A fresh anonymous identity with a project named ``project``."""
        identity = self.post("/v1/auth/anonymous", json={"kind": "cli"})
        identity.raise_for_status()
        body = identity.json()
        user = ApiUser(self, body["token"], body["personalOrg"]["slug"], project)
        user.post("/v1/projects", json={"slug": project, "name": project}).raise_for_status()
        return user


@dataclass
class ApiUser:
    """An identity on a backend; requests carry its token and its org/project scope."""

    backend: BackendProcess
    token: str
    org_slug: str
    project_slug: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Arkor-Client": "arkor-python/test"}

    @property
    def scope(self) -> dict[str, str]:
        return {"orgSlug": self.org_slug, "projectSlug": self.project_slug}

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request with this user's token and scope (``params``/``headers`` are merged)."""
        params = {**self.scope, **kwargs.pop("params", {})}
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(method, self.backend.url + path, params=params, headers=headers,
                                timeout=kwargs.pop("timeout", 60), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def upload(self, rows: list[Any], filename: str = "train.jsonl") -> dict[str, str]:
        """Upload rows as JSONL; the ``datasetSource`` that names the upload."""
        body = "".join(json.dumps(row) + "\n" for row in rows).encode()
        response = self.post("/v1/datasets", data=body, headers={
            "Content-Type": "application/x-ndjson", "X-Arkor-Filename": filename})
        assert response.status_code == 201, response.text
        return {"type": "upload", "id": response.json()["dataset"]["id"]}

    def create_job(self, config: dict[str, Any], name: str = "test-job") -> dict[str, Any]:
        """Create a job; its ``TrainingJob``."""
        response = self.post("/v1/jobs", json={"name": name, "config": config})
        assert response.status_code == 201, response.text
        return response.json()["job"]

    def job(self, job_id: str) -> dict[str, Any]:
        """``GET /v1/jobs/{id}``: ``{job, events}``."""
        response = self.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def stream(self, job_id: str, last_event_id: str | None = None,
               timeout: float = 120) -> requests.Response:
        """Open the job's event stream (``Last-Event-ID`` when given)."""
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        response = self.get(f"/v1/jobs/{job_id}/events/stream", headers=headers, stream=True,
                            timeout=timeout)
        assert response.status_code == 200, response.text
        return response

    def stream_frames(self, job_id: str, last_event_id: str | None = None,
                      timeout: float = 120) -> list[SseFrame]:
        """Every frame of the job's event stream until the server ends it."""
        with self.stream(job_id, last_event_id, timeout) as response:
            return list(read_sse(response))

    def wait_for_status(self, job_id: str, statuses: set[str], timeout: float = 120) -> dict:
        """Poll the job until its status is one of ``statuses``; the job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)["job"]
            if job["status"] in statuses:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} is still {job['status']} after {timeout}s")

    def wait_for_event(self, job_id: str, event_type: str, timeout: float = 120) -> dict:
        """Poll the job's events until one of ``event_type`` is there; that event."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.job(job_id)["events"]:
                if event["type"] == event_type:
                    return event
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} had no {event_type} after {timeout}s")


@dataclass(frozen=True)
class SseFrame:
    """One Server-Sent Events frame as it was on the wire."""

    event: str
    data: str
    id: str | None = None

    def json(self) -> Any:
        return json.loads(self.data)


def read_sse(response: requests.Response) -> Iterator[SseFrame]:
    """The frames of an open ``text/event-stream`` response, until the server closes it."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for raw in response.iter_lines(decode_unicode=True):
        if raw == "":
            if fields or data:
                yield SseFrame(fields.get("event", "message"), "\n".join(data), fields.get("id"))
            fields, data = {}, []
            continue
        name, _, value = raw.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name:
            fields[name] = value


def chat_rows(count: int) -> list[dict[str, Any]]:
    """``count`` small chat rows (ticket -> JSON answer) that arkor/tiny can learn from."""
    topics = ["billing", "login", "shipping", "refund", "bug", "account"]
    return [
        {"messages": [
            {"role": "user", "content": f"Ticket {i}: my {topics[i % 6]} is broken"},
            {"role": "assistant", "content": json.dumps({"category": topics[i % 6], "n": i % 3})},
        ]}
        for i in range(count)
    ]  # fmt: skip


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """One ``arkor server`` shared by the whole session (do not stop or restart it)."""
    server = BackendProcess(tmp_path_factory.mktemp("backend") / "data").start()
    yield server
    server.stop()


@pytest.fixture
def new_backend(tmp_path: Path) -> Iterator[Callable[..., BackendProcess]]:
    """A factory of servers (``BackendProcess`` arguments) a test may stop, kill or restart."""
    servers: list[BackendProcess] = []

    def make(**kwargs: Any) -> BackendProcess:
        server = BackendProcess(tmp_path / f"data{len(servers)}", **kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        try:
            server.stop()
        except RuntimeError:
            server.kill()


@dataclass(frozen=True)
class TrainedJob:
    """A completed ``arkor/tiny`` job on the shared backend: its owner, job and events."""

    user: ApiUser
    job: dict[str, Any]
    events: list[dict[str, Any]]

    @property
    def id(self) -> str:
        return self.job["id"]

    def checkpoint_steps(self) -> list[int]:
        return [e["step"] for e in self.events if e["type"] == "checkpoint.saved"]


# A few seconds of training on 2 CPU cores: 6 steps, a checkpoint every 3.
TINY_JOB_CONFIG = {"model": "arkor/tiny", "maxSteps": 6, "saveSteps": 3, "loggingSteps": 1,
                   "batchSize": 4, "maxLength": 128}


@pytest.fixture(scope="session")
def trained_job(backend: BackendProcess) -> TrainedJob:
    """One real training job on ``arkor/tiny``, run to completion (shared by the session)."""
    owner = backend.new_user(project="trained")
    config = {**TINY_JOB_CONFIG, "datasetSource": owner.upload(chat_rows(32))}
    job = owner.create_job(config, name="tiny-demo")
    frames = owner.stream_frames(job["id"], timeout=300)
    body = owner.job(job["id"])
    assert body["job"]["status"] == "completed", (body["job"], [f.event for f in frames])
    return TrainedJob(owner, body["job"], body["events"])


@pytest.fixture
def user(backend: BackendProcess) -> ApiUser:
    """A fresh identity (own org and project) on the shared backend."""
    return backend.new_user()
