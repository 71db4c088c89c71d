"""Dataset uploads (protocol §5 extension): ``POST /v1/datasets``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool

from arkor.server.auth import BackendDep, ProjectScopeDep
from arkor.server.errors import PayloadTooLarge
from arkor.server.uploads import receive_upload, store_upload, upload_filename

router = APIRouter()


@router.post("/v1/datasets", status_code=201)
async def upload_dataset(
    request: Request,
    backend: BackendDep,
    scope: ProjectScopeDep,
    x_arkor_filename: Annotated[str | None, Header()] = None,
    content_length: Annotated[int | None, Header()] = None,
) -> dict[str, Any]:
    """Store a JSONL dataset after checking every row; 400 names the first bad line."""
    limit = backend.settings.max_upload_bytes
    if content_length is not None and content_length > limit:
        raise PayloadTooLarge(
            f"dataset is larger than this backend's upload limit of {limit} bytes"
        )
    filename = upload_filename(x_arkor_filename)
    dataset_id, partial, size, sha256 = await receive_upload(request.stream(), backend.data, limit)
    dataset = await run_in_threadpool(
        store_upload, dataset_id, partial, size, sha256, filename, backend.data,
        scope.org.id, scope.project.id,
    )
    await run_in_threadpool(backend.store.add_dataset, dataset)
    return {"dataset": dataset.to_wire()}
