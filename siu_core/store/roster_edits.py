"""Admin edits of the roster: the teammate's item and an audit row, in one transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from siu_core.store import audit, ddb, keys, roster

if TYPE_CHECKING:
    from siu_core.config import RosterEntry


def is_active_admin(entry: RosterEntry | None) -> bool:
    """An admin who can still sign in: the roster must always keep one."""
    return entry is not None and entry.role == "admin" and entry.active


def active_admin_condition() -> ddb.Cond:
    """The condition an item must meet to count as an active admin (checked inside a transaction)."""
    return ddb.Cond.eq("role", "admin") & (ddb.Cond.eq("active", True) | ddb.Cond.missing("active"))


def put_entry(entry: RosterEntry, *, before: RosterEntry | None, by: str, at: datetime,
              other_admin: str | None = None) -> bool:
    """Create or replace a teammate (``before`` is what the admin saw); False when nothing changes.

    A create fails (ConditionFailed-style TransactionConflict) if someone created the teammate
    meanwhile; a replace requires the teammate to still exist. ``other_admin``, when given, must
    still be an active admin as the write commits: demoting or deactivating an admin can then never
    leave the roster without one, even when two admins demote each other at the same moment.
    """
    after = roster.to_item(entry)
    previous = roster.to_item(before) if before is not None else None
    if previous == after:
        return False
    condition = ddb.Cond.missing("assignee") if before is None else ddb.Cond.exists("assignee")
    ref = keys.short_hash(json.dumps(after, sort_keys=True, default=str), 12)
    # Deactivating also ends the person's sessions, so reactivating them later needs a new token.
    deactivated = before is not None and before.active and not entry.active
    ops = [
        roster.entry_op(entry, condition, end_sessions=deactivated),
        audit.row_op(audit.roster_scope(entry.id), "roster_created" if before is None else "roster_updated",
                     by=by, at=at, ref=ref, before=previous, after=after),
    ]
    if other_admin is not None:
        ops.append(ddb.condition_check_op(roster.table(), roster.key(other_admin), active_admin_condition()))
    ddb.transact(ops)
    return True


def add_first_admin(user: str, *, team: str, time_zone: str, by: str, at: datetime) -> bool:
    """Put an admin on the roster who is not on it yet (status off, so routing leaves them be); False if present.

    How the first admin of an empty roster signs in (``siu token issue --role admin``).
    """
    from siu_core.config import RosterEntry

    entry = RosterEntry(id=user, name=user, teams=[team], time_zone=time_zone, role="admin", status="off")
    try:
        return put_entry(entry, before=None, by=by, at=at)
    except ddb.TransactionConflict:
        return False  # someone added them meanwhile: the roster decides
