"""The HTTP client of the backend protocol: one method per route, typed errors.

Every method goes through :meth:`CloudClient.request`, which adds the client
header and bearer token, maps non-2xx answers to :class:`CloudApiError`
(426 to :class:`UpgradeRequiredError` with an upgrade hint), maps transport
failures to :class:`BackendUnreachableError` and records ``Deprecation``
headers in :data:`deprecation_notices` so the CLI can print them once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import requests
from pydantic import ValidationError

from arkor._version import __version__
from arkor.errors import BackendUnreachableError, CloudApiError, UpgradeRequiredError
from arkor.types import (
    AnonymousIdentity,
    Artifact,
    Project,
    TrainingJob,
    UploadedDataset,
    WireModel,
)
from arkor.validation import describe_validation_error

WireT = TypeVar("WireT", bound=WireModel)

CLIENT_HEADER = f"arkor-python/{__version__}"
DEFAULT_TIMEOUT = (10.0, 60.0)

#: ``Deprecation``/``Warning``/``Sunset`` notices seen in responses, oldest first, unique.
deprecation_notices: list[str] = []


@dataclass(frozen=True)
class Scope:
    """The org and project that job, inference and dataset routes are addressed in."""

    org_slug: str
    project_slug: str

    def params(self) -> dict[str, str]:
        """The scope as protocol query parameters."""
        return {"orgSlug": self.org_slug, "projectSlug": self.project_slug}


def _error_message(response: requests.Response) -> tuple[str, Any]:
    text = response.text
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]:
        return body["error"], body
    if text.strip():
        return text.strip()[:500], body
    return f"cloud-api {response.status_code}", body


def _upgrade_hint(body: Any, fallback: str) -> str:
    if not isinstance(body, dict):
        return f"This backend requires a newer arkor SDK ({fallback}). Run: pip install -U arkor"
    supported = body.get("supportedRange") or "a newer version"
    upgrade = body.get("upgrade") or "pip install -U arkor"
    return (
        f"This backend no longer supports arkor {__version__} (supported: {supported}). "
        f"Upgrade with: {upgrade}"
    )


def _parse(model: type[WireT], value: Any, path: str) -> WireT:
    """A wire object from a 2xx answer to ``path``.

    An answer that breaks the protocol's shape raises :class:`CloudApiError`
    with status 502, as a gateway reports an invalid upstream answer.
    """
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = describe_validation_error(exc, prefix=model.__name__)
        message = f"backend answered {path} with an invalid body: {problems}"
        raise CloudApiError(502, message) from exc


def record_deprecation(response: requests.Response) -> None:
    """Remember a ``Deprecation: true`` answer (with its Warning/Sunset text) once."""
    if response.headers.get("Deprecation", "").strip().lower() != "true":
        return
    warning = response.headers.get("Warning", "")
    if '"' in warning:
        warning = warning.split('"', 2)[1]
    notice = warning or "This arkor SDK version is deprecated by the backend; please upgrade."
    sunset = response.headers.get("Sunset")
    if sunset:
        notice += f" (sunset: {sunset})"
    if notice not in deprecation_notices:
        deprecation_notices.append(notice)


def raise_for_status(response: requests.Response) -> None:
    """Raise the typed error for a non-2xx ``response`` (after recording deprecations)."""
    record_deprecation(response)
    if response.status_code < 400:
        return
    message, body = _error_message(response)
    if response.status_code == 426:
        raise UpgradeRequiredError(426, _upgrade_hint(body, message), body)
    raise CloudApiError(response.status_code, message, body)


class CloudClient:
    """A client for one backend (``base_url``), optionally authenticated with ``token``."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.timeout = timeout

    # --- the one request function ------------------------------------------------

    def headers(self) -> dict[str, str]:
        """Headers every request carries."""
        headers = {"X-Arkor-Client": CLIENT_HEADER}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        timeout: tuple[float, float] | float | None = None,
    ) -> requests.Response:
        """Send one request; non-2xx raises :class:`CloudApiError`, transport errors
        :class:`BackendUnreachableError`."""
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                data=data,
                headers={**self.headers(), **(headers or {})},
                stream=stream,
                timeout=timeout or self.timeout,
            )
        except requests.RequestException as exc:
            raise BackendUnreachableError(
                f"could not reach the arkor backend at {self.base_url} ({exc.__class__.__name__}: "
                f"{exc})"
            ) from exc
        if response.status_code >= 400:
            try:
                raise_for_status(response)
            finally:
                response.close()
        record_deprecation(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The JSON object a route answers (``{}`` when the answer is empty)."""
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as exc:
            raise CloudApiError(
                response.status_code, f"backend answered {path} with invalid JSON"
            ) from exc
        if not isinstance(body, dict):
            raise CloudApiError(
                response.status_code, f"backend answered {path} with JSON that is not an object",
                body,
            )
        return body

    # --- identity (§2) -----------------------------------------------------------

    def health(self, timeout: float = 2.0) -> dict[str, Any]:
        """``GET /v1/health`` (extension): status, version, models, capabilities."""
        return self._json("GET", "/v1/health", timeout=(timeout, timeout))

    def create_anonymous(self, kind: str = "cli") -> AnonymousIdentity:
        """Mint a new anonymous identity with its own personal org."""
        path = "/v1/auth/anonymous"
        return _parse(AnonymousIdentity, self._json("POST", path, json_body={"kind": kind}), path)

    def cli_config(self) -> dict[str, Any]:
        """The backend's OAuth settings (all null when it offers no OAuth)."""
        return self._json("GET", "/v1/auth/cli/config")

    def me(self) -> dict[str, Any]:
        """The caller's user and orgs."""
        return self._json("GET", "/v1/me")

    def list_projects(self, org_slug: str) -> list[Project]:
        """Projects of an org."""
        body = self._json("GET", "/v1/projects", params={"orgSlug": org_slug})
        return [_parse(Project, p, "/v1/projects") for p in body.get("projects") or []]

    def create_project(self, org_slug: str, name: str, slug: str) -> Project:
        """Create a project (409 :class:`CloudApiError` when the slug exists)."""
        body = self._json(
            "POST", "/v1/projects", params={"orgSlug": org_slug},
            json_body={"name": name, "slug": slug},
        )
        return _parse(Project, body.get("project"), "/v1/projects")

    # --- jobs (§3, §4) -----------------------------------------------------------

    def create_job(self, scope: Scope, name: str, config: dict[str, Any]) -> TrainingJob:
        """Submit a training job."""
        body = self._json(
            "POST", "/v1/jobs", params=scope.params(), json_body={"name": name, "config": config}
        )
        return _parse(TrainingJob, body.get("job"), "/v1/jobs")

    def list_jobs(self, scope: Scope) -> list[TrainingJob]:
        """Jobs of the project, newest first."""
        body = self._json("GET", "/v1/jobs", params=scope.params())
        return [_parse(TrainingJob, j, "/v1/jobs") for j in body.get("jobs") or []]

    def get_job(self, scope: Scope, job_id: str) -> tuple[TrainingJob, list[dict[str, Any]]]:
        """One job and, when the backend includes them, its events."""
        path = f"/v1/jobs/{job_id}"
        body = self._json("GET", path, params=scope.params())
        return _parse(TrainingJob, body.get("job"), path), list(body.get("events") or [])

    def cancel_job(self, scope: Scope, job_id: str) -> None:
        """Ask the backend to cancel a job (409 when it already finished)."""
        self._json("POST", f"/v1/jobs/{job_id}/cancel", params=scope.params())

    def open_event_stream(
        self, scope: Scope, job_id: str, last_event_id: str | None, read_timeout: float | None
    ) -> requests.Response:
        """Open the job's SSE stream, resuming after ``last_event_id``."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        return self.request(
            "GET",
            f"/v1/jobs/{job_id}/events/stream",
            params=scope.params(),
            headers=headers,
            stream=True,
            timeout=(self.timeout[0], read_timeout),  # type: ignore[arg-type]
        )

    # --- datasets (§5 extension) -----------------------------------------------------

    def upload_dataset(self, scope: Scope, path: Path) -> UploadedDataset:
        """Upload a JSONL file; the backend checks every line."""
        with path.open("rb") as handle:
            body = self._json(
                "POST",
                "/v1/datasets",
                params=scope.params(),
                data=handle,
                headers={
                    "Content-Type": "application/x-ndjson",
                    "X-Arkor-Filename": path.name,
                },
                timeout=(self.timeout[0], 600.0),
            )
        return _parse(UploadedDataset, body.get("dataset"), "/v1/datasets")

    # --- inference (§6) ----------------------------------------------------------

    def chat(self, scope: Scope, body: dict[str, Any]) -> requests.Response:
        """``POST /v1/inference/chat``; streams when ``body["stream"]`` is true."""
        return self.request(
            "POST",
            "/v1/inference/chat",
            params=scope.params(),
            json_body=body,
            stream=bool(body.get("stream", True)),
            timeout=(self.timeout[0], 300.0),
        )

    # --- artifacts (§7 extension) ------------------------------------------------

    def list_artifacts(self, scope: Scope, job_id: str) -> list[Artifact]:
        """Files the job produced."""
        path = f"/v1/jobs/{job_id}/artifacts"
        body = self._json("GET", path, params=scope.params())
        return [_parse(Artifact, a, path) for a in body.get("artifacts") or []]

    def download_artifact(self, scope: Scope, job_id: str, path: str, dest: Path) -> int:
        """Write one artifact to ``dest`` (atomically); returns the byte count."""
        response = self.request(
            "GET", f"/v1/jobs/{job_id}/artifacts/{path}", params=scope.params(), stream=True,
            timeout=(self.timeout[0], 300.0),
        )
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        written = 0
        with response, partial.open("wb") as handle:
            for chunk in response.iter_content(chunk_size=1 << 16):
                handle.write(chunk)
                written += len(chunk)
        partial.replace(dest)
        return written


def iter_sse_data(response: requests.Response) -> Iterator[str]:
    """The ``data`` of each event of an OpenAI-style SSE body, up to ``[DONE]``."""
    from sseclient import SSEClient

    try:
        for event in SSEClient(response.iter_content(chunk_size=None)).events():
            if event.data.strip() == "[DONE]":
                return
            yield event.data
    finally:
        response.close()


def chunk_delta(data: str) -> str:
    """The text delta of one chat-completion chunk (empty when it carries none)."""
    try:
        chunk = json.loads(data)
    except ValueError:
        return ""
    if isinstance(chunk, dict) and "error" in chunk:
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise CloudApiError(500, f"inference failed mid-stream: {message}", chunk)
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    if not choices:
        return ""
    delta = choices[0].get("delta") or {}
    return delta.get("content") or ""
