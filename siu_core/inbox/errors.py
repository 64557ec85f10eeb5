"""The API's one error shape: ``{"error": {"code", "message"}}`` with an HTTP status (and extra fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from siu_core.errors import SiuError


class ApiError(SiuError):
    """A request the API refuses or cannot complete; ``details`` are extra fields of the error object."""

    def __init__(self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None,
                 **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON body clients receive."""
        return {"error": {"code": self.code, "message": self.message, **self.details}}


def not_found(what: str, ident: str) -> ApiError:
    """404 for an unknown thread, teammate or route."""
    return ApiError(404, "not_found", f"no {what} {ident!r}")


def forbidden(message: str) -> ApiError:
    """403: authenticated, but not allowed to do this."""
    return ApiError(403, "forbidden", message)


def conflict(code: str, message: str, **details: Any) -> ApiError:
    """409: the thread's state (closed, taken) or the target does not allow it."""
    return ApiError(409, code, message, **details)


def invalid(message: str, **details: Any) -> ApiError:
    """422: the body or a parameter is not acceptable."""
    return ApiError(422, "invalid_request", message, **details)


class Answer:
    """A successful (or stored, replayed) answer: status, JSON body and extra headers."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
