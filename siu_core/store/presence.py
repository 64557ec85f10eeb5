"""Presence heartbeats: one small item per thread in the composer table, one attribute per teammate.

``presence#<thread>`` / ``viewers`` holds ``v_<teammate>`` = ``{"state", "until", "name", "at"}`` for everyone
who sent a heartbeat, and the table's TTL attribute ``expires_at`` (an hour past the last heartbeat, so
the item goes once nobody looks). A heartbeat is one UpdateItem of one attribute (1 write unit; no index,
no transaction, no change counter: presence moves the thread's ETag through its own signature, see
:mod:`siu_core.inbox.presence`). Retrying a heartbeat is harmless: the last one wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from siu_core.store import ddb, keys
from siu_core.store.saved_replies import table as composer_table

#: The item outlives its last heartbeat by this much before the TTL may delete it.
KEEP = timedelta(hours=1)
ATTR_PREFIX = "v_"


def table() -> str:
    """The composer table's physical name (presence shares it)."""
    return composer_table()


def key(thread_id: str) -> ddb.Key:
    """The presence item of a thread."""
    return {"pk": f"presence#{thread_id}", "sk": "viewers"}


def beat(thread_id: str, user: str, state: str, name: str | None, *, until: datetime, now: datetime) -> None:
    """Record one heartbeat of ``user`` on a thread, counting until ``until``."""
    value = {"state": state, "until": keys.ts(until), "name": name or user, "at": keys.ts(now)}
    ddb.run(ddb.update_op(table(), key(thread_id),
                          set_={f"{ATTR_PREFIX}{user}": value, "thread_id": thread_id,
                                "expires_at": int((now + KEEP).timestamp())}))


def entries(item: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Teammate id -> last heartbeat, from a presence item as read (None: nobody yet)."""
    if not item:
        return {}
    return {name[len(ATTR_PREFIX):]: dict(value) for name, value in item.items()
            if name.startswith(ATTR_PREFIX) and isinstance(value, dict)}
