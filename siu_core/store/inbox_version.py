"""The inbox's change counter: one small item every write the inbox shows moves forward.

Polling the inbox costs a queue read (an index query and two batched reads) every few seconds per
open tab. The counter makes an unchanged poll cost one strongly consistent read of one small item:
the API answers ``304 Not Modified`` when the ETag the tab holds still names the current count
(:mod:`siu_core.inbox.freshness`). Every successful write to the threads, messages, assignments or
roster table adds 1, after the write, outside its transaction (so writers never conflict on it). A bump
that fails is logged and skipped: the tab sees that change at its next forced full read (at most a
minute later), never a wrong answer for longer.

The item lives in the customers table under a key no customer can have (customer keys hold ``#``
between three non-empty parts; this one starts with it), so no new table and no scan sees it.
"""

from __future__ import annotations

from typing import Any

from siu_core import obs
from siu_core.store import ddb

#: The counter's key in the customers table.
KEY = "#inbox-version"


def _table() -> str:
    from siu_core.store import customers

    return customers.table()


def current() -> int:
    """The count now (strongly consistent: a tab that just wrote must see its own change); 0 before any."""
    item = ddb.get(_table(), {"customer_key": KEY})
    return int(item.get("version", 0)) if item else 0


def read_request() -> ddb.GetRequest:
    """The counter as one key of a batched read, for a poll that reads another small item with it."""
    return ddb.GetRequest(_table(), [{"customer_key": KEY}])


def from_batch(found: dict[str, list[dict[str, Any]]]) -> int:
    """The count in a batched read's answer (0 before any)."""
    items = found.get(_table()) or []
    return int(items[0].get("version", 0)) if items else 0


def bump() -> None:
    """Add 1 (a write the inbox shows has landed); failures are logged, never raised."""
    try:
        ddb.run(ddb.update_op(_table(), {"customer_key": KEY}, add={"version": 1}))
    except Exception as exc:  # the write it follows has landed: never fail it for a stale counter
        obs.metric("InboxVersionBumpFailures")
        obs.get_logger("store").warning("inbox change counter not moved", extra={"error": type(exc).__name__})
