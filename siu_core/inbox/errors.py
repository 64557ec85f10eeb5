"""The API's one error shape: ``{"error": {"code", "message"}}`` with an HTTP status (and extra fields)."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
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


# --- what every answer of the inbox function carries --------------------------------------------

#: On every answer (the UI's pages bring their own, stricter CSP; these fill in what an answer lacks).
COMMON_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: An API answer is data, never a page: nothing in it may load or run, nor be framed or cached.
API_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Cache-Control": "no-store",
}
REQUEST_ID_HEADER = "X-Request-Id"
#: The request id of the request being answered (set by the handler, read by the routes' error logs).
CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("siu_inbox_request_id", default=None)
#: The body of a 500 that happened outside a route (building the app, resolving the event).
INTERNAL_MESSAGE = "the inbox failed on this request; quote the request id to whoever runs it"


def request_id(event: Mapping[str, Any] | None, context: Any) -> str:
    """The id a 5xx body and the logs share: the Lambda request id, else the Function URL's, else a new one."""
    found = getattr(context, "aws_request_id", None)
    if isinstance(found, str) and found:
        return found
    ctx = event.get("requestContext") if isinstance(event, Mapping) else None
    found = ctx.get("requestId") if isinstance(ctx, Mapping) else None
    if isinstance(found, str) and found:
        return found
    import uuid

    return str(uuid.uuid4())


def internal_error(rid: str) -> dict[str, Any]:
    """A Function URL answer for a failure no route caught: generic text and the request id, nothing else."""
    import json

    body = {"error": {"code": "internal", "message": INTERNAL_MESSAGE, "request_id": rid}}
    return {"statusCode": 500, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, separators=(",", ":")), "isBase64Encoded": False}


def finish(answer: dict[str, Any], rid: str) -> dict[str, Any]:
    """Add the common security headers (without overriding a stricter one) and, on a 5xx, the request id."""
    import json

    headers = dict(answer.get("headers") or {})
    present = {k.lower() for k in headers}
    is_ui = str(headers.get("Content-Type", headers.get("content-type", ""))).startswith(
        ("text/html", "text/css", "text/javascript", "image/"))
    defaults = {**COMMON_HEADERS, **({} if is_ui else API_HEADERS), REQUEST_ID_HEADER: rid}
    for key, value in defaults.items():
        if key.lower() not in present:
            headers[key] = value
    answer = {**answer, "headers": headers}
    status = int(answer.get("statusCode") or 200)
    if status >= 500 and not answer.get("isBase64Encoded"):
        try:
            body = json.loads(answer.get("body") or "null")
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body["error"]["request_id"] = rid
        else:
            body = {"error": {"code": "internal", "message": INTERNAL_MESSAGE, "request_id": rid}}
            headers["Content-Type"] = "application/json"
        answer["body"] = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return answer
