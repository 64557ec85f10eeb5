"""``@name`` mentions in internal notes (pure): which teammates a note speaks to.

A handle is the teammate's roster id (``@ana``, ``@li.na+sg@shop.example`` works as ``@li.na+sg``
would not, so ids are matched whole) or, when no two teammates share it, the first word of their name
(``@Ana``). Matching ignores case and trailing punctuation. Handles that match nobody are returned too,
so the inbox can say nobody was told (a note may well name a customer's ``@handle``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: An ``@`` at the start or after a space or an opening bracket, then the handle up to a space.
HANDLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))@([^\s@()\[\]<>,;:!?\"']+(?:@[^\s()\[\]<>,;:!?\"']+)?)")
#: At most this many teammates are told about one note (more is a broadcast, not a mention).
MAX_MENTIONS = 20


@dataclass(frozen=True)
class Mentions:
    """Teammates a note mentions (roster ids, in order of mention) and handles that match nobody."""

    teammates: tuple[str, ...]
    unknown: tuple[str, ...]


def _first_names(roster: Iterable[tuple[str, str]]) -> dict[str, str]:
    counts: dict[str, list[str]] = {}
    for teammate_id, name in roster:
        words = name.split()
        if words:
            counts.setdefault(words[0].casefold(), []).append(teammate_id)
    return {first: ids[0] for first, ids in counts.items() if len(ids) == 1}


def find(text: str, roster: Iterable[tuple[str, str]]) -> Mentions:
    """The teammates ``text`` mentions, given the roster as (id, name) pairs."""
    entries = list(roster)
    by_id = {teammate_id.casefold(): teammate_id for teammate_id, _ in entries}
    by_first = _first_names(entries)
    found: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for match in HANDLE.finditer(text):
        handle = match.group(1)
        trimmed = handle.rstrip(".")
        hit = next((lookup[h.casefold()] for h in (handle, trimmed) for lookup in (by_id, by_first)
                    if h and h.casefold() in lookup), None)
        if hit is None:
            unknown.setdefault(trimmed or handle, None)
        else:
            found.setdefault(hit, None)
    return Mentions(tuple(found), tuple(unknown))
