"""Calling the Twilio REST API and reading its answers: a resource, or ``{"code", "message", "more_info", "status"}``.

:func:`classify` is pure (error envelope in, typed siu error out); :func:`post_form` and
:func:`get` do the one HTTP request, authenticated with HTTP basic auth (account SID, auth token).
A requests exception is never chained: its text can name the URL, which names the account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from siu_core.plugin import (
    InvalidReply,
    PermanentSendError,
    RateLimited,
    SendError,
    TransientSendError,
    WindowClosed,
)

#: When a 429 says nothing about how long to wait (Twilio usually does not).
DEFAULT_RETRY_AFTER = 10.0
#: Twilio's code for "Too Many Requests" (HTTP 429; also the concurrency limit).
RATE_LIMITED_CODES = frozenset({20429, 14107})
#: The WhatsApp 24-hour window is closed: only a template (Content SID) may be sent.
WINDOW_CLOSED_CODES = frozenset({63016})
#: About the reply itself: fixing the reply can make it go through.
INVALID_REPLY_CODES = frozenset({
    21602,  # Message body is required
    21617,  # the concatenated body exceeds 1600 characters
    21619,  # a text body or media URLs must be given
    21620,  # invalid media URL(s)
    21656,  # ContentVariables is invalid
    63005,  # the channel did not accept the content
    63027,  # template does not exist for the language
    63028,  # number of template parameters does not match
})
#: Codes worth retrying though Twilio answered 4xx (the upstream channel was unavailable).
TRANSIENT_CODES = frozenset({63038})
#: Credentials: nothing will work until the secret is fixed.
CREDENTIAL_CODES = frozenset({20003, 20005})


@dataclass(frozen=True)
class TwilioError:
    """A parsed Twilio error envelope (``status`` mirrors the HTTP status)."""

    http_status: int
    code: int | None
    message: str


def parse_error(http_status: int, payload: Any) -> TwilioError:
    """Read the envelope tolerantly (a proxy's HTML page is an error too)."""
    body: dict[str, Any] = payload if isinstance(payload, dict) else {}
    raw_code = body.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    message = body.get("message")
    return TwilioError(http_status=http_status, code=code,
                       message=message if isinstance(message, str) and message else f"HTTP {http_status}")


def _retry_header(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def classify(error: TwilioError, retry_after_header: str | None = None) -> SendError:
    """429/20429 -> RateLimited; 63016 -> WindowClosed; 5xx -> transient; reply faults -> invalid; else permanent."""
    kw: dict[str, Any] = {"code": error.code if error.code is not None else error.http_status,
                          "http_status": error.http_status}
    text = f"Twilio {error.code if error.code is not None else error.http_status}: {error.message}"
    if error.http_status == 429 or error.code in RATE_LIMITED_CODES:
        retry = _retry_header(retry_after_header)
        return RateLimited(text, retry_after=retry if retry is not None else DEFAULT_RETRY_AFTER, **kw)
    if error.code in WINDOW_CLOSED_CODES:
        return WindowClosed(f"{text} (outside WhatsApp's 24-hour window only a template can be sent)",
                            allowed=("template",), **kw)
    if error.http_status >= 500 or error.code in TRANSIENT_CODES:
        return TransientSendError(text, **kw)
    if error.http_status == 401 or error.code in CREDENTIAL_CODES:
        return PermanentSendError(f"{text} (are secret fields 'account_sid' and 'auth_token' right?)", **kw)
    if error.code in INVALID_REPLY_CODES:
        return InvalidReply(text, **kw)
    if 400 <= error.http_status < 500:
        return PermanentSendError(text, **kw)
    return TransientSendError(text, **kw)


def _json(resp: Any) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def post_form(session: Any, url: str, auth: tuple[str, str], params: Sequence[tuple[str, str]],
              timeout: float) -> Mapping[str, Any]:
    """POST a form to a list resource; return the created resource or raise a typed SendError."""
    import requests  # imported here: connectors never call the API, so they never pay for requests

    try:
        resp = session.post(url, data=list(params), auth=auth, timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from Twilio: {type(exc).__name__}") from None
    body = _json(resp)
    if resp.status_code >= 400:
        raise classify(parse_error(resp.status_code, body), resp.headers.get("Retry-After"))
    if not isinstance(body, dict):
        # Twilio may have queued it: a blind retry could send the customer the reply twice.
        raise PermanentSendError(f"unreadable answer from Twilio (HTTP {resp.status_code}); "
                                 "check the conversation before resending")
    return body


def get(session: Any, url: str, auth: tuple[str, str], timeout: float) -> Any:
    """GET a resource (following Twilio's redirect to its media CDN); the response, or the typed error."""
    import requests

    try:
        resp = session.get(url, auth=auth, timeout=timeout, allow_redirects=True)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from Twilio's media server: {type(exc).__name__}") from None
    if resp.status_code >= 400:
        raise classify(parse_error(resp.status_code, _json(resp)), resp.headers.get("Retry-After"))
    return resp
