"""Merge suggestions: which other customers share a phone or email with this one. Pure (no I/O).

Two reasons justify a suggestion: another customer has a handle with the same phone (the same number
on two channels, or on two accounts), or the customer typed a phone number or email address in a message that is
another customer's handle. Suggestions are shown to teammates; nothing is ever merged on its own.
Phones are compared in one canonical form (``+`` and the digits of the international number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: An email address as customers type it (extraction only; nothing is sent to it).
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+(?![\w-])")
#: Phones have at most 15 digits (E.164) and, with a country code, at least 8.
MIN_DIGITS, MAX_DIGITS = 8, 15
#: The most typed contacts looked up per customer (a message full of numbers costs a bounded number of reads).
MAX_TYPED = 20


@dataclass(frozen=True)
class Suggestion:
    """Another customer worth merging with, and why (``same_phone``, ``typed_phone``, ``typed_email``)."""

    person_id: str
    reasons: tuple[str, ...]


def canonical_phone(raw: str | None) -> str | None:
    """A platform's international number (``+1 555…``, ``15551234567``, a ``scheme:+1…`` address) as ``+digits``."""
    if not raw:
        return None
    digits = re.sub(r"\D", "", raw)
    return f"+{digits}" if MIN_DIGITS <= len(digits) <= MAX_DIGITS else None


def canonical_email(raw: str | None) -> str | None:
    """An email address in the form compared (trimmed, lower case) or None when it is not one."""
    if not raw:
        return None
    text = raw.strip().lower()
    return text if EMAIL.fullmatch(text) else None


def typed_contacts(texts: Iterable[str]) -> list[tuple[str, str]]:
    """The international phone numbers and emails in a customer's messages, as (kind, canonical value)."""
    import phonenumbers

    found: list[tuple[str, str]] = []
    for text in texts:
        # No region: only numbers written with their country code (+). POSSIBLE rather than VALID: a typed
        # number is only ever compared with the handles platforms gave, so a lenient read costs one lookup.
        for match in phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.POSSIBLE):
            phone = canonical_phone(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
            if phone and ("phone", phone) not in found:
                found.append(("phone", phone))
        for raw in EMAIL.findall(text):
            email = canonical_email(raw)
            if email and ("email", email) not in found:
                found.append(("email", email))
    return found[:MAX_TYPED]


def suggestions(own: Iterable[str], handle_contacts: Iterable[tuple[str, str]],
                typed: Iterable[tuple[str, str]],
                holders: Mapping[tuple[str, str], Iterable[str]]) -> list[Suggestion]:
    """Other customers holding one of this customer's contacts; ``own`` are the ids of this customer's group."""
    mine = set(own)
    reasons: dict[str, list[str]] = {}
    for source, pairs in (("same", handle_contacts), ("typed", typed)):
        for kind, value in pairs:
            for other in holders.get((kind, value), ()):
                if other in mine:
                    continue
                reason = f"{source}_{kind}"
                listed = reasons.setdefault(other, [])
                if reason not in listed:
                    listed.append(reason)
    return [Suggestion(pid, tuple(r)) for pid, r in sorted(reasons.items())]
