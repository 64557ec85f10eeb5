"""Reading a Twilio webhook body: ``application/x-www-form-urlencoded`` pairs, strictly. Pure.

Twilio's messaging webhooks are small forms (a 1600-character body, at most 10 media URLs). A body
that is too big, not UTF-8, not a form, or names a field twice with different values is
``MalformedPayload``; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from siu_core.plugin import MalformedPayload

#: Far above any real webhook (a few KiB), far below what could hurt the connector.
MAX_BODY_BYTES = 64 * 1024
#: Twilio sends a few dozen parameters; a form with more is not Twilio's.
MAX_FIELDS = 400


def parse_form(body: bytes) -> dict[str, str]:
    """The form's fields by name; a name sent twice must carry the same value both times."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedPayload(f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}")
    if not body.strip():
        raise MalformedPayload("empty body: a Twilio webhook is a form")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise MalformedPayload("body is not UTF-8") from None
    except ValueError as exc:
        raise MalformedPayload(f"body is not a form: {str(exc)[:80]}") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields and fields[name] != value:
            raise MalformedPayload(f"form field {name!r} is given twice with different values")
        fields[name] = value
    return fields


def optional(fields: Mapping[str, str], name: str) -> str | None:
    """A field's value, None when absent or blank."""
    value = fields.get(name)
    return value if value else None
