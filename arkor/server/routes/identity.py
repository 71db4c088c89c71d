"""Identity and projects (protocol §2): health, anonymous auth, ``/v1/me``, projects."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import AfterValidator

from arkor._version import __version__
from arkor.server.auth import BackendDep, IdentityDep, OrgScopeDep
from arkor.server.errors import Conflict
from arkor.server.job_config import BUILTIN_MODELS
from arkor.types import RequestModel
from arkor.validation import NonEmptyStr

router = APIRouter()

CAPABILITIES = ["upload", "training.cancelled", "chat.completions", "artifacts"]
_SLUG = re.compile(r"^(?!\.{1,2}$)[a-z0-9_.-]{1,64}$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("must be 1-64 lowercase letters, digits, '-', '_' or '.'")
    return value


Slug = Annotated[NonEmptyStr, AfterValidator(_check_slug)]


class AnonymousRequest(RequestModel):
    kind: Literal["cli", "web"] = "cli"


class CreateProjectRequest(RequestModel):
    slug: Slug
    name: NonEmptyStr | None = None


@router.get("/v1/health")
def health() -> dict[str, Any]:
    """Whether the backend is up, and what it can train and offers."""
    return {
        "status": "ok",
        "version": __version__,
        "models": list(BUILTIN_MODELS),
        "capabilities": CAPABILITIES,
    }


@router.get("/v1/auth/cli/config")
def cli_auth_config() -> dict[str, Any]:
    """No OAuth on this backend: every field is null."""
    return {"auth0Domain": None, "clientId": None, "audience": None, "callbackPorts": None}


@router.post("/v1/auth/anonymous")
def create_anonymous_identity(
    backend: BackendDep, body: Annotated[AnonymousRequest | None, Body()] = None
) -> dict[str, Any]:
    """Mint a new anonymous identity with its own personal org."""
    kind = body.kind if body else "cli"
    token, identity, org = backend.store.create_anonymous_identity(kind)
    return {
        "token": token,
        "anonymousId": identity.anonymous_id,
        "kind": kind,
        "personalOrg": org.to_wire(),
    }


@router.get("/v1/me")
def me(backend: BackendDep, identity: IdentityDep) -> dict[str, Any]:
    """The caller and their orgs."""
    orgs = backend.store.orgs_of(identity.id)
    return {"user": identity.to_wire(), "orgs": [org.to_wire() for org in orgs]}


@router.get("/v1/projects")
def list_projects(backend: BackendDep, scope: OrgScopeDep) -> dict[str, Any]:
    """The org's projects."""
    projects = backend.store.projects(scope.org.id)
    return {"org": scope.org.to_wire(), "projects": [p.to_wire() for p in projects]}


@router.post("/v1/projects", status_code=201)
def create_project(
    backend: BackendDep, scope: OrgScopeDep, body: CreateProjectRequest
) -> dict[str, Any]:
    """Create a project; 409 when the org already has the slug."""
    project = backend.store.create_project(scope.org.id, body.slug, body.name or body.slug)
    if project is None:
        raise Conflict(
            f"project {body.slug!r} already exists in org {scope.org.slug!r}", slug=body.slug
        )
    return {"project": project.to_wire()}
