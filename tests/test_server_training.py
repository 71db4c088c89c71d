"""Real tiny training jobs on the backend: events, streams (§4), cancel (§3), artifacts (§7)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from conftest import TINY_JOB_CONFIG, ApiUser, BackendProcess, TrainedJob, chat_rows, read_sse

pytestmark = pytest.mark.training

LONG_JOB = {**TINY_JOB_CONFIG, "maxSteps": 2000, "saveSteps": 1000}


def test_a_job_runs_to_completion_with_the_full_event_sequence(trained_job: TrainedJob):
    events, job = trained_job.events, trained_job.job
    types = [e["type"] for e in events]
    assert types[0] == "training.started"
    assert types[-1] == "training.completed"
    assert types.count("training.completed") == 1
    assert "training.failed" not in types
    logs = [e for e in events if e["type"] == "training.log"]
    assert [e["step"] for e in logs] == list(range(1, 7))
    assert all(isinstance(e["loss"], float) for e in logs)
    assert trained_job.checkpoint_steps() == [3, 6]
    for event in events:
        assert event["jobId"] == job["id"]
        assert event["timestamp"].endswith("Z")
    assert job["startedAt"] and job["completedAt"] and job["error"] is None
    assert events[-1]["artifacts"]


def test_the_stream_has_integer_ids_event_names_matching_types_and_ends(trained_job):
    frames = trained_job.user.stream_frames(trained_job.id)
    events, end = frames[:-1], frames[-1]
    assert end.event == "end" and end.id is None
    assert [int(f.id) for f in events] == list(range(1, len(events) + 1))
    assert [f.json() for f in events] == trained_job.events
    assert all(f.event == f.json()["type"] for f in events)


def test_last_event_id_replays_strictly_after_it(trained_job: TrainedJob):
    total = len(trained_job.events)
    for last in (1, 3, total - 1, total, total + 5):
        frames = trained_job.user.stream_frames(trained_job.id, last_event_id=str(last))
        assert [int(f.id) for f in frames[:-1]] == list(range(last + 1, total + 1))
        assert frames[-1].event == "end"


def test_jobs_are_listed_newest_first(user: ApiUser):
    dataset = user.upload(chat_rows(4))
    first = user.create_job({**LONG_JOB, "datasetSource": dataset}, name="first")
    second = user.create_job({**LONG_JOB, "datasetSource": dataset}, name="second")
    listed = [job["id"] for job in user.get("/v1/jobs").json()["jobs"]]
    assert listed == [second["id"], first["id"]]
    for job in (second, first):
        assert user.post(f"/v1/jobs/{job['id']}/cancel").status_code in (200, 202)
        user.wait_for_status(job["id"], {"cancelled"})


def test_a_queued_job_pings_then_is_cancelled_at_once(user: ApiUser):
    dataset = user.upload(chat_rows(8))
    running = user.create_job({**LONG_JOB, "datasetSource": dataset}, name="running")
    queued = user.create_job({**LONG_JOB, "datasetSource": dataset}, name="queued")
    frames = []
    with user.stream(queued["id"]) as response:
        reader = threading.Thread(target=lambda: frames.extend(read_sse(response)))
        reader.start()
        time.sleep(1.3)  # pings every 0.5 s while the job waits
        assert user.job(queued["id"])["job"]["status"] == "queued"
        cancelled = user.post(f"/v1/jobs/{queued['id']}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["job"]["status"] == "cancelled"
        reader.join(timeout=10)
    assert [f.event for f in frames if f.event != "ping"] == ["training.cancelled", "end"]
    assert sum(f.event == "ping" for f in frames) >= 2
    assert all(f.data == "" for f in frames if f.event == "ping")
    again = user.post(f"/v1/jobs/{queued['id']}/cancel")
    assert again.status_code == 409
    assert user.job(queued["id"])["job"]["startedAt"] is None
    user.post(f"/v1/jobs/{running['id']}/cancel")
    user.wait_for_status(running["id"], {"cancelled"})


def test_cancelling_a_running_job_stops_it_within_a_step(user: ApiUser):
    job = user.create_job({**LONG_JOB, "datasetSource": user.upload(chat_rows(16))})
    subscribers: list[list] = [[], [], []]

    def follow(into: list) -> None:
        into.extend(user.stream_frames(job["id"]))

    threads = [threading.Thread(target=follow, args=(s,)) for s in subscribers]
    for thread in threads:
        thread.start()
    user.wait_for_event(job["id"], "training.log")
    time.sleep(0.5)
    step_at_cancel = max(e["step"] for e in user.job(job["id"])["events"]
                         if e["type"] == "training.log")
    asked = time.monotonic()
    response = user.post(f"/v1/jobs/{job['id']}/cancel")
    assert response.status_code == 202
    for thread in threads:
        thread.join(timeout=60)
    stopped_in = time.monotonic() - asked
    events = [f.json() for f in subscribers[0] if f.event not in ("ping", "end")]
    assert events[-1]["type"] == "training.cancelled"
    last_step = max(e["step"] for e in events if e["type"] == "training.log")
    assert last_step <= step_at_cancel + 2, (step_at_cancel, last_step)
    assert stopped_in < 10
    # Every subscriber saw the same events, then end.
    for frames in subscribers:
        assert frames[-1].event == "end"
        assert [f.json() for f in frames if f.event not in ("ping", "end")] == events
    assert user.job(job["id"])["job"]["status"] == "cancelled"
    assert user.post(f"/v1/jobs/{job['id']}/cancel").status_code == 409


def test_cancelling_a_finished_job_is_409(trained_job: TrainedJob):
    response = trained_job.user.post(f"/v1/jobs/{trained_job.id}/cancel")
    assert response.status_code == 409
    assert "already ended" in response.json()["error"]


def test_a_dataset_the_engine_refuses_fails_the_job_naming_the_problem(user: ApiUser):
    job = user.create_job({**TINY_JOB_CONFIG, "model": "no-such-org/no-such-model",
                           "datasetSource": user.upload(chat_rows(4))})
    frames = user.stream_frames(job["id"])
    assert frames[-2].event == "training.failed"
    assert "no-such-org/no-such-model" in frames[-2].json()["error"]
    assert user.job(job["id"])["job"]["status"] == "failed"


def test_artifacts_are_listed_and_downloadable(trained_job: TrainedJob, tmp_path: Path):
    user = trained_job.user
    artifacts = user.get(f"/v1/jobs/{trained_job.id}/artifacts").json()["artifacts"]
    paths = {a["path"]: a for a in artifacts}
    assert "final/adapter_config.json" in paths
    assert "final/adapter_model.safetensors" in paths
    assert "worker.log" in paths
    assert paths["checkpoints/step-3/adapter_config.json"]["step"] == 3
    assert "worker.pid" not in paths
    for path, artifact in paths.items():
        if path.startswith(("final/", "base-model/")):
            response = user.get(f"/v1/jobs/{trained_job.id}/artifacts/{path}")
            assert response.status_code == 200, path
            assert len(response.content) == artifact["bytes"]
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(response.content)
    assert (tmp_path / "final" / "adapter_config.json").is_file()


def test_artifact_paths_never_leave_the_job_folder(trained_job: TrainedJob,
                                                   backend: BackendProcess):
    base = f"{backend.url}/v1/jobs/{trained_job.id}/artifacts/"
    for path in ("%2e%2e/%2e%2e/arkor.db", "..%2F..%2Farkor.db", "%2Fetc%2Fpasswd",
                 "final/../../../arkor.db", "final", "nope.txt"):
        response = requests.get(base + path, params=trained_job.user.scope,
                                headers=trained_job.user.headers, timeout=10)
        assert response.status_code == 404, (path, response.status_code)


def test_max_concurrent_jobs_bounds_how_many_train_at_once(
    new_backend: Callable[..., BackendProcess],
):
    server = new_backend(extra_args=("--max-concurrent-jobs", "2"))
    user = server.new_user()
    dataset = user.upload(chat_rows(8))
    jobs = [user.create_job({**LONG_JOB, "datasetSource": dataset}, name=n) for n in "abc"]
    worker_pid = [server.data_dir / "jobs" / job["id"] / "worker.pid" for job in jobs]
    wait_until(lambda: worker_pid[0].exists() and worker_pid[1].exists())
    time.sleep(0.5)
    assert not worker_pid[2].exists()  # the third waits for a free slot
    assert user.post(f"/v1/jobs/{jobs[0]['id']}/cancel").status_code == 202
    wait_until(worker_pid[2].exists)  # the cancelled job's slot went to the third
    for job in jobs:
        user.post(f"/v1/jobs/{job['id']}/cancel")
    for job in jobs:
        assert user.wait_for_status(job["id"], {"cancelled"})["status"] == "cancelled"


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
