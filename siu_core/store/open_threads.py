"""The open threads, read through the assignments' ``by-assignee-status`` index: never a table scan.

Every open thread has exactly one open assignment row, held by a teammate or by a team's unassigned
queue, so querying the open rows of every holder (the roster, anyone with a load, every team queue)
and reading their threads in batches of 100 finds them all, paged, whatever the size of the table.
The SLA sweeper and the daily digest both read them here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from siu_core.store import assignments, ddb, keys, loadcount, threads


def holders(roster_ids: Iterable[str], teams: Iterable[str]) -> set[str]:
    """Who may hold an open assignment row: the roster, anyone with a load, every team's queue."""
    found = set(roster_ids)
    found |= {a for a, load in loadcount.all_loads().items() if load.open_threads > 0}
    found |= {keys.queue_assignee(team) for team in teams}
    return found


def read(holder_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The open threads these holders hold (each once, current assignment rows only)."""
    rows = [row for holder in sorted(holder_ids) for row in assignments.open_rows(holder)]
    if not rows:
        return []
    found = ddb.batch_get([ddb.GetRequest(threads.table(), [threads.key(str(r["thread_id"])) for r in rows])])
    by_id = {str(t["thread_id"]): t for t in found.get(threads.table(), [])}
    seen: set[str] = set()
    out = []
    for row in rows:
        thread = by_id.get(str(row["thread_id"]))
        if thread is None or thread["thread_id"] in seen or thread.get("status") != "open":
            continue
        if int(thread.get("assignment_seq", 0)) != int(row["seq"]):
            continue  # the index lags: this row is not the thread's current one
        seen.add(str(thread["thread_id"]))
        out.append(thread)
    return out
