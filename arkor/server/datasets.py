"""Dataset rows: parsing JSONL, checking each row's shape, turning rows into chat messages.

Pure Python (no torch), so the backend can refuse a malformed upload at once
and the training worker can check rows from any source the same way. Every
problem names where it is (``line 17`` of a file, ``row 17`` of a loaded
dataset) and what is wrong.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

ROLES = ("system", "user", "assistant", "tool")
FORMAT_ALIASES = {
    "chatml": "chatml",
    "messages": "chatml",
    "chat": "chatml",
    "prompt_completion": "prompt_completion",
    "prompt-completion": "prompt_completion",
    "instruction": "instruction",
    "alpaca": "instruction",
}
FORMATS = ("chatml", "prompt_completion", "instruction")


class DatasetError(ValueError):
    """A dataset that cannot be trained on; ``where`` is ``line N`` / ``row N`` when known."""

    def __init__(self, problem: str, where: str | None = None) -> None:
        super().__init__(f"dataset {where}: {problem}" if where else f"dataset: {problem}")
        self.problem = problem
        self.where = where


def format_name(dataset_format: dict[str, Any] | None) -> str:
    """The canonical format name for a ``datasetFormat`` object (default ``chatml``)."""
    if not dataset_format:
        return "chatml"
    raw = str(dataset_format.get("type", "chatml")).lower()
    if raw not in FORMAT_ALIASES:
        raise DatasetError(
            f"datasetFormat.type must be one of {', '.join(FORMATS)} (got {raw!r})"
        )
    return FORMAT_ALIASES[raw]


def _text(row: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = row.get(key)
    if value is None:
        if required:
            raise ValueError(f"missing {key!r}")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string (got {type(value).__name__})")
    return value


def _chat_messages(row: dict[str, Any]) -> list[dict[str, str]]:
    if "messages" not in row:
        raise ValueError(
            "missing 'messages' (rows are chat conversations by default; set datasetFormat "
            "to prompt_completion or instruction for other shapes)"
        )
    messages = row["messages"]
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty list")
    out: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValueError(f"messages[{index}] must be an object")
        role = message.get("role")
        if role not in ROLES:
            raise ValueError(
                f"messages[{index}].role must be one of {', '.join(ROLES)} (got {role!r})"
            )
        content = message.get("content")
        if not isinstance(content, str):
            raise ValueError(
                f"messages[{index}].content must be a string (got {type(content).__name__})"
            )
        out.append({"role": role, "content": content})
    if not any(m["role"] == "assistant" and m["content"].strip() for m in out):
        raise ValueError("no assistant message with content to learn from")
    return out


def _prompt_completion(row: dict[str, Any]) -> list[dict[str, str]]:
    messages = []
    system = _text(row, "system", required=False)
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": _text(row, "prompt")})
    completion = _text(row, "completion")
    if not completion.strip():
        raise ValueError("'completion' is empty: nothing to learn from")
    messages.append({"role": "assistant", "content": completion})
    return messages


def _instruction(row: dict[str, Any]) -> list[dict[str, str]]:
    instruction = _text(row, "instruction")
    extra = _text(row, "input", required=False)
    output = _text(row, "output")
    if not output.strip():
        raise ValueError("'output' is empty: nothing to learn from")
    prompt = f"{instruction}\n\n{extra}" if extra.strip() else instruction
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": output}]


_CONVERTERS = {
    "chatml": _chat_messages,
    "prompt_completion": _prompt_completion,
    "instruction": _instruction,
}


def row_to_messages(row: Any, fmt: str, where: str) -> list[dict[str, str]]:
    """Chat messages for one row of format ``fmt``; :class:`DatasetError` names ``where``."""
    if not isinstance(row, dict):
        raise DatasetError(f"must be a JSON object (got {type(row).__name__})", where)
    try:
        return _CONVERTERS[fmt](row)
    except ValueError as exc:
        raise DatasetError(str(exc), where) from None


def parse_jsonl(lines: Iterable[bytes | str]) -> Iterator[tuple[int, Any]]:
    """``(line number, decoded JSON)`` for each non-blank line; bad JSON raises naming the line."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DatasetError(f"not valid UTF-8 ({exc.reason})", f"line {number}") from None
        text = raw.strip()
        if not text:
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"invalid JSON ({exc.msg} at column {exc.colno})", f"line {number}"
            ) from None


def conversations_from_jsonl(
    lines: Iterable[bytes | str], dataset_format: dict[str, Any] | None = None
) -> list[list[dict[str, str]]]:
    """Every row of a JSONL dataset as chat messages; the first bad line raises."""
    fmt = format_name(dataset_format)
    conversations = [
        row_to_messages(row, fmt, f"line {number}") for number, row in parse_jsonl(lines)
    ]
    if not conversations:
        raise DatasetError("has no rows")
    return conversations


def conversations_from_rows(
    rows: Iterable[Any], dataset_format: dict[str, Any] | None = None
) -> list[list[dict[str, str]]]:
    """Every row of an already-loaded dataset (e.g. ``datasets.Dataset``) as chat messages."""
    fmt = format_name(dataset_format)
    conversations = [
        row_to_messages(row, fmt, f"row {number}") for number, row in enumerate(rows, start=1)
    ]
    if not conversations:
        raise DatasetError("has no rows")
    return conversations


def blob_url_allowed(url: str) -> bool:
    """Whether the backend may fetch ``url``: https, or plain http to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
