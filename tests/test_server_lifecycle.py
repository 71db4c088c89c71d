"""The backend survives what happens to processes: a killed worker, a crashed or stopped
server, and it refuses to serve where it should not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import TINY_JOB_CONFIG, chat_rows, free_port, read_sse

LONG_JOB = {**TINY_JOB_CONFIG, "maxSteps": 2000, "saveSteps": 1000}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def wait_until_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_non_loopback_host_is_refused_without_allow_remote(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "arkor", "server", "--host", "0.0.0.0", "--port",
         str(free_port()), "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "TLS" in result.stderr and "--allow-remote" in result.stderr


def test_the_server_writes_a_pid_file_and_removes_it_on_sigterm(new_backend):
    server = new_backend(extra_args=("--no-prewarm",))
    pid_file = server.data_dir / "server.pid"
    assert pid_file.read_text().strip() == str(server.pid)
    server.stop()
    assert not pid_file.exists()


def test_a_second_server_on_the_same_data_dir_or_port_is_refused(new_backend, tmp_path: Path):
    server = new_backend(extra_args=("--no-prewarm",))
    same_dir = subprocess.run(
        [sys.executable, "-m", "arkor", "server", "--port", str(free_port()),
         "--data-dir", str(server.data_dir), "--no-prewarm"],
        capture_output=True, text=True, timeout=60,
    )
    assert same_dir.returncode != 0
    assert f"pid {server.pid}" in same_dir.stderr and "data dir" in same_dir.stderr
    same_port = subprocess.run(
        [sys.executable, "-m", "arkor", "server", "--port", str(server.port),
         "--data-dir", str(tmp_path / "other"), "--no-prewarm"],
        capture_output=True, text=True, timeout=60,
    )
    assert same_port.returncode != 0
    assert "Address already in use" in same_port.stderr
    assert not (tmp_path / "other").exists(), "a busy port must fail before the data dir is used"
    assert server.get("/v1/health").status_code == 200


@pytest.mark.training
def test_a_worker_killed_by_sigkill_fails_the_job_and_the_server_keeps_serving(new_backend):
    server = new_backend()
    user = server.new_user()
    dataset = user.upload(chat_rows(16))
    job = user.create_job({**LONG_JOB, "datasetSource": dataset})
    user.wait_for_event(job["id"], "training.log")
    worker_pid = int((server.data_dir / "jobs" / job["id"] / "worker.pid").read_text())
    os.kill(worker_pid, signal.SIGKILL)
    frames = user.stream_frames(job["id"])
    assert frames[-1].event == "end"
    failed = frames[-2].json()
    assert failed["type"] == "training.failed"
    assert "killed by SIGKILL" in failed["error"]
    assert user.job(job["id"])["job"]["status"] == "failed"
    # Still serving, and still taking jobs.
    assert server.get("/v1/health").status_code == 200
    follow_up = user.create_job({**TINY_JOB_CONFIG, "maxSteps": 2, "datasetSource": dataset})
    assert user.post(f"/v1/jobs/{follow_up['id']}/cancel").status_code in (200, 202)
    assert user.wait_for_status(follow_up["id"], {"cancelled"})


@pytest.mark.training
def test_a_crashed_server_restarts_with_the_running_job_failed_and_nothing_lost(new_backend):
    server = new_backend()
    user = server.new_user()
    dataset = user.upload(chat_rows(16))
    job = user.create_job({**LONG_JOB, "datasetSource": dataset})
    queued = user.create_job({**TINY_JOB_CONFIG, "maxSteps": 2, "datasetSource": dataset})
    user.wait_for_event(job["id"], "training.log")
    before = user.job(job["id"])["events"]
    worker_pid = int((server.data_dir / "jobs" / job["id"] / "worker.pid").read_text())

    server.kill()  # no shutdown code runs
    assert wait_until_gone(worker_pid), "the orphaned worker should exit when the server dies"
    server.start()

    frames = user.stream_frames(job["id"])
    events = [f.json() for f in frames[:-1]]
    assert frames[-1].event == "end"
    assert [int(f.id) for f in frames[:-1]] == list(range(1, len(events) + 1))
    assert events[: len(before)] == before
    assert events[-1]["type"] == "training.failed"
    assert events[-1]["error"] == "backend restarted while the job was running"
    job_now = user.job(job["id"])["job"]
    assert job_now["status"] == "failed" and job_now["error"] == events[-1]["error"]
    # The job that was waiting is picked up again and runs.
    assert user.wait_for_status(queued["id"], {"completed", "failed"})["status"] == "completed"


@pytest.mark.training
def test_sigterm_stops_running_jobs_closes_streams_and_keeps_queued_ones(new_backend):
    server = new_backend()
    user = server.new_user()
    dataset = user.upload(chat_rows(16))
    job = user.create_job({**LONG_JOB, "datasetSource": dataset})
    queued = user.create_job({**TINY_JOB_CONFIG, "maxSteps": 2, "datasetSource": dataset})
    user.wait_for_event(job["id"], "training.log")
    running_frames, queued_frames = [], []
    streams = [user.stream(job["id"]), user.stream(queued["id"])]
    readers = [
        threading.Thread(target=lambda: running_frames.extend(read_sse(streams[0]))),
        threading.Thread(target=lambda: queued_frames.extend(read_sse(streams[1]))),
    ]
    for reader in readers:
        reader.start()
    time.sleep(0.3)

    asked = time.monotonic()
    server.stop()
    assert time.monotonic() - asked < 8, "open SSE streams must not hold up shutdown"
    for reader in readers:
        reader.join(timeout=5)
        assert not reader.is_alive()
    failed = [f.json() for f in running_frames if f.event == "training.failed"]
    assert failed and failed[0]["error"] == "backend shut down while the job was running"
    assert running_frames[-1].event == "end"
    assert all(f.event == "ping" for f in queued_frames)  # closed without an end: reconnect

    server.start()
    assert user.job(job["id"])["job"]["status"] == "failed"
    assert user.job(queued["id"])["job"]["status"] == "queued"  # picked up again, not lost
    assert user.post(f"/v1/jobs/{queued['id']}/cancel").status_code in (200, 202)
    assert user.wait_for_status(queued["id"], {"cancelled"})
