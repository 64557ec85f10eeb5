"""Calling Bot API methods and reading their answers: ``{"ok": true, "result": ...}`` or an error envelope.

:func:`classify` is pure (error envelope in, typed siu error out); :func:`call` does the one HTTP
request. The bot token travels in the URL path, so no error message here ever includes the URL,
and a requests exception is never chained (its text names the URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from siu_core.plugin import InvalidReply, PermanentSendError, RateLimited, SendError, TransientSendError
from siu_telegram.config import Settings

#: When a 429 says nothing about how long to wait (Telegram normally does).
DEFAULT_RETRY_AFTER = 30.0
#: 400 descriptions that are about the recipient, not about the reply: editing the text will not help.
RECIPIENT_PROBLEMS = ("chat not found", "user not found", "peer_id_invalid", "have no rights", "not enough rights",
                      "group chat was upgraded", "chat_write_forbidden")


@dataclass(frozen=True)
class BotApiError:
    """A parsed Bot API error envelope (``error_code`` mirrors the HTTP status)."""

    http_status: int
    error_code: int
    description: str
    retry_after: float | None = None
    migrate_to_chat_id: int | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def parse_error(http_status: int, payload: Any) -> BotApiError:
    """Read ``{"ok": false, "error_code", "description", "parameters"}`` tolerantly (a proxy's HTML is an error too)."""
    body: dict[str, Any] = payload if isinstance(payload, dict) else {}
    code = body.get("error_code")
    error_code = code if isinstance(code, int) and not isinstance(code, bool) else http_status
    description = body.get("description")
    raw_params = body.get("parameters")
    params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    migrate = params.get("migrate_to_chat_id")
    return BotApiError(
        http_status=http_status,
        error_code=error_code,
        description=description if isinstance(description, str) and description else f"HTTP {http_status}",
        retry_after=_number(params.get("retry_after")),
        migrate_to_chat_id=migrate if isinstance(migrate, int) and not isinstance(migrate, bool) else None,
    )


def _retry_header(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def classify(error: BotApiError, retry_after_header: str | None = None) -> SendError:
    """429 -> RateLimited; 5xx -> transient; 403/401/404 and recipient 400s -> permanent; other 400s -> invalid."""
    kw: dict[str, Any] = {"code": error.error_code, "http_status": error.http_status}
    text = f"Telegram {error.error_code}: {error.description}"
    code = error.error_code
    if code == 429 or error.http_status == 429:
        retry = error.retry_after if error.retry_after is not None else _retry_header(retry_after_header)
        return RateLimited(text, retry_after=retry if retry is not None else DEFAULT_RETRY_AFTER, **kw)
    if code >= 500 or error.http_status >= 500:
        return TransientSendError(text, **kw)
    if code in (401, 404):
        return PermanentSendError(f"{text} (is secret field 'bot_token' right?)", **kw)
    if code == 400:
        lowered = error.description.lower()
        if error.migrate_to_chat_id is not None or any(p in lowered for p in RECIPIENT_PROBLEMS):
            return PermanentSendError(text, **kw)
        return InvalidReply(text, **kw)
    if 400 <= code < 500:
        return PermanentSendError(text, **kw)
    return TransientSendError(text, **kw)


def _json(resp: Any) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def call(session: Any, settings: Settings, token: str, method: str, params: Mapping[str, Any]) -> Any:
    """POST one Bot API method with a JSON body; return its ``result`` or raise a typed SendError."""
    import requests  # imported here: connectors never call the API, so they never pay for requests

    try:
        resp = session.post(settings.method_url(token, method), json=dict(params), timeout=settings.timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from Telegram ({method}): {type(exc).__name__}") from None
    body = _json(resp)
    if resp.status_code >= 400 or (isinstance(body, dict) and body.get("ok") is False):
        raise classify(parse_error(resp.status_code, body), resp.headers.get("Retry-After"))
    if not isinstance(body, dict) or body.get("ok") is not True or "result" not in body:
        # Telegram may have acted on it: a blind retry could send the customer the reply twice.
        raise PermanentSendError(f"unreadable answer from Telegram to {method} (HTTP {resp.status_code}); "
                                 "check the chat before resending")
    return body["result"]


def download(session: Any, url: str, timeout: float) -> Any:
    """GET a file URL; return the response, or raise the typed error its status maps to."""
    import requests

    try:
        resp = session.get(url, timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from Telegram's file server: {type(exc).__name__}") from None
    if resp.status_code >= 400:
        raise classify(parse_error(resp.status_code, _json(resp)), resp.headers.get("Retry-After"))
    return resp
