"""The inbox API Lambda (the build sheet's reply-handler, grown into the inbox's API), behind a Function URL.

Thin: verify nothing here, route everything through :mod:`siu_core.inbox.routes`. Config, channel
plugins, secrets and the signing key are loaded on the first request (cold start) and kept.
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
    global _app
    with _resolve_lock:
        if _app is None:
            from siu_core.inbox.routes import build_app

            _app = build_app(services)
        result: dict[str, Any] = _app.resolve(event, context)
    return result
