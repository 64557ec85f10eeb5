"""Which digest and summary posts went out: a redelivered or retried schedule posts each one once.

EventBridge Scheduler delivers at least once and retries a failed run, so the handler claims each post
before sending it: an item of the audit table under ``send#<kind>#<period>`` (``daily`` and the local
day, ``weekly`` and the week's Monday), sort key ``<channel>#<part>``. The claim is a conditional put
that succeeds only when the post was never claimed, failed last time, or was claimed so long ago that
its sender must have died (:data:`LEASE`); a post that went out is marked ``sent`` and is never posted
again for that period; one Slack refused is marked ``failed`` and the next run for the period (the
schedule redelivered, or the Lambda invoked again with the same event) sends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from siu_core.store import audit, ddb, keys

#: How long a claimed post blocks another sender: twice the digest Lambda's 30-second timeout, so a live
#: sender always finishes first and a retry after a crash or timeout finds the post free again.
LEASE = timedelta(minutes=1)


def scope(kind: str, period: str) -> str:
    """The audit-table scope of one digest's posts."""
    return f"send#{kind}#{period}"


def _item(kind: str, period: str, post: str, state: str, now: datetime) -> dict[str, str]:
    return {"thread_id": scope(kind, period), "ts": post, "action": "digest_send", "state": state,
            "at": keys.ts(now)}


def claim(kind: str, period: str, post: str, now: datetime) -> bool:
    """Take a post for sending; False when it was sent already or another run is sending it now."""
    free = (ddb.Cond.missing("ts") | ddb.Cond.eq("state", "failed")
            | (ddb.Cond.eq("state", "sending") & ddb.Cond.lt("at", keys.ts(now - LEASE))))
    try:
        ddb.run(ddb.put_op(audit.table(), _item(kind, period, post, "sending", now), free))
    except ddb.ConditionFailed:
        return False
    return True


def settle(kind: str, period: str, post: str, now: datetime, *, sent: bool) -> None:
    """Record how a claimed post went: ``sent`` (never again) or ``failed`` (the next run retries it)."""
    ddb.run(ddb.put_op(audit.table(), _item(kind, period, post, "sent" if sent else "failed", now)))
