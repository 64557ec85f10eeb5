"""Shared mechanics of Meta's Graph webhooks and send APIs (WhatsApp, Messenger, Instagram).

For the three Meta plugins: the hub handshake, ``X-Hub-Signature-256`` verification on raw bytes in constant
time, timestamp parsing, and the mapping of Graph error envelopes to siu's typed send errors.
Written once here so the three Meta channel plugins do not each carry a copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from siu_core.plugin import (
    MalformedPayload,
    MissingSignature,
    PermanentSendError,
    RateLimited,
    SendError,
    SignatureError,
    TransientSendError,
    WindowClosed,
)

if TYPE_CHECKING:
    from siu_core.plugin import HandshakeResponse

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
DEFAULT_GRAPH_BASE_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v25.0"
#: Meta allows webhook bodies up to 3 MB; anything beyond a little headroom is not Meta's.
MAX_BODY_BYTES = 4 * 1024 * 1024


def hub_handshake(query: Mapping[str, str], verify_token: str | None) -> HandshakeResponse:
    """Echo ``hub.challenge`` byte for byte only for mode ``subscribe`` and the right verify token."""
    from siu_core.plugin import HandshakeResponse  # GET only: the webhook's cold start builds no model

    mode = query.get("hub.mode")
    token = query.get("hub.verify_token")
    challenge = query.get("hub.challenge")
    if not verify_token:
        return HandshakeResponse(status=403, body="no verify token configured")
    if mode != "subscribe" or challenge is None or token is None:
        return HandshakeResponse(status=403, body="not a subscribe request")
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        return HandshakeResponse(status=403, body="verify token mismatch")
    return HandshakeResponse(status=200, body=challenge)


def sign_body(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header value Meta would send for this body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_hub_signature(body: bytes, headers: Mapping[str, str], app_secret: str | None) -> bool:
    """Check ``X-Hub-Signature-256`` over the raw bytes; raise SignatureError saying what is wrong."""
    if not app_secret:
        raise SignatureError("no app secret configured")
    header = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower())
    if header is None:
        raise MissingSignature(f"missing {SIGNATURE_HEADER} header")
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        # Never let the request pick the algorithm: only sha256 is accepted.
        raise SignatureError(f"{SIGNATURE_HEADER} must start with {SIGNATURE_PREFIX!r}")
    given = header[len(SIGNATURE_PREFIX):]
    expected = sign_body(body, app_secret)[len(SIGNATURE_PREFIX):]
    if len(given) != len(expected) or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise SignatureError("signature mismatch")
    return True


def load_json_body(body: bytes, expected_object: str) -> dict[str, Any]:
    """Parse a Graph webhook body and check its envelope; raise MalformedPayload otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedPayload(f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedPayload(f"body is not JSON: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise MalformedPayload("body is not a JSON object")
    if data.get("object") != expected_object:
        raise MalformedPayload(f"object is {data.get('object')!r}, expected {expected_object!r}")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise MalformedPayload("entry is not a list")
    return data


def valid_unicode(value: str) -> bool:
    """Whether a text has no lone UTF-16 surrogate (an escape cut in half): the models' ids refuse those."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_timestamp(value: Any) -> datetime | None:
    """Graph timestamps come as ms or s, numbers or strings; detect by magnitude. None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or value != value or value < 0:
        return None
    try:
        seconds = value / 1000.0 if value > 1e11 else float(value)
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --- send-side errors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphErrorPolicy:
    """How one channel reads Graph error codes; the defaults are common to all Graph APIs."""

    window_closed: frozenset[tuple[int, int | None]] = frozenset()
    window_closed_allowed: tuple[str, ...] = ()
    window_closed_hint: str = "the reply window is closed"
    rate_limited: frozenset[int] = frozenset({4, 613, 80007})
    permanent: frozenset[int] = frozenset()
    transient: frozenset[int] = frozenset({1, 2})
    default_retry_after: float = 60.0
    extra: Mapping[int, Callable[[GraphError], SendError]] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphError:
    """A parsed Graph error envelope."""

    http_status: int
    code: int | None
    subcode: int | None
    message: str
    details: str | None


def parse_graph_error(http_status: int, payload: Any) -> GraphError:
    """Read ``{"error": {...}}`` tolerantly: a proxy's HTML page is still an error with a status."""
    err = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(err, dict):
        return GraphError(http_status, None, None, f"HTTP {http_status}", None)

    def _int(v: Any) -> int | None:
        try:
            return int(v)
        except (TypeError, ValueError):
            return None

    data = err.get("error_data")
    details = data.get("details") if isinstance(data, dict) else (data if isinstance(data, str) else None)
    return GraphError(
        http_status=http_status,
        code=_int(err.get("code")),
        subcode=_int(err.get("error_subcode")),
        message=str(err.get("message") or f"HTTP {http_status}"),
        details=str(details) if details is not None else None,
    )


def classify_graph_error(
    error: GraphError, policy: GraphErrorPolicy, retry_after_header: str | None = None
) -> SendError:
    """Map a Graph error to window-closed, rate-limited, permanent or transient."""
    kw: dict[str, Any] = {"code": error.code, "subcode": error.subcode, "http_status": error.http_status}
    text = error.message if not error.details else f"{error.message}: {error.details}"
    if error.code is not None and error.code in policy.extra:
        return policy.extra[error.code](error)
    if error.code is not None and (
        (error.code, error.subcode) in policy.window_closed or (error.code, None) in policy.window_closed
    ):
        return WindowClosed(f"{policy.window_closed_hint} ({text})", allowed=policy.window_closed_allowed, **kw)
    if error.code in policy.rate_limited or error.http_status == 429:
        retry = _retry_after(retry_after_header) or policy.default_retry_after
        return RateLimited(text, retry_after=retry, **kw)
    if error.code in policy.permanent:
        return PermanentSendError(text, **kw)
    if error.http_status >= 500 or error.code in policy.transient:
        return TransientSendError(text, **kw)
    if 400 <= error.http_status < 500:
        return PermanentSendError(text, **kw)
    return TransientSendError(text, **kw)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def graph_post(
    session: Any,
    url: str,
    payload: Mapping[str, Any],
    *,
    access_token: str,
    policy: GraphErrorPolicy,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """POST JSON to a Graph endpoint with a Bearer token; return the JSON body or raise a typed SendError."""
    import requests  # imported here: connectors never send, so they never pay for requests

    try:
        resp = session.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=timeout,
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from the platform: {type(exc).__name__}") from None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code >= 400 or (isinstance(body, dict) and "error" in body):
        raise classify_graph_error(
            parse_graph_error(resp.status_code, body), policy, resp.headers.get("Retry-After")
        )
    if not isinstance(body, dict):
        raise TransientSendError(f"unreadable answer from the platform (HTTP {resp.status_code})")
    return body


def graph_get(session: Any, url: str, *, access_token: str, policy: GraphErrorPolicy,
              timeout: float = 10.0) -> Any:
    """GET a Graph URL with a Bearer token; return the response (caller reads .json() or .content)."""
    import requests

    try:
        resp = session.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from the platform: {type(exc).__name__}") from None
    if resp.status_code >= 400:
        try:
            body = resp.json()
        except ValueError:
            body = None
        raise classify_graph_error(
            parse_graph_error(resp.status_code, body), policy, resp.headers.get("Retry-After")
        )
    return resp
