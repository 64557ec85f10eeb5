"""What a new customer message does to the customer's current thread. Pure, no I/O.

- no thread yet: start thread 1;
- the current thread is open: append to it;
- it is closed, and the message came within the reopen window after the close: reopen it;
- closed longer ago: start the next thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from siu_core.store import keys
from siu_core.store.customers import Head

Placement = Literal["new", "append", "reopen"]


def placement(head: Head | None, message_time: datetime, reopen_window: timedelta) -> Placement:
    """Where a new customer message goes, judged on the message's own time (stable across retries)."""
    if head is None:
        return "new"
    if head.status == "open":
        return "append"
    if head.closed_at is None:
        return "reopen"
    closed = keys.parse_ts(head.closed_at)
    return "reopen" if message_time - closed <= reopen_window else "new"
