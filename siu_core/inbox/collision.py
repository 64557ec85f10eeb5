"""Collision rule of a reply: what arrived on the thread since the teammate started writing. Pure: no I/O.

A reply carries ``based_on``, the id of the newest message the teammate's screen showed when they began
to write. Anything after it in the thread's order that the teammate did not write themselves (a customer
message, a colleague's reply, an echo of a reply sent from the business's phone app) may change what the
reply should say, so the reply is held (409 ``thread_changed``) until the teammate confirms it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: At most this many new messages are returned with a refusal (the newest; the thread shows the rest).
MAX_NEW = 20


def _counts(item: Mapping[str, Any], author: str) -> bool:
    """Whether a newer message should make the teammate look again (their own replies do not)."""
    if item.get("direction") == "in":
        return True
    return item.get("sent_by") != author


def newer_messages(newest_first: Sequence[Mapping[str, Any]], based_on: str, author: str) -> list[Mapping[str, Any]]:
    """The messages after ``based_on`` that someone other than ``author`` (``user:<id>``) sent, oldest first.

    ``newest_first`` is the newest page of the thread. When ``based_on`` is not on it (more arrived than a
    page holds, or an id this thread never had), every message of the page counts as new: the teammate
    cannot have seen them.
    """
    newer: list[Mapping[str, Any]] = []
    for item in newest_first:
        if item.get("message_id") == based_on:
            break
        if _counts(item, author):
            newer.append(item)
    return list(reversed(newer[:MAX_NEW]))
