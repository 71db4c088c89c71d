"""The scripted backend the SDK tests rely on: it replays by ``Last-Event-ID`` like a
real backend, records what it receives, and shuts down even with streams open.
"""

from __future__ import annotations

import threading
import time

import requests
from scripted_backend import (
    NoHeaders,
    Replay,
    ScriptedBackend,
    Stall,
    completed,
    log,
    started,
)


def open_stream(backend: ScriptedBackend, last_event_id: str | None = None) -> requests.Response:
    headers = {"Authorization": "Bearer t", "X-Arkor-Client": "test"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    return requests.get(f"{backend.url}/v1/jobs/job-1/events/stream", headers=headers,
                        stream=True, timeout=30)


def test_a_connection_replays_the_journal_after_its_last_event_id():
    with ScriptedBackend() as backend:
        backend.add_events(started(), log(1), log(2), completed())
        backend.script_streams([Replay()], [Replay()])
        assert open_stream(backend).text.count("id: ") == 4
        resumed = open_stream(backend, "2").text
        assert "id: 1\n" not in resumed and "id: 2\n" not in resumed
        assert "id: 3\n" in resumed and "id: 4\n" in resumed
        assert backend.resume_ids == [None, "2"]
        assert [r.headers["X-Arkor-Client"] for r in backend.requests] == ["test", "test"]


def test_closing_does_not_hang_on_open_streams():
    backend = ScriptedBackend().start()
    backend.script_streams([NoHeaders()], [Stall()])
    outcomes: list[str] = []

    def client() -> None:
        try:
            open_stream(backend).content  # noqa: B018  (read to the end)
            outcomes.append("ended")
        except requests.RequestException:
            outcomes.append("ended")

    threads = [threading.Thread(target=client, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert backend.wait_until(lambda: len(backend.stream_connections) == 2)
    started_at = time.monotonic()
    backend.close()
    closing_took = time.monotonic() - started_at
    for thread in threads:
        thread.join(10)
    assert outcomes == ["ended", "ended"]
    assert closing_took < 5.0, closing_took
    assert all(c.ended.wait(5) for c in backend.stream_connections)
