"""Chat with base models, checkpoints and final adapters (§6), also via the ``openai`` package."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import openai
import pytest
from conftest import ApiUser, BackendProcess, TrainedJob

pytestmark = pytest.mark.training

HELLO = [{"role": "user", "content": "Ticket 7: my refund is broken"}]


def chat(user: ApiUser, **body):
    return user.post("/v1/inference/chat", json={"messages": HELLO, "maxTokens": 8, **body},
                     stream=bool(body.get("stream", True)))


def sse_chunks(response) -> list:
    lines = [line for line in response.iter_lines(decode_unicode=True) if line]
    assert lines[-1] == "data: [DONE]", lines[-3:]
    return [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]


def test_chat_with_the_base_model_streams_openai_chunks_ended_by_done(user: ApiUser):
    response = chat(user, baseModel="arkor/tiny")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_chunks(response)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert isinstance(text, str)


def test_chat_without_stream_answers_one_completion(trained_job: TrainedJob):
    response = chat(trained_job.user, stream=False,
                    adapter={"kind": "final", "jobId": trained_job.id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == trained_job.id
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert isinstance(body["choices"][0]["message"]["content"], str)
    assert body["usage"]["completion_tokens"] >= 0


def test_chat_with_a_checkpoint_streams(trained_job: TrainedJob):
    step = trained_job.checkpoint_steps()[0]
    response = chat(trained_job.user, adapter={"kind": "checkpoint", "jobId": trained_job.id,
                                               "step": step})
    assert response.status_code == 200, response.text
    assert sse_chunks(response)[0]["model"] == f"{trained_job.id}@{step}"


def test_an_unknown_checkpoint_is_404_listing_the_steps_there_are(trained_job: TrainedJob):
    response = chat(trained_job.user, adapter={"kind": "checkpoint", "jobId": trained_job.id,
                                               "step": 5})
    assert response.status_code == 404
    assert "available steps: 3, 6" in response.json()["error"]


def test_a_job_without_a_final_adapter_is_409(user: ApiUser):
    rows = [{"prompt": "a", "completion": "b"}]
    dataset = user.upload(rows)
    job = user.create_job({"model": "arkor/tiny", "maxSteps": 500, "datasetSource": dataset,
                           "datasetFormat": {"type": "prompt_completion"}})
    response = chat(user, adapter={"kind": "final", "jobId": job["id"]})
    assert response.status_code == 409
    assert "no final adapter" in response.json()["error"]
    user.post(f"/v1/jobs/{job['id']}/cancel")
    user.wait_for_status(job["id"], {"cancelled"})


def test_unsupported_chat_options_are_400_never_ignored(user: ApiUser):
    options = {
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "toolChoice": "auto",
        "responseFormat": {"type": "json_object"},
        "structuredOutputs": {"schema": {}},
    }
    for name, value in options.items():
        response = chat(user, baseModel="arkor/tiny", **{name: value})
        assert response.status_code == 400, name
        assert response.json()["error"] == f"{name} is not supported by this backend yet"


def test_bad_chat_requests_are_400_or_404(user: ApiUser):
    both = chat(user, baseModel="arkor/tiny", adapter={"kind": "final", "jobId": "job_00"})
    assert both.status_code == 400
    neither = chat(user)
    assert neither.status_code == 400
    no_step = chat(user, adapter={"kind": "checkpoint", "jobId": "job_00"})
    assert no_step.status_code in (400, 404)
    unknown = chat(user, adapter={"kind": "final", "jobId": "job_00"})
    assert unknown.status_code == 404
    bad_role = user.post("/v1/inference/chat", json={
        "baseModel": "arkor/tiny", "messages": [{"role": "robot", "content": "x"}]})
    assert bad_role.status_code == 400
    assert bad_role.json()["error"].startswith("messages[0].role must be")
    no_messages = user.post("/v1/inference/chat", json={"baseModel": "arkor/tiny",
                                                         "messages": []})
    assert no_messages.status_code == 400
    bad_model = chat(user, baseModel="no such model")
    assert bad_model.status_code == 400
    missing = chat(user, baseModel="no-such-org/no-such-model", stream=False)
    assert missing.status_code == 400
    assert "no-such-org/no-such-model" in missing.json()["error"]


def openai_client(user: ApiUser) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{user.backend.url}/v1", api_key=user.token, max_retries=0)


def test_the_openai_package_chats_with_base_final_and_checkpoint(trained_job: TrainedJob):
    client = openai_client(trained_job.user)
    step = trained_job.checkpoint_steps()[-1]
    for model in ("arkor/tiny", trained_job.id, f"{trained_job.id}@{step}"):
        completion = client.chat.completions.create(model=model, messages=HELLO, max_tokens=8)
        assert completion.model == model
        assert isinstance(completion.choices[0].message.content, str)
        assert completion.usage is not None
        stream = client.chat.completions.create(
            model=model, messages=HELLO, max_tokens=8, stream=True,
            stream_options={"include_usage": True})
        chunks = list(stream)
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens >= 0
        assert any(c.choices and c.choices[0].finish_reason for c in chunks)


def test_the_openai_route_refuses_other_identities_and_unsupported_options(
    trained_job: TrainedJob, backend: BackendProcess
):
    stranger = openai_client(backend.new_user())
    with pytest.raises(openai.NotFoundError):
        stranger.chat.completions.create(model=trained_job.id, messages=HELLO)
    with pytest.raises(openai.BadRequestError) as refused:
        stranger.chat.completions.create(
            model="arkor/tiny", messages=HELLO,
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}])
    assert "tools is not supported" in str(refused.value)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{backend.url}/v1", api_key="wrong", max_retries=0
                      ).chat.completions.create(model="arkor/tiny", messages=HELLO)


def test_the_server_process_never_loads_torch(trained_job: TrainedJob, backend: BackendProcess):
    # By now the session backend has trained and chatted; only its workers may map libtorch.
    chat(trained_job.user, baseModel="arkor/tiny", stream=False)
    maps = Path(f"/proc/{backend.pid}/maps").read_text()
    assert "libtorch" not in maps
    assert "torch" not in Path(f"/proc/{backend.pid}/cmdline").read_text()


def child_pids(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def test_a_dead_inference_worker_is_restarted_by_the_next_request(
    user: ApiUser, backend: BackendProcess
):
    assert chat(user, baseModel="arkor/tiny", stream=False).status_code == 200
    chat_workers = [pid for pid in child_pids(backend.pid)
                    if b"worker\x00chat" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(chat_workers) == 1
    os.kill(chat_workers[0], signal.SIGKILL)
    response = chat(user, baseModel="arkor/tiny", stream=False)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["role"] == "assistant"
