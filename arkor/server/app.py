"""The FastAPI application: routes, error answers (protocol §8) and the backend's lifespan."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from arkor._version import __version__
from arkor.server.backend import Backend
from arkor.server.errors import ApiError
from arkor.server.routes import chat, identity, jobs, uploads
from arkor.server.settings import ServerSettings
from arkor.types import DATASET_SOURCE_TYPES
from arkor.validation import validation_problems

log = logging.getLogger("arkor.server")


class _RequestErrors:
    """FastAPI's request errors, re-rooted so fields are named as the client sent them."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


def describe_request_error(exc: RequestValidationError) -> str:
    """One message naming every bad field, like ``config.loraR must be a positive integer``."""
    problems: list[str] = []
    field_errors: list[dict[str, Any]] = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            problems.append(f"request body is not valid JSON ({reason})")
        elif loc == ("body",):
            problems.append(
                "request body is required (a JSON object)"
                if error.get("type") == "missing"
                else "request body must be a JSON object sent as application/json"
            )
        elif loc[:1] == ("body",):
            field_errors.append({**error, "loc": loc[1:]})
        else:
            where = f"{loc[0]} parameter {loc[1]}" if len(loc) > 1 else str(loc[0] if loc else "")
            field_errors.append({**error, "loc": (where, *loc[2:])})
    problems += validation_problems(
        _RequestErrors(field_errors),  # type: ignore[arg-type]
        union_tags=DATASET_SOURCE_TYPES,
    )
    return "; ".join(problems) or "invalid request"


# OpenAI clients read ``error.message``; on the OpenAI-compatible route errors take that shape.
_OPENAI_ROUTES = frozenset({"/v1/chat/completions"})


def error_response(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    """A protocol §8 error answer (``{"error": message, ...}``), OpenAI-shaped where needed."""
    if request.url.path in _OPENAI_ROUTES:
        kind = "server_error" if status >= 500 else "invalid_request_error"
        body = {"error": {"message": body["error"], "type": kind, "code": status}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(request, exc.status, exc.body())


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 400, {"error": describe_request_error(exc)})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = "no such route on this backend"
    return error_response(request, exc.status_code, {"error": message}, exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    message = f"internal error in the backend ({type(exc).__name__}); see the server log"
    return error_response(request, 500, {"error": message})


def create_app(settings: ServerSettings) -> FastAPI:
    """The backend's ASGI app for ``settings`` (opens the data dir; workers start with it)."""
    settings.check()
    # FastAPI wraps a body model that has an alias generator in a Field(alias="body"), and
    # pydantic warns about it on the first request; the warning is about FastAPI's internals.
    warnings.filterwarnings("ignore", message="The 'alias' attribute with value 'body'")
    backend = Backend(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        backend.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            await run_in_threadpool(backend.stop)

    app = FastAPI(
        title="arkor backend",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.backend = backend
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    for module in (identity, jobs, uploads, chat):
        app.include_router(module.router)
    return app
