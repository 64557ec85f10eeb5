"""The roster table: the live team (seeded from config, edited later from the inbox admin screen).

Besides the entry's fields an item keeps the teammate's session generation (``session_gen``): a
token names the generation it was issued at, and raising it ends every session the person holds.
Writes of the entry (seed, admin edits) update fields in place, so they never reset it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core.aws.names import resource_names
from siu_core.store import audit, ddb

if TYPE_CHECKING:
    from siu_core.config import RosterEntry


#: The item attribute holding the teammate's session generation (not part of the config entry).
SESSION_FIELD = "session_gen"


@dataclass(frozen=True)
class Member:
    """A teammate as authorization sees them: the roster entry and their current session generation."""

    entry: RosterEntry
    generation: int


def table() -> str:
    """The table's physical name."""
    return resource_names().roster


def key(assignee: str) -> ddb.Key:
    """The item key of a teammate."""
    return {"assignee": assignee}


def to_item(entry: RosterEntry) -> dict[str, Any]:
    """A roster entry as stored (keyed by ``assignee`` = the entry's id)."""
    data = entry.model_dump(mode="json")
    data["assignee"] = data.pop("id")
    return data


def from_item(data: dict[str, Any]) -> RosterEntry:
    """A stored teammate as a validated roster entry."""
    from siu_core.config import RosterEntry

    fields = {k: v for k, v in data.items() if k not in ("assignee", SESSION_FIELD)}
    return RosterEntry.model_validate({"id": data["assignee"], **fields})


def entry_op(entry: RosterEntry, condition: ddb.Cond | None = None, *, end_sessions: bool = False) -> ddb.TxItem:
    """Write an entry's fields in place (an update, so the session generation survives any edit).

    ``end_sessions`` also raises the session generation, in the same write (a deactivation).
    """
    fields = {k: v for k, v in to_item(entry).items() if k != "assignee"}
    return ddb.update_op(table(), key(entry.id), set_=fields, add={SESSION_FIELD: 1} if end_sessions else None,
                         condition=condition)


def all_entries() -> list[RosterEntry]:
    """The whole roster (one small scan), sorted by id; a malformed entry is logged and left out
    rather than stopping all routing."""
    entries = []
    for data in ddb.scan_all(table()):
        try:
            entries.append(from_item(data))
        except ValueError as exc:
            from siu_core import obs

            obs.get_logger("store").error("roster entry is invalid; routing skips it", extra={
                "assignee": data.get("assignee"), "error": str(exc).splitlines()[0]})
    return sorted(entries, key=lambda e: e.id)


def get(assignee: str) -> RosterEntry | None:
    """One teammate, or None."""
    found = member(assignee)
    return None if found is None else found.entry


def member(assignee: str) -> Member | None:
    """One teammate with their session generation (strongly consistent), or None when not on the roster."""
    data = ddb.get(table(), key(assignee))
    if data is None:
        return None
    return Member(entry=from_item(data), generation=int(data.get(SESSION_FIELD) or 0))


def seed(entries: Iterable[RosterEntry], *, overwrite: bool = False) -> int:
    """Write the config's roster; existing teammates are kept unless ``overwrite``. Returns writes."""
    written = 0
    for entry in entries:
        condition = None if overwrite else ddb.Cond.missing("assignee")
        try:
            ddb.run(entry_op(entry, condition))
            written += 1
        except ddb.ConditionFailed:
            continue
    return written


def revoke_sessions(assignee: str, *, by: str, at: datetime, attempts: int = 3) -> int:
    """End every session the teammate holds (their tokens get 401 at once); audited. Returns the new generation.

    Raises KeyError for someone not on the roster.
    """
    for _ in range(attempts):
        found = member(assignee)
        if found is None:
            raise KeyError(f"no teammate {assignee!r} in the roster")
        before, after = found.generation, found.generation + 1
        unchanged = ddb.Cond.eq(SESSION_FIELD, before)
        if before == 0:
            unchanged = unchanged | ddb.Cond.missing(SESSION_FIELD)
        try:
            ddb.transact([
                ddb.update_op(table(), key(assignee), set_={SESSION_FIELD: after},
                              condition=ddb.Cond.exists("assignee") & unchanged),
                audit.row_op(audit.roster_scope(assignee), "sessions_revoked", by=by, at=at, ref=f"gen-{after}",
                             before={SESSION_FIELD: before}, after={SESSION_FIELD: after}),
            ])
        except ddb.TransactionConflict:
            continue  # another revocation or a removal won the race: look again
        return after
    raise ddb.ConditionFailed(f"the sessions of {assignee!r} kept changing; try again")


def set_status(assignee: str, status: str, *, by: str, at: datetime) -> None:
    """Change a teammate's availability (and audit it); unknown teammates raise KeyError."""
    before = get(assignee)
    if before is None:
        raise KeyError(f"no teammate {assignee!r} in the roster")
    if before.status == status:
        return
    ddb.transact([
        ddb.update_op(table(), key(assignee), set_={"status": status},
                      condition=ddb.Cond.eq("status", before.status)),
        audit.row_op(audit.roster_scope(assignee), "roster_status", by=by, at=at, ref=status,
                     before={"status": before.status}, after={"status": status}),
    ])
