"""Calling the Messaging API and reading its answers: JSON on success, ``{"message", "details"}`` on error.

:func:`classify` is pure (error in, typed siu error out); :func:`post` and :func:`download` do one
HTTP request each. The channel access token travels only in the ``Authorization`` header, and a
requests exception is never chained (its text could name a URL with a customer's id in it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from siu_core.plugin import InvalidReply, PermanentSendError, RateLimited, SendError, TransientSendError

#: When a 429 says nothing about how long to wait (LINE sends no Retry-After).
DEFAULT_RETRY_AFTER = 60.0
#: The 429 that is a quota, not a rate: no retry helps before the plan changes or the month ends.
MONTHLY_LIMIT = "monthly limit"


@dataclass(frozen=True)
class ApiError:
    """A parsed Messaging API error: the status, LINE's message and the per-property details."""

    http_status: int
    message: str
    details: tuple[str, ...] = ()

    def text(self) -> str:
        """One line for the teammate: status, message and the first details."""
        extra = f" ({'; '.join(self.details[:3])})" if self.details else ""
        return f"LINE {self.http_status}: {self.message}{extra}"


def parse_error(http_status: int, payload: Any) -> ApiError:
    """Read ``{"message": ..., "details": [{"message", "property"}]}`` tolerantly (a proxy's HTML is an error too)."""
    body: dict[str, Any] = payload if isinstance(payload, dict) else {}
    message = body.get("message")
    details: list[str] = []
    for item in body.get("details") or []:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            prop = item.get("property")
            details.append(f"{prop}: {item['message']}" if isinstance(prop, str) and prop else item["message"])
    return ApiError(http_status=http_status,
                    message=message if isinstance(message, str) and message else f"HTTP {http_status}",
                    details=tuple(details))


def _retry_header(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def classify(error: ApiError, retry_after_header: str | None = None) -> SendError:
    """429 -> RateLimited (the monthly quota: permanent); 5xx -> transient; 400 -> invalid; other 4xx -> permanent."""
    status = error.http_status
    kw: dict[str, Any] = {"code": status, "http_status": status}
    text = error.text()
    if status == 429:
        if MONTHLY_LIMIT in error.message.lower():
            return PermanentSendError(f"{text}: the channel's monthly message quota is used up; upgrade the "
                                      "LINE Official Account plan or wait for next month", **kw)
        retry = _retry_header(retry_after_header)
        return RateLimited(text, retry_after=retry if retry is not None else DEFAULT_RETRY_AFTER, **kw)
    if status >= 500:
        return TransientSendError(text, **kw)
    if status == 400:
        return InvalidReply(text, **kw)
    if status == 401:
        return PermanentSendError(f"{text} (is secret field 'channel_access_token' right?)", **kw)
    if 400 <= status < 500:
        return PermanentSendError(text, **kw)
    return TransientSendError(text, **kw)


def json_of(resp: Any) -> Any:
    """The response's JSON, or None when it has none (a proxy's HTML page)."""
    try:
        return resp.json()
    except ValueError:
        return None


def post(session: Any, url: str, token: str, payload: Mapping[str, Any], timeout: float,
         headers: Mapping[str, str] | None = None) -> Any:
    """POST JSON with the Bearer token; return the response (any status), or raise TransientSendError on no answer."""
    import requests  # imported here: connectors never call the API, so they never pay for requests

    try:
        return session.post(url, json=dict(payload), timeout=timeout,
                            headers={"Authorization": f"Bearer {token}", **(headers or {})})
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from LINE: {type(exc).__name__}") from None


def download(session: Any, url: str, timeout: float, token: str | None) -> Any:
    """GET a file (with the token only for LINE's own content host); return the response, or raise its error."""
    import requests

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        resp = session.get(url, timeout=timeout, headers=headers)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from the media server: {type(exc).__name__}") from None
    if resp.status_code >= 400:
        raise classify(parse_error(resp.status_code, json_of(resp)), resp.headers.get("Retry-After"))
    return resp
