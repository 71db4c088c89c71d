"""Chatting with a base model, a checkpoint or a final adapter (protocol §6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from arkor.client import CloudClient, Scope, chunk_delta, iter_sse_data
from arkor.errors import CloudApiError, ConfigError
from arkor.types import ChatRequest
from arkor.validation import describe_validation_error


class ChatCompletion:
    """A non-streaming chat answer: ``content``, ``finish_reason``, ``usage``, ``json()``."""

    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body
        choices = body.get("choices") or [{}]
        message = choices[0].get("message") or {}
        self.content: str = message.get("content") or ""
        self.finish_reason: str | None = choices[0].get("finish_reason")
        self.usage: dict[str, Any] = body.get("usage") or {}
        self.model: str | None = body.get("model")

    def json(self) -> dict[str, Any]:
        """The whole OpenAI-shaped ``chat.completion`` body."""
        return self._body

    def __repr__(self) -> str:
        return f"ChatCompletion(content={self.content!r}, finish_reason={self.finish_reason!r})"


def chat_request(
    messages: list[dict[str, Any]],
    *,
    adapter: dict[str, Any] | None = None,
    base_model: str | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    stream: bool = False,
    tools: list[Any] | None = None,
    tool_choice: Any = None,
    response_format: Any = None,
    structured_outputs: Any = None,
) -> dict[str, Any]:
    """A validated ``/v1/inference/chat`` body (only the options that were given)."""
    values = {
        "messages": messages, "adapter": adapter, "base_model": base_model,
        "temperature": temperature, "top_p": top_p, "max_tokens": max_tokens,
        "stream": stream, "tools": tools, "tool_choice": tool_choice,
        "response_format": response_format, "structured_outputs": structured_outputs,
    }
    try:
        request = ChatRequest.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    body = request.to_wire()
    body["messages"] = [m.model_dump(exclude_none=True) for m in request.messages]
    body["stream"] = stream
    return body


def send_chat(
    client: CloudClient, scope: Scope, body: dict[str, Any]
) -> ChatCompletion | Iterator[str]:
    """Send a chat body; a :class:`ChatCompletion`, or text deltas when streaming."""
    response = client.chat(scope, body)
    if body.get("stream"):
        return (delta for data in iter_sse_data(response) if (delta := chunk_delta(data)))
    try:
        payload = response.json()
    except ValueError as exc:
        raise CloudApiError(response.status_code, "inference answered with invalid JSON") from exc
    return ChatCompletion(payload)
