"""Checks of a ``JobConfig`` that need the backend's knowledge (models, uploads, engine names),
run at ``POST /v1/jobs`` after the pydantic model so no compute is spent on a bad job.

Every problem is a :class:`BadRequest` naming the field as it is on the wire
(``config.optim must be one of ... (got 'adamq')``).
"""

from __future__ import annotations

import re
from pathlib import Path

from arkor.server.datasets import DatasetError, blob_url_allowed, format_name
from arkor.server.engine import names
from arkor.server.errors import BadRequest
from arkor.server.records import Org
from arkor.server.store import Store
from arkor.types import BlobSource, JobConfig, UploadSource

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
BUILTIN_MODELS = (names.TINY_MODEL_ID,)


def cuda_device_present() -> bool:
    """Whether this machine shows an NVIDIA GPU (a torch-free look at the device nodes)."""
    return Path("/dev/nvidiactl").exists() and any(Path("/dev").glob("nvidia[0-9]*"))


def check_model(model: str, field: str) -> None:
    """Refuse a model that is neither built in, a local directory, nor an ``org/name`` hub id."""
    if model in BUILTIN_MODELS:
        return
    if model.startswith(("/", ".", "~")):
        if not Path(model).expanduser().is_dir():
            raise BadRequest(f"{field}: no model directory at {model!r} on the backend")
        return
    if Path(model).is_dir() or HUB_ID.match(model):
        return
    raise BadRequest(
        f"{field} must be {', '.join(repr(m) for m in BUILTIN_MODELS)}, a local model directory "
        f"or a Hugging Face id like 'org/name' (got {model!r})"
    )


def check_job_config(config: JobConfig, store: Store, org: Org) -> None:
    """Raise :class:`BadRequest` naming the first field of ``config`` this backend cannot run."""
    check_model(config.model, "config.model")
    for value, check in ((config.optim, names.check_optimizer),
                         (config.lr_scheduler_type, names.check_lr_scheduler)):
        problem = check(value) if value is not None else None
        if problem:
            raise BadRequest(f"config.{problem}")
    has_cuda = None
    if config.load_in_4bit or config.optim in names.CUDA_ONLY_OPTIMIZERS:
        has_cuda = cuda_device_present()
    if config.load_in_4bit and not has_cuda:
        raise BadRequest("config.loadIn4bit needs a CUDA GPU, and this backend has none")
    if config.optim in names.CUDA_ONLY_OPTIMIZERS and not has_cuda:
        raise BadRequest(
            f"config.optim {config.optim!r} needs a CUDA GPU, and this backend has none"
        )
    try:
        row_format = format_name(
            config.dataset_format.model_dump(by_alias=True) if config.dataset_format else None
        )
    except DatasetError as exc:
        raise BadRequest(f"config.{exc.problem}") from None
    source = config.dataset_source
    if isinstance(source, BlobSource):
        if not blob_url_allowed(source.url):
            raise BadRequest(
                "config.datasetSource.url must be https (plain http only to a loopback host) "
                f"(got {source.url!r})"
            )
    elif isinstance(source, UploadSource):
        dataset = store.dataset(source.id)
        if dataset is None or dataset.org_id != org.id:
            raise BadRequest(
                f"config.datasetSource.id: no uploaded dataset {source.id!r} in org {org.slug!r} "
                "(upload it first with POST /v1/datasets)"
            )
        if dataset.format != row_format:
            raise BadRequest(
                f"config.datasetFormat: dataset {source.id} holds {dataset.format} rows, but "
                f"the job reads {row_format} rows; set datasetFormat to "
                f'{{"type": "{dataset.format}"}}'
            )
