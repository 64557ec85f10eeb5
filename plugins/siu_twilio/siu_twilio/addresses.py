"""Twilio addresses and siu ids, both ways. Pure.

Twilio names a party by an address: an E.164 number (``+14155238886``) for SMS and MMS, the same
number behind a channel prefix for other transports (``whatsapp:+14155238886``), or a short code
(``46645``) or alphanumeric sender. siu keeps the prefix (it says how to answer) and, for SMS and
WhatsApp, writes an E.164 number without its ``+``, as WhatsApp writes its ids: ``14155238886`` and
``whatsapp:14155238886``. There an id of 7 or more digits is a phone number again when sent (short
codes have at most 6), so the mapping is lossless both ways. Other transports' addresses (a
``messenger:`` page-scoped id...) are kept verbatim.
"""

from __future__ import annotations

import re

_ADDRESS_RE = re.compile(r"^(?:(?P<prefix>[a-z][a-z0-9_-]{0,19}):)?(?P<ident>[^\s:]{1,64})$")
_E164_RE = re.compile(r"^\+(?P<digits>[1-9]\d{6,14})$")
_PHONE_ID_RE = re.compile(r"^[1-9]\d{6,14}$")
WHATSAPP = "whatsapp"
#: Transports whose addresses are phone numbers.
PHONE_TRANSPORTS = frozenset({"", WHATSAPP})


def parse(address: str) -> tuple[str, str] | None:
    """``(prefix, identifier)`` of a Twilio address (prefix ``""`` for SMS/MMS); None if it is not one."""
    match = _ADDRESS_RE.match(address.strip())
    if match is None:
        return None
    return match.group("prefix") or "", match.group("ident")


def to_siu_id(address: str) -> str | None:
    """siu's id for a Twilio address: the prefix kept, an E.164 number without its ``+``."""
    parsed = parse(address)
    if parsed is None:
        return None
    prefix, ident = parsed
    e164 = _E164_RE.match(ident) if prefix in PHONE_TRANSPORTS else None
    core = e164.group("digits") if e164 else ident
    return f"{prefix}:{core}" if prefix else core


def to_address(siu_id: str) -> str | None:
    """The Twilio address for a siu id (the inverse of :func:`to_siu_id`); None if it cannot be one."""
    parsed = parse(siu_id)
    if parsed is None:
        return None
    prefix, ident = parsed
    phone_like = prefix in PHONE_TRANSPORTS and _PHONE_ID_RE.match(ident.lstrip("+")) is not None
    core = f"+{ident.lstrip('+')}" if phone_like else ident
    return f"{prefix}:{core}" if prefix else core


def phone(address: str) -> str | None:
    """The E.164 phone number inside an address, or None (short code, alphanumeric, page id...)."""
    parsed = parse(address)
    if parsed is None:
        return None
    e164 = _E164_RE.match(parsed[1])
    return f"+{e164.group('digits')}" if e164 else None


def prefix_of(siu_id: str) -> str:
    """The transport a siu id belongs to: ``""`` for SMS/MMS, ``whatsapp`` and so on."""
    parsed = parse(siu_id)
    return parsed[0] if parsed else ""


def number_of(siu_id: str) -> str:
    """A siu id without its transport prefix (the business number of an account id)."""
    parsed = parse(siu_id)
    return parsed[1] if parsed else siu_id
