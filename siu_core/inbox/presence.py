"""Presence rules: who else is viewing or typing in a thread, from heartbeats with a short expiry. Pure: no I/O.

An open thread sends a ``viewing`` heartbeat every :data:`HEARTBEAT_SECONDS` while the tab is visible and a
colleague is on the thread too (every :data:`ALONE_HEARTBEAT_SECONDS` alone), and ``typing`` when the
teammate types (at most every :data:`TYPING_THROTTLE_SECONDS` with company, every
:data:`ALONE_HEARTBEAT_SECONDS` alone). A heartbeat counts for :data:`EXPIRES_SECONDS` of its state, so a
closed tab disappears from the others' view within that time without any "leave" call. The store's TTL
deletes the item lazily, hours later: reads filter by expiry.

The thread's ETag carries :func:`signature` of what the caller would see, so a heartbeat that only extends
someone's expiry keeps the tab's idle polls at ``304``; someone arriving, leaving or starting to type
changes the tag and the next poll redraws.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

State = Literal["viewing", "typing"]
STATES: tuple[State, ...] = ("viewing", "typing")

#: How often an open, visible thread says it is still being viewed while a colleague is there too (seconds).
HEARTBEAT_SECONDS = 15
#: ... and while the teammate is alone on it (cheap when nobody watches): the first keystroke still says
#: "typing" at once, later ones only this often (siu_core/ui/thread.js).
ALONE_HEARTBEAT_SECONDS = 30
#: The shortest gap between two ``typing`` heartbeats of one tab with company (seconds).
TYPING_THROTTLE_SECONDS = 5
#: How long each state lasts after its heartbeat: two missed viewing beats of a lone viewer, or a pause in typing.
EXPIRES_SECONDS: dict[State, int] = {"viewing": 2 * ALONE_HEARTBEAT_SECONDS, "typing": 2 * TYPING_THROTTLE_SECONDS}


def expires_at(state: State, now: datetime) -> datetime:
    """When a heartbeat of ``state`` sent ``now`` stops counting."""
    return now + timedelta(seconds=EXPIRES_SECONDS[state])


def others(entries: Mapping[str, Mapping[str, Any]], me: str, now: datetime) -> list[dict[str, Any]]:
    """Who else is on the thread now (``{"id", "name", "state"}``, sorted by id): live heartbeats not ``me``'s.

    ``entries`` maps a teammate id to their last heartbeat (``state``, ``until`` as RFC 3339, ``name``, and
    ``at``, when it was sent). A ``typing`` heartbeat whose few seconds are over still counts as ``viewing``
    for as long as a viewing heartbeat would (the tab is open; it skips viewing beats while typing).
    """
    out = []
    for user, beat in sorted(entries.items()):
        state = beat.get("state")
        until = _parse(beat.get("until"))
        sent = _parse(beat.get("at"))
        if state == "typing" and until is not None and until <= now and sent is not None \
                and expires_at("viewing", sent) > now:
            state, until = "viewing", expires_at("viewing", sent)
        if user == me or state not in STATES or until is None or until <= now:
            continue
        out.append({"id": user, "name": beat.get("name") or user, "state": state})
    return out


def signature(seen: list[dict[str, Any]]) -> str:
    """What of the presence a tab shows, as text for its ETag (expiry times left out on purpose)."""
    return ",".join(f"{p['id']}={p['state']}" for p in seen)


def writes_per_hour(typing_share: float = 0.0) -> float:
    """Heartbeat writes one teammate's open thread makes in an hour (``typing_share``: the part spent typing).

    The UI sends a typing beat at most every :data:`TYPING_THROTTLE_SECONDS` and no viewing beat while typing.
    """
    viewing = 3600 / HEARTBEAT_SECONDS
    typing = 3600 / TYPING_THROTTLE_SECONDS
    return viewing * (1 - typing_share) + typing * typing_share


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
