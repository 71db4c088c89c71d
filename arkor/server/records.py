"""The rows the backend stores, as small immutable records that know their wire shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from arkor.types import TERMINAL_STATUSES


def utc_now() -> str:
    """The current time as the protocol spells timestamps (ISO-8601 UTC, milliseconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Identity:
    """An anonymous identity (the owner of a token)."""

    id: str
    anonymous_id: str
    kind: str
    created_at: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "anonymousId": self.anonymous_id,
            "kind": self.kind,
            "anonymous": True,
            "createdAt": self.created_at,
        }


@dataclass(frozen=True)
class Org:
    id: str
    slug: str
    name: str

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "slug": self.slug, "name": self.name}


@dataclass(frozen=True)
class Project:
    id: str
    org_id: str
    slug: str
    name: str
    created_at: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "orgId": self.org_id,
            "createdAt": self.created_at,
        }


@dataclass(frozen=True)
class Dataset:
    """An uploaded JSONL dataset; ``format`` is the row shape detected at upload."""

    id: str
    org_id: str
    project_id: str
    filename: str
    rows: int
    bytes: int
    sha256: str
    format: str
    created_at: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "format": self.format,
            "createdAt": self.created_at,
        }


@dataclass(frozen=True)
class Job:
    id: str
    org_id: str
    project_id: str
    name: str
    status: str
    config: dict[str, Any]
    error: str | None
    created_at: str
    started_at: str | None
    completed_at: str | None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_wire(self) -> dict[str, Any]:
        """The protocol's ``TrainingJob`` (a blob source's token is never sent back)."""
        config = self.config
        source = config.get("datasetSource")
        if isinstance(source, dict) and source.get("token"):
            config = {**config, "datasetSource": {**source, "token": "[redacted]"}}
        return {
            "id": self.id,
            "orgId": self.org_id,
            "projectId": self.project_id,
            "name": self.name,
            "status": self.status,
            "config": config,
            "error": self.error,
            "createdAt": self.created_at,
            "startedAt": self.started_at,
            "completedAt": self.completed_at,
        }


@dataclass(frozen=True)
class JobEvent:
    """One committed event; ``data`` already carries ``type``, ``jobId`` and ``timestamp``."""

    job_id: str
    id: int
    type: str
    data: dict[str, Any]

    def to_sse(self) -> bytes:
        """The event as one Server-Sent Events frame (protocol §4)."""
        payload = json.dumps(self.data, separators=(",", ":"), allow_nan=False)
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n".encode()
