"""The error hierarchy of the SDK.

Every error the SDK itself raises derives from :class:`ArkorError`. A user
callback's own exception is never wrapped: it propagates unchanged.
"""

from __future__ import annotations

from typing import Any


class ArkorError(Exception):
    """Base class of every error raised by arkor itself."""


class ConfigError(ArkorError, ValueError):
    """An invalid argument, file or setting, detected before anything runs.

    The message names the field (or file and line) and the rule it broke,
    e.g. ``lora.r must be a positive integer (got -1)``.
    """


class CloudApiError(ArkorError):
    """A backend answered with a non-2xx status.

    ``status`` is the HTTP status, ``message`` the ``error`` field of the JSON
    body (or the body text, or ``cloud-api <status>`` when empty) and ``body``
    the decoded JSON body when there was one.
    """

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"{message} (HTTP {status})")
        self.status = status
        self.message = message
        self.body = body


class UpgradeRequiredError(CloudApiError):
    """The backend refuses this SDK version (HTTP 426); the message says how to upgrade."""


class BackendUnreachableError(ArkorError):
    """The backend could not be reached at all (connection refused, DNS, timeout)."""


class StreamError(ArkorError):
    """The job's event stream could not be kept open (reconnect attempts exhausted)."""


class AbortedError(ArkorError):
    """``wait()`` stopped because the trainer's ``abort_signal`` was set.

    The backend job keeps running; call ``Trainer.cancel()`` to stop it.
    """


class TrainerLoadError(ConfigError):
    """A project's ``trainer.py`` could not be found, imported or understood."""
