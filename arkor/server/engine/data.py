"""Dataset sources (protocol §5) to checked chat conversations, and the eval split.

Rows are checked and converted by :mod:`arkor.server.datasets` (the same rules
as at upload); a malformed row raises :class:`TrainingError` naming its line
(JSONL sources) or row (``datasets`` sources) before any training step.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from arkor.server.datasets import (
    DatasetError,
    blob_url_allowed,
    conversations_from_jsonl,
    conversations_from_rows,
)
from arkor.server.engine.errors import TrainingError

Conversation = list[dict[str, str]]

BLOB_MAX_BYTES = 256 * 1024 * 1024
BLOB_TIMEOUT = (10.0, 60.0)  # connect, and each read, in seconds
BLOB_DEADLINE = 600.0  # the whole download, in seconds
BLOB_MAX_REDIRECTS = 5
LOCAL_DATA_FILES = {".json": "json", ".jsonl": "json", ".csv": "csv", ".parquet": "parquet"}


@dataclass
class Conversations:
    """The conversations a job trains on, and those it evaluates on (maybe none)."""

    train: list[Conversation]
    eval: list[Conversation]


def load_conversations(
    config: dict[str, Any], dataset_file: str | None, seed: int
) -> Conversations:
    """The job's conversations from ``config["datasetSource"]``, split per ``datasetSplit``."""
    source = config["datasetSource"]
    dataset_format = config.get("datasetFormat")
    split = config.get("datasetSplit") or {}
    fraction = split.get("evalFraction")
    if fraction is not None and split.get("eval"):
        raise TrainingError("datasetSplit: give evalFraction or a named eval split, not both")
    kind = source.get("type")
    if kind != "huggingface" and (split.get("train") or split.get("eval")):
        raise TrainingError("datasetSplit: named train/eval splits need a huggingface source")
    try:
        if kind == "huggingface":
            train_split = source.get("split") or split.get("train") or "train"
            train = _huggingface(source, train_split, dataset_format)
            named_eval = split.get("eval")
            evaluation = _huggingface(source, named_eval, dataset_format) if named_eval else []
        elif kind == "blob":
            body = fetch_blob(source["url"], source.get("token"))
            train, evaluation = conversations_from_jsonl(body.splitlines(), dataset_format), []
        elif kind == "upload":
            train, evaluation = _uploaded(dataset_file, dataset_format), []
        else:
            raise TrainingError(f"datasetSource.type {kind!r}: use huggingface, blob or upload")
    except DatasetError as exc:
        raise TrainingError(str(exc)) from None
    if fraction is not None:
        return split_eval(train, float(fraction), seed)
    return Conversations(train, evaluation)


def split_eval(conversations: list[Conversation], fraction: float, seed: int) -> Conversations:
    """A seeded random ``fraction`` of the conversations (at least one) held out for eval."""
    count = max(1, round(len(conversations) * fraction))
    if count >= len(conversations):
        raise TrainingError(
            f"datasetSplit.evalFraction {fraction} leaves no rows to train on "
            f"(the dataset has {len(conversations)} rows)"
        )
    order = list(range(len(conversations)))
    random.Random(seed).shuffle(order)
    held_out = set(order[:count])
    return Conversations(
        train=[c for i, c in enumerate(conversations) if i not in held_out],
        eval=[c for i, c in enumerate(conversations) if i in held_out],
    )


def _uploaded(
    dataset_file: str | None, dataset_format: dict[str, Any] | None
) -> list[Conversation]:
    if not dataset_file:
        raise TrainingError("the uploaded dataset's file was not given to the training worker")
    try:
        with open(dataset_file, "rb") as lines:
            return conversations_from_jsonl(lines, dataset_format)
    except FileNotFoundError:
        raise TrainingError(f"the uploaded dataset file {dataset_file} is missing") from None


def _huggingface(
    source: dict[str, Any], split: str, dataset_format: dict[str, Any] | None
) -> list[Conversation]:
    name = source["name"]
    rows = _load_dataset(name, split, source.get("subset"))
    return conversations_from_rows(rows, dataset_format)


def _load_dataset(name: str, split: str, subset: str | None) -> Any:
    import datasets  # slow to import; only this source needs it

    path = Path(name).expanduser()
    try:
        if path.is_file():
            builder = LOCAL_DATA_FILES.get(path.suffix.lower())
            if builder is None:
                raise TrainingError(
                    f"huggingface dataset {name!r}: a local file must be one of "
                    f"{', '.join(LOCAL_DATA_FILES)}"
                )
            return datasets.load_dataset(builder, data_files={split: str(path)}, split=split)
        if (path / "dataset_dict.json").is_file() or (path / "state.json").is_file():
            saved = datasets.load_from_disk(str(path))
            return saved[split] if isinstance(saved, datasets.DatasetDict) else saved
        return datasets.load_dataset(name, subset, split=split)
    except TrainingError:
        raise
    except Exception as exc:  # the datasets library raises many types for "cannot load"
        where = f"{name!r} ({f'subset {subset!r}, ' if subset else ''}split {split!r})"
        raise TrainingError(f"huggingface dataset {where} could not be loaded: {exc}") from exc


def _shown(url: str) -> str:
    # Query strings often carry signatures or tokens: never echo them.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def check_blob_url(url: str) -> None:
    """Refuse a URL the backend must not fetch: not http(s), or http to a non-loopback host."""
    if blob_url_allowed(url):
        return
    raise TrainingError(
        f"datasetSource.url {_shown(url)} must be https (plain http is allowed only to "
        "loopback hosts such as 127.0.0.1)"
    )


def fetch_blob(
    url: str,
    token: str | None = None,
    *,
    max_bytes: int = BLOB_MAX_BYTES,
    timeout: tuple[float, float] = BLOB_TIMEOUT,
    deadline: float = BLOB_DEADLINE,
) -> bytes:
    """The body at ``url`` (redirects checked like the URL itself), at most ``max_bytes`` long."""
    import requests

    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with requests.Session() as session:
        for _ in range(BLOB_MAX_REDIRECTS + 1):
            check_blob_url(url)
            try:
                response = session.get(
                    url, headers=headers, stream=True, timeout=timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                raise TrainingError(f"dataset {_shown(url)} could not be fetched: {exc}") from exc
            with response:
                if response.is_redirect:
                    target = urljoin(url, response.headers["location"])
                    if urlsplit(target).netloc != urlsplit(url).netloc:
                        headers = {}  # never hand the token to another host
                    url = target
                    continue
                if response.status_code != 200:
                    raise TrainingError(
                        f"dataset {_shown(url)} could not be fetched: HTTP {response.status_code}"
                    )
                return _read_capped(response, url, max_bytes, started + deadline)
    raise TrainingError(f"dataset {_shown(url)}: more than {BLOB_MAX_REDIRECTS} redirects")


def _read_capped(response: Any, url: str, max_bytes: int, deadline: float) -> bytes:
    import requests

    too_big = TrainingError(f"dataset {_shown(url)} is larger than the {max_bytes} byte limit")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    body = bytearray()
    try:
        for chunk in response.iter_content(chunk_size=1 << 20):
            body += chunk
            if len(body) > max_bytes:
                raise too_big
            if time.monotonic() > deadline:
                raise TrainingError(f"dataset {_shown(url)}: download took too long")
    except requests.RequestException as exc:
        raise TrainingError(f"dataset {_shown(url)} could not be fetched: {exc}") from exc
    return bytes(body)
