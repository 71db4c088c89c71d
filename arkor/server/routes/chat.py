"""Inference (protocol §6): ``/v1/inference/chat`` and the OpenAI-compatible
``/v1/chat/completions``; both answer through :func:`answer_chat`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from arkor.server.auth import (
    BackendDep,
    IdentityDep,
    ProjectScopeDep,
    job_in_scope,
    job_of_identity,
)
from arkor.server.backend import Backend
from arkor.server.chat_completions import ChatJob, answer_chat, refuse_unsupported
from arkor.server.errors import BadRequest
from arkor.server.inference import checkpoint_dir, final_adapter_dir
from arkor.server.job_config import check_model
from arkor.server.records import Job
from arkor.types import ChatMessage, ChatRequest
from arkor.validation import NonEmptyStr, NonNegativeInt, PositiveInt, StrictBool, Temperature, TopP

router = APIRouter()

_JOB_MODEL = re.compile(r"^(job_[0-9a-f]+)(?:@(\d+))?$")


class OpenAIChatRequest(BaseModel):
    """The OpenAI chat-completions request; options this backend cannot honour are refused."""

    model_config = ConfigDict(extra="ignore")
    model: NonEmptyStr
    messages: Annotated[list[ChatMessage], Field(min_length=1)]
    temperature: Temperature | None = None
    top_p: TopP | None = None
    max_tokens: PositiveInt | None = None
    max_completion_tokens: PositiveInt | None = None
    stream: StrictBool | None = False
    stream_options: dict[str, Any] | None = None
    n: PositiveInt | None = None
    tools: Any = None
    tool_choice: Any = None
    functions: Any = None
    function_call: Any = None
    response_format: Any = None
    stop: Any = None
    logprobs: Any = None
    top_logprobs: NonNegativeInt | None = None
    logit_bias: Any = None
    presence_penalty: Any = None
    frequency_penalty: Any = None


def _adapter_target(backend: Backend, job: Job, step: int | None) -> tuple[dict[str, Any], str]:
    if step is None:
        return {"adapterDir": str(final_adapter_dir(backend.data, job))}, job.id
    return {"adapterDir": str(checkpoint_dir(backend.data, job, step))}, f"{job.id}@{step}"


@router.post("/v1/inference/chat")
async def inference_chat(
    backend: BackendDep, scope: ProjectScopeDep, body: ChatRequest
) -> Response:
    """Chat with a base model, a job's final adapter or one of its checkpoints."""
    refuse_unsupported({
        "tools": body.tools,
        "toolChoice": body.tool_choice,
        "responseFormat": body.response_format,
        "structuredOutputs": body.structured_outputs,
    })
    if (body.adapter is None) == (body.base_model is None):
        raise BadRequest("send exactly one of adapter and baseModel")
    if body.adapter is not None:
        job = job_in_scope(backend, scope, body.adapter.job_id)
        if body.adapter.kind == "checkpoint" and body.adapter.step is None:
            raise BadRequest("adapter.step is required when adapter.kind is 'checkpoint'")
        step = body.adapter.step if body.adapter.kind == "checkpoint" else None
        target, name = _adapter_target(backend, job, step)
    else:
        check_model(body.base_model or "", "baseModel")
        target, name = {"baseModel": body.base_model}, body.base_model or ""
    return await answer_chat(backend.inference, ChatJob(
        target, name, body.messages, body.temperature, body.top_p, body.max_tokens, body.stream,
    ))


@router.post("/v1/chat/completions")
async def chat_completions(
    backend: BackendDep, identity: IdentityDep, body: OpenAIChatRequest
) -> Response:
    """OpenAI-compatible chat: ``model`` is a base model id, ``<jobId>`` or ``<jobId>@<step>``."""
    refuse_unsupported({
        "tools": body.tools,
        "tool_choice": body.tool_choice,
        "functions": body.functions,
        "function_call": body.function_call,
        "response_format": body.response_format,
        "stop": body.stop,
        "logprobs": body.logprobs,
        "top_logprobs": body.top_logprobs,
        "logit_bias": body.logit_bias,
        "presence_penalty": body.presence_penalty or None,
        "frequency_penalty": body.frequency_penalty or None,
    })
    if body.n not in (None, 1):
        raise BadRequest(f"n={body.n} is not supported by this backend yet (only n=1)")
    match = _JOB_MODEL.match(body.model)
    if match:
        job = job_of_identity(backend, identity, match.group(1))
        step = int(match.group(2)) if match.group(2) is not None else None
        target, name = _adapter_target(backend, job, step)
    else:
        check_model(body.model, "model")
        target, name = {"baseModel": body.model}, body.model
    include_usage = bool((body.stream_options or {}).get("include_usage"))
    return await answer_chat(backend.inference, ChatJob(
        target, name, body.messages, body.temperature, body.top_p,
        body.max_completion_tokens or body.max_tokens, bool(body.stream), include_usage,
    ))
