"""Jobs (protocol §3), their event stream (§4) and their artifacts (§7)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse, StreamingResponse

from arkor.server.auth import BackendDep, ProjectScopeDep, job_in_scope
from arkor.server.errors import BadRequest, Conflict, NotFound
from arkor.server.events import job_event_stream
from arkor.server.job_config import check_job_config
from arkor.types import JobConfig, RequestModel
from arkor.validation import NonEmptyStr

router = APIRouter()

_STEP_PART = re.compile(r"^step-(\d+)$")
_HIDDEN = frozenset({"worker.pid"})


class CreateJobRequest(RequestModel):
    name: NonEmptyStr
    config: JobConfig


@router.post("/v1/jobs", status_code=201)
def create_job(
    backend: BackendDep, scope: ProjectScopeDep, body: CreateJobRequest
) -> dict[str, Any]:
    """Validate the config, queue the job."""
    check_job_config(body.config, backend.store, scope.org)
    job = backend.store.create_job(scope.org.id, scope.project.id, body.name, body.config.to_wire())
    backend.runner.submit(job.id)
    return {"job": job.to_wire()}


@router.get("/v1/jobs")
def list_jobs(backend: BackendDep, scope: ProjectScopeDep) -> dict[str, Any]:
    """The project's jobs, newest first."""
    return {"jobs": [job.to_wire() for job in backend.store.jobs_in_project(scope.project.id)]}


@router.get("/v1/jobs/{job_id}")
def get_job(backend: BackendDep, scope: ProjectScopeDep, job_id: str) -> dict[str, Any]:
    """One job with all its events so far."""
    job = job_in_scope(backend, scope, job_id)
    events, after = [], 0
    while batch := backend.store.events_after(job.id, after, limit=5000):
        events.extend(event.data for event in batch)
        after = batch[-1].id
    return {"job": job.to_wire(), "events": events}


@router.post("/v1/jobs/{job_id}/cancel")
def cancel_job(backend: BackendDep, scope: ProjectScopeDep, job_id: str) -> JSONResponse:
    """Cancel: 200 when done at once (queued), 202 while the worker stops, 409 when ended."""
    job = job_in_scope(backend, scope, job_id)
    outcome = backend.runner.cancel(job.id)
    job = job_in_scope(backend, scope, job_id)
    if outcome == "finished":
        raise Conflict(f"job {job.id} has already ended ({job.status})", status=job.status)
    return JSONResponse({"job": job.to_wire()}, status_code=200 if outcome == "cancelled" else 202)


def _last_event_id(header: str | None) -> int:
    if header is None or not header.strip():
        return 0
    try:
        value = int(header.strip())
    except ValueError:
        raise BadRequest(f"Last-Event-ID must be an integer event id (got {header!r})") from None
    return max(value, 0)


@router.get("/v1/jobs/{job_id}/events/stream")
async def stream_job_events(
    backend: BackendDep,
    scope: ProjectScopeDep,
    job_id: str,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The job's events as Server-Sent Events, resumed after ``Last-Event-ID``."""
    job = await run_in_threadpool(job_in_scope, backend, scope, job_id)
    frames = job_event_stream(
        backend.store, backend.hub, job.id, _last_event_id(last_event_id),
        backend.settings.ping_interval,
    )
    return StreamingResponse(
        frames,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _artifact(job_dir: Path, path: Path) -> dict[str, Any]:
    relative = path.relative_to(job_dir)
    entry: dict[str, Any] = {"path": relative.as_posix(), "bytes": path.stat().st_size}
    if len(relative.parts) > 1 and relative.parts[0] == "checkpoints":
        match = _STEP_PART.match(relative.parts[1])
        if match:
            entry["step"] = int(match.group(1))
    return entry


@router.get("/v1/jobs/{job_id}/artifacts")
def list_artifacts(backend: BackendDep, scope: ProjectScopeDep, job_id: str) -> dict[str, Any]:
    """Every file the job produced (adapters, tokenizer files, its log), relative to its folder."""
    job = job_in_scope(backend, scope, job_id)
    job_dir = backend.data.job_dir(job.id).resolve()
    files = sorted(
        path for path in job_dir.rglob("*")
        if path.is_file() and not path.is_symlink() and path.name not in _HIDDEN
        # Folders being written (".step-3-x" staging) are not artifacts yet.
        and not any(part.startswith(".") for part in path.relative_to(job_dir).parts)
    )
    return {"artifacts": [_artifact(job_dir, path) for path in files]}


@router.get("/v1/jobs/{job_id}/artifacts/{path:path}")
def download_artifact(
    backend: BackendDep, scope: ProjectScopeDep, job_id: str, path: str
) -> FileResponse:
    """One file of the job's folder; paths that leave the folder are not found."""
    job = job_in_scope(backend, scope, job_id)
    job_dir = backend.data.job_dir(job.id).resolve()
    target = (job_dir / path).resolve()
    if (
        not target.is_relative_to(job_dir)
        or target == job_dir
        or not target.is_file()
        or target.name in _HIDDEN
    ):
        raise NotFound(f"job {job.id} has no artifact {path!r}")
    return FileResponse(target, filename=target.name)
