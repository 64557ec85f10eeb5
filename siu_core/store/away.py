"""The away-reply claim: one item per thread in the composer table, taken before anything is sent.

``away#<thread>`` / ``claim`` holds when the thread last got its away reply. Taking the claim is a
conditional put that succeeds only if the thread never had one or had it longer ago than the gap, so
a redelivered message, a second Lambda or a quick second message never sends a second away reply.
A send that fails gives the claim back (the next message may try again).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from siu_core.store import ddb, keys
from siu_core.store.saved_replies import table

#: What a released claim holds as its last send: long ago, so the next claim succeeds.
RELEASED = "1970-01-01T00:00:00.000000Z"


def key(thread_id: str) -> ddb.Key:
    """The claim's key."""
    return {"pk": f"away#{thread_id}", "sk": "claim"}


def claim(thread_id: str, *, at: datetime, gap: timedelta) -> bool:
    """Take the thread's away-reply claim for ``at``; False when it had one within ``gap``."""
    item = {**key(thread_id), "thread_id": thread_id, "sent_at": keys.ts(at),
            "expires_at": int((at + gap + timedelta(days=1)).timestamp())}
    condition = ddb.Cond.missing("sk") | ddb.Cond.le("sent_at", keys.ts(at - gap))
    try:
        ddb.run(ddb.put_op(table(), item, condition))
    except ddb.ConditionFailed:
        return False
    return True


def release(thread_id: str, *, at: datetime) -> None:
    """Give back a claim whose send failed (only the claim taken at ``at``)."""
    item = {**key(thread_id), "thread_id": thread_id, "sent_at": RELEASED}
    with contextlib.suppress(ddb.ConditionFailed):  # someone else's claim since: theirs stands
        ddb.run(ddb.put_op(table(), item, ddb.Cond.eq("sent_at", keys.ts(at))))
