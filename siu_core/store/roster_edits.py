"""Admin edits of the roster: the teammate's item and an audit row, in one transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from siu_core.store import audit, ddb, keys, roster

if TYPE_CHECKING:
    from siu_core.config import RosterEntry


def put_entry(entry: RosterEntry, *, before: RosterEntry | None, by: str, at: datetime) -> bool:
    """Create or replace a teammate (``before`` is what the admin saw); False when nothing changes.

    A create fails (ConditionFailed-style TransactionConflict) if someone created the teammate
    meanwhile; a replace requires the teammate to still exist.
    """
    after = roster.to_item(entry)
    previous = roster.to_item(before) if before is not None else None
    if previous == after:
        return False
    condition = ddb.Cond.missing("assignee") if before is None else ddb.Cond.exists("assignee")
    ref = keys.short_hash(json.dumps(after, sort_keys=True, default=str), 12)
    ddb.transact([
        ddb.put_op(roster.table(), after, condition),
        audit.row_op(audit.roster_scope(entry.id), "roster_created" if before is None else "roster_updated",
                     by=by, at=at, ref=ref, before=previous, after=after),
    ])
    return True
