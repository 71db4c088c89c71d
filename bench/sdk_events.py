"""Throughput of the SDK's event stream: ``trainer.wait()`` against a plain SSE parse.

A loopback backend (``tests/scripted_backend.py``, in its own process so it does
not compete for this process's GIL) streams 100k ``training.log`` events with
realistic payloads, then ``training.completed``, on every stream connection.
In the same run, alternating, this script measures:

- baseline: the same stream read with ``requests`` and parsed with sseclient-py
  + ``json.loads``, nothing else;
- SDK: ``trainer.wait()`` (after ``start()``, through the protocol's auth,
  project and job routes) with a trivial ``on_log``.

It prints events/s for both (best and median of the rounds) and the ratio
SDK / baseline; the target is >= 0.7.

Run: ``python bench/sdk_events.py [--events N] [--rounds R]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sseclient import SSEClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from scripted_backend import JournalEvent, Raw, ScriptedBackend  # noqa: E402

CHUNK = 1 << 16
JOB_ID = "job-1"


def stream_body(events: int) -> bytes:
    """The whole event stream: started, ``events`` realistic logs, completed."""
    journal = [JournalEvent(1, "training.started", {"metadata": {"device": "cuda:0"}})]
    for step in range(1, events + 1):
        journal.append(JournalEvent(step + 1, "training.log", {
            "step": step,
            "loss": round(2.5 * 0.9999**step + 0.05, 6),
            "learningRate": round(2e-4 * (1 - step / (events + 1)), 10),
            "epoch": round(step / 2500, 6),
            "samplesPerSecond": round(31.5 + (step % 17) * 0.25, 3),
        }))
    journal.append(JournalEvent(events + 2, "training.completed", {
        "artifacts": [{"path": "final/adapter_model.safetensors", "bytes": 1 << 20}]}))
    return b"".join(event.frame(JOB_ID) for event in journal)


def serve(events: int) -> None:
    """Child process: serve the stream on every connection until stdin closes."""
    body = stream_body(events)
    with ScriptedBackend() as backend:
        backend.stream_fallback = [Raw(body[i : i + CHUNK]) for i in range(0, len(body), CHUNK)]
        print(backend.url, len(body), flush=True)
        sys.stdin.read()


def baseline(url: str, token: str, events: int) -> float:
    """Seconds to read and parse the stream with sseclient-py + json.loads."""
    started = time.perf_counter()
    response = requests.get(
        f"{url}/v1/jobs/{JOB_ID}/events/stream",
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
        stream=True, timeout=60,
    )
    count = 0
    for event in SSEClient(response.iter_content(chunk_size=None)).events():
        json.loads(event.data)
        count += 1
    elapsed = time.perf_counter() - started
    response.close()
    assert count == events + 2, count
    return elapsed


def sdk(project_dir: Path, events: int) -> float:
    """Seconds ``trainer.wait()`` takes to dispatch the stream to a trivial ``on_log``."""
    from arkor import ReconnectPolicy, create_trainer

    seen = [0]

    def on_log(ctx: object) -> None:
        seen[0] += 1

    trainer = create_trainer(
        name="bench", model="arkor/tiny", dataset={"type": "huggingface", "name": "org/ds"},
        callbacks={"on_log": on_log}, reconnect=ReconnectPolicy(max_attempts=0),
        project_dir=project_dir,
    )
    trainer.start()
    started = time.perf_counter()
    result = trainer.wait()
    elapsed = time.perf_counter() - started
    assert result.job.status == "completed" and seen[0] == events, (result.job.status, seen)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.events)
        return

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--events", str(args.events)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        url, size = server.stdout.readline().split()
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["HOME"] = tmp
            os.environ["ARKOR_CLOUD_API_URL"] = url
            project_dir = Path(tmp) / "bench-project"
            project_dir.mkdir()
            token = requests.post(f"{url}/v1/auth/anonymous", json={"kind": "cli"},
                                  timeout=10).json()["token"]
            print(f"stream: {args.events} training.log events, {int(size) / 1e6:.1f} MB, "
                  f"{args.rounds} rounds each, alternating")
            base_times, sdk_times = [], []
            for round_no in range(1, args.rounds + 1):
                base_times.append(baseline(url, token, args.events))
                sdk_times.append(sdk(project_dir, args.events))
                print(f"  round {round_no}: baseline {args.events / base_times[-1]:>10,.0f} ev/s"
                      f"   sdk {args.events / sdk_times[-1]:>10,.0f} ev/s")
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)

    def rate(times: list[float]) -> tuple[float, float]:
        return args.events / min(times), args.events / statistics.median(times)

    base_best, base_median = rate(base_times)
    sdk_best, sdk_median = rate(sdk_times)
    print()
    print(f"baseline (sseclient-py + json.loads): {base_best:>10,.0f} events/s best, "
          f"{base_median:>10,.0f} median")
    print(f"SDK (trainer.wait(), trivial on_log): {sdk_best:>10,.0f} events/s best, "
          f"{sdk_median:>10,.0f} median")
    ratio = sdk_best / base_best
    verdict = "meets" if ratio >= 0.7 else "MISSES"
    print(f"ratio SDK / baseline: {ratio:.2f} (best), {sdk_median / base_median:.2f} (median) "
          f"-> {verdict} the >= 0.7 target")


if __name__ == "__main__":
    main()
