"""Webhook authenticity: ``x-line-signature`` is base64(HMAC-SHA256(channel secret, raw body)).

Computed over the exact bytes received (never re-serialized JSON) and compared in constant time.
The signature covers the body only: LINE signs neither the URL nor a time, so a replayed POST
verifies again; the events it carries keep their ids, which is how the core drops the repeat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from siu_core.plugin import MissingSignature, SignatureError

SIGNATURE_HEADER = "x-line-signature"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively, whatever kind of mapping carries it."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def sign(body: bytes, channel_secret: str) -> str:
    """The signature LINE sends for ``body``: what simulated webhooks carry and the check recomputes."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, headers: Mapping[str, str], channel_secret: str | None) -> bool:
    """Accept a POST only when its signature is the body's HMAC under the channel secret; say what is wrong."""
    if not channel_secret:
        raise SignatureError("no channel_secret configured for the LINE channel")
    given = _header(headers, SIGNATURE_HEADER)
    if given is None or not given.strip():
        raise MissingSignature(f"missing {SIGNATURE_HEADER} header")
    expected = sign(body, channel_secret).encode("ascii")
    if not hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"), expected):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body signed with the channel secret")
    return True
