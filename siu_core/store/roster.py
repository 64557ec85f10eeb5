"""The roster table: the live team (seeded from config, edited later from the inbox admin screen)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core.aws.names import resource_names
from siu_core.store import audit, ddb

if TYPE_CHECKING:
    from siu_core.config import RosterEntry


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

    fields = {k: v for k, v in data.items() if k != "assignee"}
    return RosterEntry.model_validate({"id": data["assignee"], **fields})


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
    data = ddb.get(table(), key(assignee))
    return None if data is None else from_item(data)


def seed(entries: Iterable[RosterEntry], *, overwrite: bool = False) -> int:
    """Write the config's roster; existing teammates are kept unless ``overwrite``. Returns writes."""
    written = 0
    for entry in entries:
        condition = None if overwrite else ddb.Cond.missing("assignee")
        try:
            ddb.run(ddb.put_op(table(), to_item(entry), condition))
            written += 1
        except ddb.ConditionFailed:
            continue
    return written


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
