"""Saved replies' variables: ``{{customer.first_name}}`` and friends, filled when a teammate inserts a reply.

Pure: the caller passes the facts (:class:`Facts`) and gets the filled text, or :class:`VariableError`
listing every variable that is unknown (a typo) or has no value for this thread. A saved reply is never
inserted half-filled, so a raw ``{{...}}`` never reaches a customer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: ``{{ name.part }}``: letters, digits, underscores and one dot; spaces inside the braces are allowed.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

#: Every variable a saved reply may use, with what it says (shown to the teammate writing the reply).
KNOWN: Mapping[str, str] = {
    "customer.name": "the customer's name as the platform gives it",
    "customer.first_name": "the first word of the customer's name",
    "teammate.name": "your name on the roster",
    "teammate.first_name": "the first word of your name on the roster",
    "thread.id": "the thread's id (a reference the customer can quote)",
    "thread.channel": "the channel the thread is on",
    "team.name": "the team the thread belongs to",
}


class VariableError(ValueError):
    """Variables that cannot be filled: ``unknown`` (not a variable) and ``missing`` (no value here)."""

    def __init__(self, unknown: list[str], missing: list[str]) -> None:
        self.unknown = unknown
        self.missing = missing
        parts = []
        if unknown:
            parts.append("unknown variable(s) " + ", ".join("{{" + v + "}}" for v in unknown))
        if missing:
            parts.append("no value for " + ", ".join("{{" + v + "}}" for v in missing) + " in this thread")
        super().__init__("; ".join(parts))


@dataclass(frozen=True)
class Facts:
    """What a reply can be filled with, for one thread and one teammate (None: not known here)."""

    customer_name: str | None = None
    teammate_name: str | None = None
    thread_id: str | None = None
    channel: str | None = None
    team: str | None = None

    def values(self) -> dict[str, str | None]:
        """Each known variable's value."""
        return {
            "customer.name": _clean(self.customer_name),
            "customer.first_name": _first(self.customer_name),
            "teammate.name": _clean(self.teammate_name),
            "teammate.first_name": _first(self.teammate_name),
            "thread.id": _clean(self.thread_id),
            "thread.channel": _clean(self.channel),
            "team.name": _clean(self.team),
        }


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _first(value: str | None) -> str | None:
    text = _clean(value)
    return text.split()[0] if text else None


def used(text: str) -> list[str]:
    """The variables a text uses, in order of first use, each once."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def unknown_in(text: str) -> list[str]:
    """The placeholders of a text that are not variables (checked when a reply is saved)."""
    return [name for name in used(text) if name not in KNOWN]


def fill(text: str, facts: Facts) -> str:
    """The text with every variable replaced; VariableError when one is unknown or has no value."""
    values = facts.values()
    unknown = unknown_in(text)
    missing = [name for name in used(text) if name in KNOWN and values[name] is None]
    if unknown or missing:
        raise VariableError(unknown, missing)
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)
