"""The Function URL request (payload format 2.0) as the connector reads it, and its answers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from siu_core.errors import MalformedPayload
from siu_core.limits import MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES

#: Response header saying how many events one delivery put on the queue (for siu simulate and the demo).
ENQUEUED_HEADER = "x-siu-enqueued"


class TooLarge(Exception):
    """The body is over the limit: answered 413 before it is decoded or verified."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def response(status: int, body: str = "", *, content_type: str = "text/plain", **headers: str) -> dict[str, Any]:
    """A Function URL response; the body is never more than a short status word or the challenge."""
    return {
        "statusCode": status,
        "headers": {"content-type": content_type, **headers},
        "body": body,
        "isBase64Encoded": False,
    }


def http_method(event: Any) -> str:
    """The HTTP method of a Function URL event, or "" for anything that is not one."""
    context = event.get("requestContext") if isinstance(event, Mapping) else None
    http = context.get("http") if isinstance(context, Mapping) else None
    method = http.get("method") if isinstance(http, Mapping) else None
    return method.upper() if isinstance(method, str) else ""


def read_body(event: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw request bytes exactly as the platform signed them (base64-decoded when flagged)."""
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise MalformedPayload("body is not a string")
    if event.get("isBase64Encoded"):
        if len(raw) > (limit // 3 + 1) * 4:
            raise TooLarge(len(raw) * 3 // 4)
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedPayload("body is flagged base64 but is not valid base64") from None
    else:
        if len(raw) > limit:
            raise TooLarge(len(raw))
        try:
            body = raw.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedPayload("body is not valid UTF-8 text") from None
    if len(body) > limit:
        raise TooLarge(len(body))
    return body


def query_params(event: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters decoded from the raw query string (first value wins), as platforms sent them."""
    raw = event.get("rawQueryString")
    if isinstance(raw, str):
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            params.setdefault(key, value)
        return params
    given = event.get("queryStringParameters") or {}
    return {str(k): str(v) for k, v in given.items()} if isinstance(given, Mapping) else {}

