"""Answering a chat request in OpenAI's shapes: one ``chat.completion`` object, or an SSE
stream of ``chat.completion.chunk`` objects ended by ``data: [DONE]`` (protocol §6).

Both chat routes (``/v1/inference/chat`` and the OpenAI-compatible
``/v1/chat/completions``) resolve their target, then call :func:`answer_chat`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response, StreamingResponse

from arkor.server.errors import ApiError, BadRequest
from arkor.server.inference import ChatCall, InferenceFailed, InferenceWorker
from arkor.types import ChatMessage


class InferenceCrashed(ApiError):
    """The engine failed on a request for a reason that is not the user's: 500 with the reason."""

    status = 500


@dataclass(frozen=True)
class ChatJob:
    """What to run and how: the engine target, the name answers carry, sampling options."""

    target: dict[str, Any]
    model_name: str
    messages: list[ChatMessage]
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    stream: bool
    include_usage: bool = False


def refuse_unsupported(options: dict[str, Any]) -> None:
    """400 for the first request option this backend cannot honour yet (never ignore it)."""
    for name, value in options.items():
        if value not in (None, False, [], {}, ""):
            raise BadRequest(f"{name} is not supported by this backend yet")


def _usage(raw: Any) -> dict[str, int]:
    raw = raw if isinstance(raw, dict) else {}
    prompt = int(raw.get("prompt_tokens", raw.get("promptTokens", 0)) or 0)
    completion = int(raw.get("completion_tokens", raw.get("completionTokens", 0)) or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _first_message(call: ChatCall) -> dict[str, Any]:
    message = call.next_message()
    if "error" in message:
        call.close()
        error = f"inference failed: {message['error']}"
        raise InferenceFailed(error) if message.get("userError") else InferenceCrashed(error)
    return message


async def answer_chat(inference: InferenceWorker, job: ChatJob) -> Response:
    """Run the chat on the inference worker and answer in OpenAI's shape."""
    request = {
        "target": job.target,
        "messages": [m.model_dump(exclude_none=True) for m in job.messages],
        "temperature": job.temperature,
        "topP": job.top_p,
        "maxTokens": job.max_tokens,
    }
    call = await run_in_threadpool(inference.open_chat, request)
    try:
        # Errors before the first token (model not loadable, ...) become a proper status.
        first = await run_in_threadpool(_first_message, call)
    except BaseException:
        call.close()
        raise
    completion_id = f"chatcmpl-{secrets.token_hex(12)}"
    created = int(time.time())
    if not job.stream:
        try:
            text, message = [], first
            while "delta" in message:
                text.append(message["delta"])
                message = await run_in_threadpool(call.next_message)
        finally:
            call.close()
        return JSONResponse({
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": job.model_name,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": "".join(text)},
                "finish_reason": message.get("finishReason") or "stop",
            }],
            "usage": _usage(message.get("usage")),
        })
    return StreamingResponse(
        _chunks(call, first, job, completion_id, created),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _chunks(
    call: ChatCall, first: dict[str, Any], job: ChatJob, completion_id: str, created: int
) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": job.model_name,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    try:
        yield _sse(chunk({"role": "assistant", "content": ""}))
        message = first
        while "delta" in message:
            yield _sse(chunk({"content": message["delta"]}))
            try:
                message = await run_in_threadpool(call.next_message)
            except ApiError as exc:
                message = {"error": exc.message}
        if "error" in message:
            yield _sse({"error": {"message": f"inference failed: {message['error']}",
                                  "type": "server_error"}})
            return
        yield _sse(chunk({}, message.get("finishReason") or "stop"))
        if job.include_usage:
            usage = {**chunk({}), "choices": [], "usage": _usage(message.get("usage"))}
            yield _sse(usage)
        yield b"data: [DONE]\n\n"
    finally:
        if not call.finished:
            # Abandoned mid-answer (client went away): drain it without holding up this task.
            threading.Thread(target=call.close, daemon=True).start()
        else:
            call.close()
