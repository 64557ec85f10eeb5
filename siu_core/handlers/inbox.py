"""The inbox API Lambda (the build sheet's reply-handler, grown into the inbox's API), behind a Function URL.

Thin: verify nothing here, route everything through :mod:`siu_core.inbox.routes`. Config, channel
plugins, secrets and the signing key are loaded on the first request (cold start) and kept.

Every answer leaves through :func:`siu_core.inbox.errors.finish`: ``nosniff``, ``Referrer-Policy``,
a CSP and ``Cache-Control: no-store`` on API answers, an ``X-Request-Id``, and on a 5xx the request
id in the body, never an exception's text, also when the failure happened before any route ran
(building the app or the services).
``siu dev`` mounts :func:`handler` at ``/api/``; tests install services with :func:`set_services`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from siu_core import obs

if TYPE_CHECKING:
    from siu_core.inbox.services import InboxServices

SERVICE = "inbox"

_lock = threading.Lock()
_services: InboxServices | None = None
#: Powertools' resolver keeps the current request in shared class state: one request at a time per
#: process (free on Lambda, which never runs two at once in a process; ``siu dev`` serves on threads).
_resolve_lock = threading.Lock()
_app: Any = None


def services() -> InboxServices:
    """The cold-start services (built on first use, then cached for the life of the process)."""
    global _services
    with _lock:
        if _services is None:
            from siu_core.inbox.services import load_services

            _services = load_services()
        return _services


def set_services(value: InboxServices | None) -> None:
    """Install services built elsewhere (``siu dev``, tests), or None to load them again lazily."""
    global _services
    with _lock:
        _services = value


@obs.instrument(SERVICE, correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: one Function URL request in, one JSON answer out."""
    from siu_core.inbox import errors

    rid = errors.request_id(event, context)
    token = errors.CURRENT_REQUEST_ID.set(rid)
    try:
        result = _answer(event, context)
    except Exception as exc:
        obs.get_logger(SERVICE).exception("inbox request failed outside its route",
                                          extra={"error": type(exc).__name__, "request_id": rid})
        result = errors.internal_error(rid)
    finally:
        errors.CURRENT_REQUEST_ID.reset(token)
    return errors.finish(result, rid)


def _answer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _app
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method", "")).upper()
    if method == "OPTIONS":
        from siu_core.inbox.routes import options_answer

        return options_answer(str(event.get("rawPath") or http.get("path") or "/"))
    if method == "HEAD":  # HEAD is GET without the body (RFC 9110), wherever GET is answered
        event = {**event, "requestContext": {**event["requestContext"], "http": {**http, "method": "GET"}}}
    with _resolve_lock:
        if _app is None:
            from siu_core.inbox.routes import build_app

            _app = build_app(services)
        result: dict[str, Any] = _app.resolve(event, context)
    if method == "HEAD":
        result = {**result, "body": "", "isBase64Encoded": False}
    return result
