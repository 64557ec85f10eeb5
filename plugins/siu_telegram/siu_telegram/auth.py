"""Webhook authenticity: Telegram signs nothing, it echoes the ``secret_token`` given to ``setWebhook``.

So the check is a constant-time comparison of the ``X-Telegram-Bot-Api-Secret-Token`` header with
the configured secret. Both sides are hashed first, so not even the secret's length leaks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from siu_core.plugin import MissingSignature, SignatureError

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively, whatever kind of mapping carries it."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def verify_secret_token(headers: Mapping[str, str], expected: str | None) -> bool:
    """Accept a POST only when it carries exactly the configured secret token; say what is wrong otherwise."""
    if not expected:
        raise SignatureError("no secret_token configured for the Telegram channel")
    given = _header(headers, SECRET_HEADER)
    if given is None or given == "":
        raise MissingSignature(f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(_digest(given), _digest(expected)):
        raise SignatureError(f"{SECRET_HEADER} does not match the configured secret token")
    return True
