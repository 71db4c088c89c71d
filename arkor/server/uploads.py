"""Dataset uploads (protocol §5 extension): a JSONL body becomes ``datasets/<id>.jsonl``.

The body is streamed to disk under a size cap, then every row is checked with
:mod:`arkor.server.datasets` (the same checks the training worker runs), so a
malformed upload is refused at once with the first bad line.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from arkor.server.datasets import DatasetError, parse_jsonl, row_to_messages
from arkor.server.errors import BadRequest, PayloadTooLarge
from arkor.server.records import Dataset, utc_now
from arkor.server.settings import DataDir
from arkor.server.store import new_id


def detect_format(row: Any) -> str:
    """The row shape a dataset's first row suggests (``chatml`` unless it says otherwise)."""
    if isinstance(row, dict) and "messages" not in row:
        if "prompt" in row or "completion" in row:
            return "prompt_completion"
        if "instruction" in row:
            return "instruction"
    return "chatml"


def check_rows(path: Path) -> tuple[int, str]:
    """``(rows, format)`` of a JSONL file; :class:`DatasetError` names the first bad line."""
    rows = 0
    fmt = "chatml"
    with open(path, "rb") as lines:
        for number, row in parse_jsonl(lines):
            if rows == 0:
                fmt = detect_format(row)
            row_to_messages(row, fmt, f"line {number}")
            rows += 1
    if rows == 0:
        raise DatasetError("has no rows")
    return rows, fmt


def upload_filename(header: str | None) -> str:
    """A safe display name from ``X-Arkor-Filename`` (its last path part)."""
    name = os.path.basename((header or "").replace("\\", "/")).strip()
    return name[:255] or "dataset.jsonl"


async def receive_upload(body: AsyncIterator[bytes], data: DataDir, max_bytes: int) -> tuple[
    str, Path, int, str
]:
    """Stream a request body to a temporary file: ``(id, path, bytes, sha256)``; 413 over cap."""
    dataset_id = new_id("ds")
    partial = data.datasets / f".{dataset_id}.partial"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "wb") as out:
            async for chunk in body:
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"dataset is larger than this backend's upload limit of {max_bytes} bytes"
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dataset_id, partial, size, digest.hexdigest()


def store_upload(
    dataset_id: str, partial: Path, size: int, sha256: str, filename: str, data: DataDir,
    org_id: str, project_id: str,
) -> Dataset:
    """Check the rows of a received upload and keep it; 400 names the first bad line."""
    try:
        rows, fmt = check_rows(partial)
    except DatasetError as exc:
        partial.unlink(missing_ok=True)
        raise BadRequest(f"{filename}: {exc}") from None
    partial.rename(data.dataset_file(dataset_id))
    return Dataset(dataset_id, org_id, project_id, filename, rows, size, sha256, fmt, utc_now())
