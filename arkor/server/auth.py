"""Who is calling and what they may see: FastAPI dependencies for routes.

A bearer token names an identity; ``orgSlug`` must be one of the identity's orgs
and ``projectSlug`` a project of that org. Anything outside the caller's reach
is reported as not found (404), never as forbidden, so ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from arkor.server.backend import Backend
from arkor.server.errors import NotFound, Unauthorized
from arkor.server.records import Identity, Job, Org, Project


def get_backend(request: Request) -> Backend:
    """The running backend."""
    return request.app.state.backend


BackendDep = Annotated[Backend, Depends(get_backend)]


def get_identity(
    backend: BackendDep, authorization: Annotated[str | None, Header()] = None
) -> Identity:
    """The identity of the request's bearer token; 401 without a valid one."""
    if not authorization:
        raise Unauthorized(
            "missing bearer token: send 'Authorization: Bearer <token>' "
            "(get one with POST /v1/auth/anonymous)"
        )
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    identity = backend.store.identity_for_token(token.strip())
    if identity is None:
        raise Unauthorized("invalid token: it is not known to this backend")
    return identity


IdentityDep = Annotated[Identity, Depends(get_identity)]


@dataclass(frozen=True)
class OrgScope:
    identity: Identity
    org: Org


@dataclass(frozen=True)
class ProjectScope:
    identity: Identity
    org: Org
    project: Project


def get_org_scope(
    backend: BackendDep,
    identity: IdentityDep,
    org_slug: Annotated[str, Query(alias="orgSlug")],
) -> OrgScope:
    """The ``orgSlug`` org, which the caller must belong to (else 404)."""
    org = backend.store.member_org(identity.id, org_slug)
    if org is None:
        raise NotFound(f"org {org_slug!r} not found")
    return OrgScope(identity, org)


OrgScopeDep = Annotated[OrgScope, Depends(get_org_scope)]


def get_project_scope(
    backend: BackendDep,
    scope: OrgScopeDep,
    project_slug: Annotated[str, Query(alias="projectSlug")],
) -> ProjectScope:
    """The ``projectSlug`` project of the caller's ``orgSlug`` org (else 404)."""
    project = backend.store.project(scope.org.id, project_slug)
    if project is None:
        raise NotFound(f"project {project_slug!r} not found in org {scope.org.slug!r}")
    return ProjectScope(scope.identity, scope.org, project)


ProjectScopeDep = Annotated[ProjectScope, Depends(get_project_scope)]


def job_in_scope(backend: Backend, scope: ProjectScope, job_id: str) -> Job:
    """The job ``job_id`` if it belongs to the scope's project (else 404)."""
    job = backend.store.job(job_id)
    if job is None or job.project_id != scope.project.id:
        raise NotFound(f"job {job_id!r} not found")
    return job


def job_of_identity(backend: Backend, identity: Identity, job_id: str) -> Job:
    """The job ``job_id`` if it belongs to one of the identity's orgs (else 404)."""
    job = backend.store.job(job_id)
    if job is None or job.org_id not in {org.id for org in backend.store.orgs_of(identity.id)}:
        raise NotFound(f"job {job_id!r} not found")
    return job
