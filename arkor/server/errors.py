"""Errors a route raises to answer with a status and a protocol §8 body ``{"error": message}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than success: ``status``, a message for the user, optional extra keys."""

    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {"error": self.message, **self.extra}


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413
