"""``Store``: the backend's SQLite database, the single source of truth.

One connection in WAL mode, guarded by a lock, so any thread (route handlers,
runner threads) can use it. Tokens are stored only as SHA-256 hashes. Job
status and timestamps change only as a consequence of committed events, and a
job accepts no event after its terminal one.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from arkor.server.records import Dataset, Identity, Job, JobEvent, Org, Project, utc_now
from arkor.types import TERMINAL_EVENTS

_SCHEMA = """
CREATE TABLE IF NOT EXISTS identities (
    id TEXT PRIMARY KEY, anonymous_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orgs (
    id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id), identity_id TEXT NOT NULL REFERENCES identities(id),
    PRIMARY KEY (org_id, identity_id));
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), slug TEXT NOT NULL,
    name TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (org_id, slug));
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, project_id TEXT NOT NULL, filename TEXT NOT NULL,
    rows INTEGER NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
    project_id TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL,
    error TEXT, created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_project ON jobs (project_id, seq);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL, id INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (job_id, id));
"""

_RESERVED_KEYS = frozenset({"type", "jobId", "timestamp"})
_TERMINAL_STATUS = {
    "training.completed": "completed",
    "training.failed": "failed",
    "training.cancelled": "cancelled",
}


def new_id(prefix: str) -> str:
    """A fresh random id such as ``job_3f2a...`` (safe in paths and URLs)."""
    return f"{prefix}_{secrets.token_hex(10)}"


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats (NaN loss, ...) replaced by ``None``: JSON has none."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


class Store:
    """Persistence of identities, orgs, projects, datasets, jobs and their events."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database (later calls fail)."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- identities and orgs ------------------------------------------------------------

    def create_anonymous_identity(self, kind: str) -> tuple[str, Identity, Org]:
        """Mint a token, its identity and its personal org; the token is returned only here."""
        token = f"arkor_anon_{secrets.token_urlsafe(32)}"
        now = utc_now()
        identity = Identity(new_id("idn"), new_id("anon"), kind, now)
        suffix = identity.anonymous_id.removeprefix("anon_")[:12]
        org = Org(new_id("org"), f"anon-{suffix}", f"Personal ({suffix})")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO identities VALUES (?, ?, ?, ?, ?)",
                (identity.id, identity.anonymous_id, kind, hash_token(token), now),
            )
            db.execute("INSERT INTO orgs VALUES (?, ?, ?, ?)", (org.id, org.slug, org.name, now))
            db.execute("INSERT INTO memberships VALUES (?, ?)", (org.id, identity.id))
        return token, identity, org

    def identity_for_token(self, token: str) -> Identity | None:
        """The identity a bearer token belongs to, if any."""
        row = self._one(
            "SELECT id, anonymous_id, kind, created_at FROM identities WHERE token_hash = ?",
            hash_token(token),
        )
        return Identity(**row) if row else None

    def orgs_of(self, identity_id: str) -> list[Org]:
        """The orgs an identity belongs to."""
        rows = self._all(
            "SELECT o.id, o.slug, o.name FROM orgs o JOIN memberships m ON m.org_id = o.id "
            "WHERE m.identity_id = ? ORDER BY o.created_at",
            identity_id,
        )
        return [Org(**row) for row in rows]

    def member_org(self, identity_id: str, slug: str) -> Org | None:
        """The org with ``slug`` if the identity belongs to it (else ``None``, never a hint)."""
        row = self._one(
            "SELECT o.id, o.slug, o.name FROM orgs o JOIN memberships m ON m.org_id = o.id "
            "WHERE m.identity_id = ? AND o.slug = ?",
            identity_id,
            slug,
        )
        return Org(**row) if row else None

    # --- projects -------------------------------------------------------------------------

    def projects(self, org_id: str) -> list[Project]:
        """The org's projects, oldest first."""
        rows = self._all("SELECT * FROM projects WHERE org_id = ? ORDER BY created_at", org_id)
        return [Project(**row) for row in rows]

    def project(self, org_id: str, slug: str) -> Project | None:
        row = self._one("SELECT * FROM projects WHERE org_id = ? AND slug = ?", org_id, slug)
        return Project(**row) if row else None

    def create_project(self, org_id: str, slug: str, name: str) -> Project | None:
        """A new project, or ``None`` when the org already has one with this slug."""
        project = Project(new_id("prj"), org_id, slug, name, utc_now())
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO projects VALUES (?, ?, ?, ?, ?)",
                    (project.id, org_id, slug, name, project.created_at),
                )
        except sqlite3.IntegrityError:
            return None
        return project

    # --- datasets -------------------------------------------------------------------------

    def add_dataset(self, dataset: Dataset) -> None:
        """Record an uploaded dataset whose file is already in place."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dataset.id, dataset.org_id, dataset.project_id, dataset.filename,
                    dataset.rows, dataset.bytes, dataset.sha256, dataset.format,
                    dataset.created_at,
                ),
            )

    def dataset(self, dataset_id: str) -> Dataset | None:
        row = self._one("SELECT * FROM datasets WHERE id = ?", dataset_id)
        return Dataset(**row) if row else None

    # --- jobs -----------------------------------------------------------------------------

    @staticmethod
    def _job(row: sqlite3.Row) -> Job:
        fields = dict(row)
        fields.pop("seq")
        fields["config"] = json.loads(fields["config"])
        return Job(**fields)

    def create_job(self, org_id: str, project_id: str, name: str, config: dict[str, Any]) -> Job:
        """A new ``queued`` job."""
        job = Job(new_id("job"), org_id, project_id, name, "queued", config, None, utc_now(),
                  None, None)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, org_id, project_id, name, status, config, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (job.id, org_id, project_id, name, job.status, json.dumps(config), job.created_at),
            )
        return job

    def job(self, job_id: str) -> Job | None:
        row = self._one("SELECT * FROM jobs WHERE id = ?", job_id)
        return self._job(row) if row else None

    def jobs_in_project(self, project_id: str) -> list[Job]:
        """A project's jobs, newest first."""
        rows = self._all("SELECT * FROM jobs WHERE project_id = ? ORDER BY seq DESC", project_id)
        return [self._job(row) for row in rows]

    def jobs_with_status(self, status: str) -> list[Job]:
        """Every job in ``status``, oldest first (the queue order)."""
        rows = self._all("SELECT * FROM jobs WHERE status = ? ORDER BY seq", status)
        return [self._job(row) for row in rows]

    # --- events ---------------------------------------------------------------------------

    def append_event(
        self, job_id: str, event_type: str, payload: dict[str, Any]
    ) -> JobEvent | None:
        """Commit one event and apply it to the job's status; ``None`` if the job already ended.

        ``payload`` is the event body without ``type``/``jobId``/``timestamp``; they are added.
        """
        now = utc_now()
        body = {k: v for k, v in json_safe(payload).items() if k not in _RESERVED_KEYS}
        data = {"type": event_type, "jobId": job_id, "timestamp": now, **body}
        with self._transaction() as db:
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row["status"] in _TERMINAL_STATUS.values():
                return None
            (last,) = db.execute(
                "SELECT COALESCE(MAX(id), 0) FROM events WHERE job_id = ?", (job_id,)
            ).fetchone()
            event = JobEvent(job_id, last + 1, event_type, data)
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?)",
                (job_id, event.id, event_type, json.dumps(data, allow_nan=False)),
            )
            if event_type in TERMINAL_EVENTS:
                error = data.get("error") if event_type == "training.failed" else None
                db.execute(
                    "UPDATE jobs SET status = ?, error = ?, completed_at = ? WHERE id = ?",
                    (_TERMINAL_STATUS[event_type], error, now, job_id),
                )
            elif row["status"] == "queued":
                db.execute(
                    "UPDATE jobs SET status = 'running', started_at = ? WHERE id = ?",
                    (now, job_id),
                )
        return event

    def events_after(self, job_id: str, after_id: int = 0, limit: int = 500) -> list[JobEvent]:
        """The job's events with an id greater than ``after_id``, in order."""
        rows = self._all(
            "SELECT job_id, id, type, data FROM events WHERE job_id = ? AND id > ? "
            "ORDER BY id LIMIT ?",
            job_id,
            after_id,
            limit,
        )
        return [JobEvent(row["job_id"], row["id"], row["type"], json.loads(row["data"]))
                for row in rows]
