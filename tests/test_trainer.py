"""The trainer lifecycle through the public API (issue 2 "Public API" and
"Lifecycle semantics"): start, wait, cancel, callbacks, abort, inference at a
checkpoint, local dataset upload. Every test talks real HTTP to a scripted
backend on loopback.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time

import pytest
from scripted_backend import (
    End,
    NoHeaders,
    Raw,
    Replay,
    Stall,
    Status,
    cancelled,
    checkpoint,
    completed,
    failed,
    log,
    sse_frame,
    started,
)

from arkor import (
    AbortedError,
    ArkorError,
    Callbacks,
    CloudApiError,
    ConfigError,
    TrainingResult,
    __version__,
)

pytest_plugins = ["scripted_backend"]  # fixtures: scripted, sdk_env

ADAPTER_FILES = [{"path": "final/adapter_model.safetensors", "bytes": 1024},
                 {"path": "final/adapter_config.json", "bytes": 300}]


class Recorder:
    """Callbacks that record (name, context, thread) for every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, int]] = []

    def callbacks(self, **overrides) -> Callbacks:
        def record(name):
            return lambda ctx: self.calls.append((name, ctx, threading.get_ident()))

        names = ("on_started", "on_log", "on_checkpoint", "on_completed", "on_failed",
                 "on_cancelled")
        return Callbacks(**{name: overrides.get(name, record(name)) for name in names})

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]

    def contexts(self, name: str) -> list:
        return [ctx for called, ctx, _ in self.calls if called == name]


def abort_later(signal: threading.Event, delay: float) -> list[float]:
    """Set ``signal`` from another thread after ``delay`` s; the list receives the set time."""
    set_at: list[float] = []

    def fire() -> None:
        set_at.append(time.monotonic())
        signal.set()

    timer = threading.Timer(delay, fire)
    timer.daemon = True
    timer.start()
    return set_at


# --- construction and start ----------------------------------------------------------


def test_create_trainer_touches_no_network_and_no_file(scripted, sdk_env):
    trainer = sdk_env.trainer()
    assert trainer.name == "support-bot-v1"
    assert scripted.requests == []
    assert not sdk_env.credentials_path.exists()
    assert not sdk_env.state_path.exists()


def test_start_is_idempotent_and_posts_the_job_once(scripted, sdk_env):
    trainer = sdk_env.trainer()
    first = trainer.start()
    second = trainer.start()
    assert first.job_id == second.job_id == "job-1"
    scripted.add_events(started(), completed())
    scripted.script_streams([Replay()])
    trainer.wait()
    assert len(scripted.calls("POST", "/v1/jobs")) == 1


def test_concurrent_starts_post_the_job_once(scripted, sdk_env):
    trainer = sdk_env.trainer()
    ids: list[str] = []
    threads = [threading.Thread(target=lambda: ids.append(trainer.start().job_id))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ids == ["job-1"] * 4
    assert len(scripted.calls("POST", "/v1/jobs")) == 1
    assert len(scripted.calls("POST", "/v1/auth/anonymous")) == 1


def test_wait_starts_the_job_when_needed(scripted, sdk_env):
    scripted.add_events(started(), completed())
    scripted.script_streams([Replay()])
    result = sdk_env.trainer().wait()
    assert result.job.id == "job-1"
    assert len(scripted.calls("POST", "/v1/jobs")) == 1


def test_the_job_config_on_the_wire_has_only_the_keys_the_user_set_in_camel_case(
    scripted, sdk_env
):
    sdk_env.trainer(
        lora={"r": 16, "alpha": 32, "load_in_4bit": False},
        max_steps=100, learning_rate=2e-4, warmup_steps=0,
        dataset_format={"type": "chatml"}, dataset_split={"eval_fraction": 0.1},
        train_on_responses_only=True, dry_run=False,
    ).start()
    (request,) = scripted.calls("POST", "/v1/jobs")
    assert request.json() == {
        "name": "support-bot-v1",
        "config": {
            "model": "arkor/tiny",
            "datasetSource": {"type": "huggingface", "name": "org/ds", "split": "train"},
            "loraR": 16, "loraAlpha": 32, "loadIn4bit": False,
            "maxSteps": 100, "learningRate": 2e-4, "warmupSteps": 0,
            "datasetFormat": {"type": "chatml"}, "datasetSplit": {"evalFraction": 0.1},
            "trainOnResponsesOnly": True, "dryRun": False,
        },
    }


def test_every_request_names_the_client_and_scoped_ones_carry_token_and_scope(
    scripted, sdk_env
):
    scripted.add_events(started(), completed())
    scripted.script_streams([Replay()])
    sdk_env.trainer().wait()
    assert {r.headers["X-Arkor-Client"] for r in scripted.requests} == {
        f"arkor-python/{__version__}"}
    for request in scripted.requests:
        if request.path != "/v1/auth/anonymous":
            assert request.headers["Authorization"] == "Bearer tok-1", request.path
    for request in scripted.requests:
        if request.path.startswith("/v1/jobs"):
            assert request.query == {"orgSlug": "anon-org-1", "projectSlug": "my-project"}


# --- wait(): dispatch and results --------------------------------------------------------


def test_wait_dispatches_events_in_order_on_the_calling_thread_with_full_contexts(
    scripted, sdk_env
):
    scripted.add_events(
        started(device="cpu", rows=32),
        log(1, loss=2.5, evalLoss=2.7, learningRate=1e-4, epoch=0.25, samplesPerSecond=3.5),
        checkpoint(2, [{"path": "checkpoints/step-2/adapter_model.safetensors", "bytes": 99}]),
        log(2, loss=None, learningRate=None),
        completed(ADAPTER_FILES, {"trainLoss": 1.25}),
    )
    scripted.script_streams([Replay()])
    recorder = Recorder()
    status_when_started: list[str] = []

    def on_started(ctx):
        status_when_started.append(ctx.job.status)
        recorder.calls.append(("on_started", ctx, threading.get_ident()))

    result = sdk_env.trainer(callbacks=recorder.callbacks(on_started=on_started)).wait()

    assert recorder.names == ["on_started", "on_log", "on_checkpoint", "on_log", "on_completed"]
    assert {thread for _, _, thread in recorder.calls} == {threading.get_ident()}
    (on_started,) = recorder.contexts("on_started")
    assert on_started.job.id == "job-1"
    assert on_started.metadata == {"device": "cpu", "rows": 32}
    assert status_when_started == ["running"]
    first, second = recorder.contexts("on_log")
    assert (first.step, first.loss, first.eval_loss, first.learning_rate, first.epoch,
            first.samples_per_second) == (1, 2.5, 2.7, 1e-4, 0.25, 3.5)
    assert (second.step, second.loss, second.eval_loss, second.learning_rate) == (
        2, None, None, None)
    assert first.job.id == "job-1"
    (on_checkpoint,) = recorder.contexts("on_checkpoint")
    assert on_checkpoint.step == 2
    assert on_checkpoint.adapter == {"kind": "checkpoint", "jobId": "job-1", "step": 2}
    assert [a.path for a in on_checkpoint.artifacts] == [
        "checkpoints/step-2/adapter_model.safetensors"]
    (on_completed,) = recorder.contexts("on_completed")
    assert [a.path for a in on_completed.artifacts] == [a["path"] for a in ADAPTER_FILES]
    assert isinstance(result, TrainingResult)
    assert [a.path for a in result.artifacts] == [a["path"] for a in ADAPTER_FILES]
    assert result.metrics == {"trainLoss": 1.25}


def test_completed_result_comes_from_the_terminal_event_without_reading_the_job(
    scripted, sdk_env
):
    events = scripted.add_events(started(), log(1), completed(ADAPTER_FILES))
    scripted.script_streams([Replay(), Stall()])  # no `end`: the terminal event is enough
    result = sdk_env.trainer().wait()
    assert result.job.status == "completed"
    assert result.job.error is None
    assert result.job.completed_at == events[-1].data("job-1")["timestamp"]
    assert scripted.calls("GET", "/v1/jobs/job-1") == []


def test_a_failed_run_returns_its_error_and_calls_on_failed(scripted, sdk_env):
    events = scripted.add_events(started(), log(1), failed("CUDA out of memory", step=3))
    scripted.script_streams([Replay(), End()])
    recorder = Recorder()
    result = sdk_env.trainer(callbacks=recorder.callbacks()).wait()
    assert result.job.status == "failed"
    assert result.job.error == "CUDA out of memory"
    assert result.job.completed_at == events[-1].data("job-1")["timestamp"]
    assert result.artifacts == []
    assert recorder.names == ["on_started", "on_log", "on_failed"]
    assert recorder.contexts("on_failed")[0].error == "CUDA out of memory"
    assert scripted.calls("GET", "/v1/jobs/job-1") == []


def test_a_cancelled_run_returns_and_calls_on_cancelled(scripted, sdk_env):
    scripted.add_events(started(), log(1), cancelled(step=1))
    scripted.script_streams([Replay(), End()])
    recorder = Recorder()
    result = sdk_env.trainer(callbacks=recorder.callbacks()).wait()
    assert result.job.status == "cancelled"
    assert recorder.names == ["on_started", "on_log", "on_cancelled"]
    assert recorder.contexts("on_cancelled")[0].step == 1
    assert scripted.calls("GET", "/v1/jobs/job-1") == []


def test_end_without_a_terminal_event_reads_the_job_once_for_its_real_status(
    scripted, sdk_env
):
    scripted.add_events(started(), log(1))
    scripted.job_overrides = {"status": "failed", "error": "worker crashed",
                              "completedAt": "2026-01-01T01:00:00Z"}
    scripted.script_streams([Replay(), End()])
    result = sdk_env.trainer().wait()
    assert result.job.status == "failed"
    assert result.job.error == "worker crashed"
    assert len(scripted.calls("GET", "/v1/jobs/job-1")) == 1


def test_unknown_event_types_and_non_json_frames_are_skipped(scripted, sdk_env):
    scripted.add_events(started(), ("training.telemetry", {"gpuUtil": 0.9}), log(1), completed())
    scripted.script_streams([
        Replay(2),
        Raw(sse_frame(event="training.log", data="{this is not json")),
        Raw(sse_frame(event="training.log", data='["a", "list"]')),
        Raw(sse_frame(data="plain text")),
        Replay(),
    ])
    recorder = Recorder()
    result = sdk_env.trainer(callbacks=recorder.callbacks()).wait()
    assert result.job.status == "completed"
    assert recorder.names == ["on_started", "on_log", "on_completed"]
    assert len(scripted.stream_connections) == 1


def test_callbacks_can_be_a_dict_of_the_same_names(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), completed())
    scripted.script_streams([Replay()])
    steps: list[int] = []
    done: list[str] = []
    sdk_env.trainer(callbacks={
        "on_log": lambda ctx: steps.append(ctx.step),
        "on_completed": lambda ctx: done.append(ctx.job.status),
    }).wait()
    assert steps == [1, 2]
    assert done == ["completed"]


def test_async_callbacks_are_awaited(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), completed())
    scripted.script_streams([Replay()])
    seen: list[object] = []

    async def on_log(ctx):
        await asyncio.sleep(0.01)
        seen.append(ctx.step)

    async def on_completed(ctx):
        await asyncio.sleep(0)
        seen.append(ctx.job.status)

    sdk_env.trainer(callbacks={"on_log": on_log, "on_completed": on_completed}).wait()
    assert seen == [1, 2, "completed"]


def test_async_callbacks_are_awaited_when_wait_runs_inside_an_event_loop(scripted, sdk_env):
    scripted.add_events(started(), log(1), completed())
    scripted.script_streams([Replay()])
    seen: list[int] = []

    async def on_log(ctx):
        await asyncio.sleep(0)
        seen.append(ctx.step)

    trainer = sdk_env.trainer(callbacks={"on_log": on_log})

    async def main():
        return trainer.wait()

    assert asyncio.run(main()).job.status == "completed"
    assert seen == [1]


# --- a raising callback ------------------------------------------------------------------


class CallbackBoom(Exception):
    pass


@pytest.mark.parametrize("raising", ["on_log", "on_checkpoint", "on_completed"])
def test_a_raising_callback_propagates_unchanged_without_reconnect_or_on_failed(
    scripted, sdk_env, raising
):
    scripted.add_events(started(), log(1), checkpoint(1), completed())
    scripted.script_streams([Replay(), Stall()])
    boom = CallbackBoom("user code failed")

    def explode(ctx):
        raise boom

    recorder = Recorder()
    trainer = sdk_env.trainer(callbacks=recorder.callbacks(**{raising: explode}))
    with pytest.raises(CallbackBoom) as caught:
        trainer.wait()
    assert caught.value is boom
    assert "on_failed" not in recorder.names
    assert len(scripted.stream_connections) == 1
    assert scripted.calls("GET", "/v1/jobs/job-1") == []


def test_a_raising_async_callback_propagates_unchanged(scripted, sdk_env):
    scripted.add_events(started(), log(1), completed())
    scripted.script_streams([Replay()])

    async def on_log(ctx):
        raise CallbackBoom(f"step {ctx.step}")

    with pytest.raises(CallbackBoom, match="step 1"):
        sdk_env.trainer(callbacks={"on_log": on_log}).wait()
    assert len(scripted.stream_connections) == 1


def test_a_raising_callback_hangs_up_the_stream(scripted, sdk_env):
    scripted.add_events(started(), log(1))
    scripted.script_streams([Replay(), Stall()])

    def explode(ctx):
        raise CallbackBoom("stop")

    with pytest.raises(CallbackBoom):
        sdk_env.trainer(callbacks={"on_log": explode}).wait()
    connection = scripted.stream_connections[0]
    assert connection.ended.wait(5), "the SDK kept the event stream open after wait() raised"
    assert connection.ended_by == "client"


# --- abort -------------------------------------------------------------------------------


def test_abort_while_reading_a_silent_stream_raises_within_a_second(scripted, sdk_env):
    scripted.add_events(started(), log(1))
    scripted.script_streams([Replay(), Stall()])
    signal = threading.Event()
    trainer = sdk_env.trainer(abort_signal=signal, reconnect={"idle_timeout": None})
    trainer.start()
    set_at = abort_later(signal, 0.3)
    with pytest.raises(AbortedError):
        trainer.wait()
    assert time.monotonic() - set_at[0] < 1.0
    assert scripted.stream_connections[0].ended.wait(5)
    assert scripted.stream_connections[0].ended_by == "client"


def test_abort_while_the_backend_never_sends_headers_raises_within_a_second(scripted, sdk_env):
    scripted.script_streams([NoHeaders()])
    signal = threading.Event()
    trainer = sdk_env.trainer(abort_signal=signal, reconnect={"idle_timeout": None})
    trainer.start()
    set_at = abort_later(signal, 0.3)
    with pytest.raises(AbortedError):
        trainer.wait()
    assert time.monotonic() - set_at[0] < 1.0
    assert len(scripted.stream_connections) == 1


def test_abort_while_sleeping_in_backoff_raises_within_a_second(scripted, sdk_env):
    scripted.script_streams([Status(503, {"error": "busy"})])
    signal = threading.Event()
    trainer = sdk_env.trainer(
        abort_signal=signal,
        reconnect={"initial_delay": 30.0, "max_delay": 60.0, "max_attempts": None},
    )
    trainer.start()
    set_at = abort_later(signal, 0.5)
    with pytest.raises(AbortedError):
        trainer.wait()
    assert time.monotonic() - set_at[0] < 1.0
    assert len(scripted.stream_connections) == 1


def test_abort_is_noticed_between_events_of_one_read(scripted, sdk_env):
    scripted.add_events(started(), *(log(step) for step in range(1, 201)), completed())
    frames = b"".join(event.frame("job-1") for event in scripted.events)
    scripted.script_streams([Raw(frames), Stall()])  # one write: the SDK reads it in one go
    signal = threading.Event()
    steps: list[int] = []

    def slow_on_log(ctx):
        steps.append(ctx.step)
        time.sleep(0.02)  # 200 events: 4 s in callbacks if the abort were only seen per read

    trainer = sdk_env.trainer(abort_signal=signal, callbacks={"on_log": slow_on_log})
    trainer.start()
    set_at = abort_later(signal, 0.3)
    with pytest.raises(AbortedError):
        trainer.wait()
    assert time.monotonic() - set_at[0] < 1.0
    assert len(steps) < 200


def test_a_second_wait_after_an_abort_resumes_without_repeating_an_event(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), log(3), completed())
    scripted.script_streams([Replay(), Stall()], [Replay()])
    signal = threading.Event()
    steps: list[int] = []

    def on_log(ctx):
        steps.append(ctx.step)
        if ctx.step == 1:
            signal.set()  # from the callback itself: the next event must not be dispatched

    trainer = sdk_env.trainer(abort_signal=signal, callbacks={"on_log": on_log})
    with pytest.raises(AbortedError):
        trainer.wait()
    assert steps == [1]
    signal.clear()
    assert trainer.wait().job.status == "completed"
    assert steps == [1, 2, 3]
    assert scripted.resume_ids == [None, "2"]
    assert len(scripted.calls("POST", "/v1/jobs")) == 1


def test_abort_does_not_cancel_the_backend_job(scripted, sdk_env):
    scripted.script_streams([Stall()])
    signal = threading.Event()
    trainer = sdk_env.trainer(abort_signal=signal)
    abort_later(signal, 0.2)
    with pytest.raises(AbortedError) as caught:
        trainer.wait()
    assert isinstance(caught.value, ArkorError)
    assert scripted.calls("POST", "/v1/jobs/job-1/cancel") == []


# --- cancel ------------------------------------------------------------------------------


def test_cancel_before_start_is_a_no_op(scripted, sdk_env):
    sdk_env.trainer().cancel()
    assert scripted.requests == []


def test_cancel_after_start_asks_the_backend(scripted, sdk_env):
    trainer = sdk_env.trainer()
    trainer.start()
    trainer.cancel()
    (request,) = scripted.calls("POST", "/v1/jobs/job-1/cancel")
    assert request.query == {"orgSlug": "anon-org-1", "projectSlug": "my-project"}
    assert request.headers["Authorization"] == "Bearer tok-1"


def test_cancel_from_a_callback_stops_the_run_which_ends_cancelled(scripted, sdk_env):
    scripted.add_events(started(), log(1), log(2), cancelled(step=2))
    scripted.script_streams([Replay()])
    trainer = None

    def on_log(ctx):
        if ctx.step == 1:
            trainer.cancel()

    trainer = sdk_env.trainer(callbacks={"on_log": on_log})
    result = trainer.wait()
    assert result.job.status == "cancelled"
    assert len(scripted.calls("POST", "/v1/jobs/job-1/cancel")) == 1


def test_cancel_refused_by_the_backend_raises_cloud_api_error(scripted, sdk_env):
    scripted.cancel_status = 409
    trainer = sdk_env.trainer()
    trainer.start()
    with pytest.raises(CloudApiError) as caught:
        trainer.cancel()
    assert caught.value.status == 409
    assert caught.value.message == "job already finished"


# --- inference at a checkpoint -----------------------------------------------------------


def run_with_checkpoint(scripted, sdk_env, on_checkpoint) -> None:
    scripted.add_events(started(), checkpoint(2), completed())
    scripted.script_streams([Replay()])
    sdk_env.trainer(callbacks={"on_checkpoint": on_checkpoint}).wait()


def test_checkpoint_infer_returns_a_completion_with_content_and_json(scripted, sdk_env):
    answers = []
    run_with_checkpoint(scripted, sdk_env, lambda ctx: answers.append(ctx.infer(
        [{"role": "user", "content": "hi"}], temperature=0.5, top_p=0.9, max_tokens=8)))
    (answer,) = answers
    assert answer.content == "Hello, world"
    assert answer.json()["object"] == "chat.completion"
    (request,) = scripted.calls("POST", "/v1/inference/chat")
    assert request.query == {"orgSlug": "anon-org-1", "projectSlug": "my-project"}
    assert request.json() == {
        "messages": [{"role": "user", "content": "hi"}],
        "adapter": {"kind": "checkpoint", "jobId": "job-1", "step": 2},
        "temperature": 0.5, "topP": 0.9, "maxTokens": 8, "stream": False,
    }


def test_checkpoint_infer_with_stream_yields_text_deltas(scripted, sdk_env):
    deltas = []
    run_with_checkpoint(scripted, sdk_env, lambda ctx: deltas.extend(
        ctx.infer([{"role": "user", "content": "hi"}], stream=True)))
    assert deltas == ["Hello", ", ", "world"]
    assert scripted.calls("POST", "/v1/inference/chat")[0].json()["stream"] is True


def test_checkpoint_infer_errors_raise_cloud_api_error(scripted, sdk_env):
    scripted.respond("POST", "/v1/inference/chat", 404, {"error": "checkpoint 2 not found"})
    errors = []

    def on_checkpoint(ctx):
        try:
            ctx.infer([{"role": "user", "content": "hi"}])
        except CloudApiError as exc:
            errors.append(exc)

    run_with_checkpoint(scripted, sdk_env, on_checkpoint)
    (error,) = errors
    assert (error.status, error.message) == (404, "checkpoint 2 not found")


def test_checkpoint_infer_stream_raises_cloud_api_error_on_an_error_chunk(scripted, sdk_env):
    body = (sse_frame(data=json.dumps({"choices": [{"index": 0, "delta": {"content": "Hel"}}]}))
            + sse_frame(data=json.dumps({"error": {"message": "CUDA out of memory"}})))
    scripted.respond("POST", "/v1/inference/chat", 200, body,
                     {"Content-Type": "text/event-stream"})
    received: list[str] = []
    errors: list[CloudApiError] = []

    def on_checkpoint(ctx):
        try:
            received.extend(ctx.infer([{"role": "user", "content": "hi"}], stream=True))
        except CloudApiError as exc:
            errors.append(exc)

    run_with_checkpoint(scripted, sdk_env, on_checkpoint)
    assert received == ["Hel"]
    (error,) = errors
    assert "CUDA out of memory" in str(error)


# --- local dataset files -----------------------------------------------------------------


def test_a_file_dataset_is_uploaded_and_the_job_uses_the_upload(scripted, sdk_env):
    rows = [{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}]
    data = "".join(json.dumps(row) + "\n" for row in rows * 3).encode()
    (sdk_env.project_dir / "train.jsonl").write_bytes(data)
    sdk_env.trainer(dataset={"type": "file", "path": "train.jsonl"}).start()
    (upload,) = scripted.calls("POST", "/v1/datasets")
    assert upload.body == data
    assert upload.headers["Content-Type"] == "application/x-ndjson"
    assert upload.headers["X-Arkor-Filename"] == "train.jsonl"
    assert upload.query == {"orgSlug": "anon-org-1", "projectSlug": "my-project"}
    (dataset_id,) = scripted.datasets
    (job,) = scripted.calls("POST", "/v1/jobs")
    assert job.json()["config"]["datasetSource"] == {"type": "upload", "id": dataset_id}


def test_a_missing_file_dataset_is_refused_at_construction(scripted, sdk_env):
    with pytest.raises(ConfigError, match=r"dataset\.path"):
        sdk_env.trainer(dataset={"type": "file", "path": "missing.jsonl"})
    assert scripted.requests == []


# --- a backend that answers nonsense -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/jobs", {"unexpected": True}),
        ("POST", "/v1/jobs", {"job": {"status": "queued"}}),
        ("POST", "/v1/auth/anonymous", {"token": "t"}),
        ("POST", "/v1/projects", []),
    ],
)
def test_a_malformed_backend_answer_raises_an_arkor_error(scripted, sdk_env, method, path, body):
    scripted.respond(method, path, 201 if method == "POST" else 200, body)
    with pytest.raises(ArkorError) as caught:
        sdk_env.trainer().start()
    assert path in str(caught.value)


# --- the package -------------------------------------------------------------------------


def test_importing_arkor_and_its_public_api_does_not_import_torch():
    code = (
        "import sys, arkor\n"
        "from arkor import (create_trainer, create_arkor, run_trainer, Trainer, Callbacks,\n"
        "    ReconnectPolicy, TrainingResult, TrainingJob, ArkorError, ConfigError,\n"
        "    CloudApiError, AbortedError)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"
