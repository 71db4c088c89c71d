"""Who the SDK talks to, as whom, and in which project (protocol §1-§2).

- Base URL: ``ARKOR_CLOUD_API_URL`` (defined-but-empty is an error), else the
  URL stored in ``~/.arkor/credentials.json``, else the embedded local backend.
- Credentials: ``~/.arkor/credentials.json`` (0600, written atomically);
  anonymous identities are minted on first use.
- Project scope: ``.arkor/state.json`` in the project directory, created for
  anonymous sessions, never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import ValidationError

from arkor.client import CloudClient, Scope
from arkor.errors import CloudApiError, ConfigError
from arkor.types import WireModel

URL_ENV = "ARKOR_CLOUD_API_URL"

ANON_STATE_MISMATCH = (
    "{state} is scoped to org '{state_org}', but your anonymous session belongs to org "
    "'{org}'. Delete {state} to start a fresh anonymous project, or run `arkor login` with "
    "the account that owns that project. (The file was left untouched.)"
)
OAUTH_MISSING_STATE = (
    "No {state} found. You are logged in with an account, so arkor cannot guess the project: "
    'create it with {{"orgSlug": "...", "projectSlug": "...", "projectId": "..."}} '
    "pointing at the project you want to use."
)


class AnonCredentials(WireModel):
    """An anonymous identity minted by ``POST /v1/auth/anonymous``."""

    mode: Literal["anon"] = "anon"
    token: str
    anonymous_id: str
    arkor_cloud_api_url: str
    org_slug: str


class OAuthCredentials(WireModel):
    """Tokens of an account login."""

    mode: Literal["oauth"] = "oauth"
    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None
    auth0_domain: str | None = None
    audience: str | None = None
    client_id: str | None = None
    arkor_cloud_api_url: str | None = None


Credentials = Union[AnonCredentials, OAuthCredentials]


class ProjectState(WireModel):
    """``.arkor/state.json``: which org and project this directory trains in."""

    org_slug: str
    project_slug: str
    project_id: str

    @property
    def scope(self) -> Scope:
        """The state as a request scope."""
        return Scope(self.org_slug, self.project_slug)


def arkor_home() -> Path:
    """``~/.arkor``: credentials and the embedded backend's data live here."""
    return Path.home() / ".arkor"


def credentials_path() -> Path:
    """Where credentials are stored."""
    return arkor_home() / "credentials.json"


def state_path(project_dir: Path) -> Path:
    """Where a project's routing state is stored."""
    return project_dir / ".arkor" / "state.json"


def write_json_atomic(path: Path, payload: dict[str, Any], mode: int = 0o600) -> None:
    """Write JSON to ``path`` atomically with file mode ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not readable JSON ({exc}); fix or delete it") from exc


def read_credentials() -> Credentials | None:
    """Stored credentials, or None when there are none."""
    path = credentials_path()
    raw = _read_json(path)
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("mode") not in ("anon", "oauth"):
        raise ConfigError(f"{path} has no valid 'mode' (anon or oauth); delete it or log in again")
    model = AnonCredentials if raw["mode"] == "anon" else OAuthCredentials
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        missing = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise ConfigError(f"{path} is missing or has invalid fields: {missing}") from exc


def write_credentials(credentials: Credentials) -> None:
    """Store credentials (mode 0600, atomic)."""
    write_json_atomic(credentials_path(), credentials.to_wire() | {"mode": credentials.mode})


def delete_credentials() -> bool:
    """Remove stored credentials; True when there were some."""
    try:
        credentials_path().unlink()
        return True
    except FileNotFoundError:
        return False


def read_state(project_dir: Path) -> ProjectState | None:
    """The project's routing state, or None when the file does not exist."""
    path = state_path(project_dir)
    raw = _read_json(path)
    if raw is None:
        return None
    try:
        return ProjectState.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"{path} must hold orgSlug, projectSlug and projectId ({exc.error_count()} problem(s));"
            " fix it or delete it"
        ) from exc


def env_base_url() -> str | None:
    """``ARKOR_CLOUD_API_URL`` without its trailing ``/``; None when unset."""
    value = os.environ.get(URL_ENV)
    if value is None:
        return None
    value = value.strip().rstrip("/")
    if not value:
        raise ConfigError(
            f"{URL_ENV} is set but empty; unset it to use the default backend, or set a URL"
        )
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{URL_ENV} must be an http(s) URL (got {value!r})")
    return value


def resolve_base_url(credentials: Credentials | None) -> str:
    """The backend URL: env, then stored credentials, then the embedded local backend."""
    from arkor.local import local_backend_url

    env = env_base_url()
    if env:
        return env
    if credentials is not None and credentials.arkor_cloud_api_url:
        return credentials.arkor_cloud_api_url.rstrip("/")
    return local_backend_url()


def project_slug_for(directory: Path) -> str:
    """The anonymous project slug for a directory name (protocol §2)."""
    name = directory.resolve().name.lower()
    # Trimmed, then cut at 40 (a dash at the cut stays): the hosted SDK derives the same slug.
    slug = re.sub(r"[^a-z0-9-]", "-", name).strip("-")[:40]
    return slug or "project"


@dataclass
class Connection:
    """A backend URL, the credentials used there and a client bound to both."""

    base_url: str
    credentials: Credentials
    client: CloudClient

    def project_state(self, project_dir: Path) -> ProjectState:
        """This directory's project scope, creating it for anonymous sessions."""
        return ensure_project_state(self, project_dir)


def _bootstrap_anonymous(base_url: str) -> AnonCredentials:
    identity = CloudClient(base_url).create_anonymous("cli")
    credentials = AnonCredentials(
        token=identity.token,
        anonymous_id=identity.anonymous_id,
        arkor_cloud_api_url=base_url,
        org_slug=identity.personal_org.slug,
    )
    write_credentials(credentials)
    return credentials


def ready_backend_url(credentials: Credentials | None) -> str:
    """The resolved backend URL, starting the embedded local backend when that is the one."""
    from arkor.local import ensure_local_backend, is_local_backend_url

    base_url = resolve_base_url(credentials)
    if is_local_backend_url(base_url):
        ensure_local_backend()
    return base_url


_NOT_LOGGED_IN = "not logged in: run `arkor login --anonymous` or `arkor login`"


def connect(*, bootstrap: bool = True) -> Connection:
    """Resolve URL and credentials (minting an anonymous identity when needed).

    The embedded local backend is started when it is the resolved URL and not
    running. Anonymous credentials minted for another backend are replaced by a
    fresh anonymous identity for this one (they would be refused there).
    """
    credentials = read_credentials()
    if credentials is None and not bootstrap:
        raise ConfigError(_NOT_LOGGED_IN)  # before starting any backend just to say so
    base_url = ready_backend_url(credentials)
    if isinstance(credentials, AnonCredentials) and (
        credentials.arkor_cloud_api_url.rstrip("/") != base_url
    ):
        credentials = None
    if credentials is None:
        if not bootstrap:
            raise ConfigError(_NOT_LOGGED_IN)
        credentials = _bootstrap_anonymous(base_url)
    if isinstance(credentials, OAuthCredentials):
        if credentials.expires_at and credentials.expires_at < time.time():
            raise ConfigError("your login has expired; run `arkor login` again")
        token = credentials.access_token
    else:
        token = credentials.token
    return Connection(base_url, credentials, CloudClient(base_url, token))


def ensure_project_state(connection: Connection, project_dir: Path) -> ProjectState:
    """Read ``.arkor/state.json``, or create it (anonymous sessions only).

    Anonymous state scoped to another org is an error telling the user what to
    do; the file is never overwritten. OAuth sessions need the file by hand.
    """
    credentials = connection.credentials
    path = state_path(project_dir)
    existing = read_state(project_dir)
    if existing is not None:
        if isinstance(credentials, AnonCredentials) and existing.org_slug != credentials.org_slug:
            raise ConfigError(
                ANON_STATE_MISMATCH.format(
                    state=path, state_org=existing.org_slug, org=credentials.org_slug
                )
            )
        return existing
    if not isinstance(credentials, AnonCredentials):
        raise ConfigError(OAUTH_MISSING_STATE.format(state=path))
    slug = project_slug_for(project_dir)
    client = connection.client
    try:
        project = client.create_project(credentials.org_slug, project_dir.resolve().name, slug)
    except CloudApiError as exc:
        if exc.status != 409:
            raise
        found = [p for p in client.list_projects(credentials.org_slug) if p.slug == slug]
        if not found:
            raise
        project = found[0]
    state = ProjectState(
        org_slug=credentials.org_slug, project_slug=project.slug, project_id=project.id
    )
    write_json_atomic(path, state.to_wire(), mode=0o644)
    return state


def login_anonymous() -> AnonCredentials:
    """Mint and store a new anonymous identity on the backend a login targets."""
    return _bootstrap_anonymous(backend_url_for_login())


def backend_url_for_login() -> str:
    """The backend a login targets (env, stored credentials, embedded default), running."""
    try:
        current = read_credentials()
    except ConfigError:
        current = None  # unreadable credentials are replaced by the new ones
    return ready_backend_url(current)
