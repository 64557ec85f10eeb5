"""The audit table: one row per write action (who or which function, before, after); never expires.

Rows are keyed by the thread (``thread_id``) and ``ts`` = time, action and a reference, so a retried
write of the same action lands on the same row instead of adding one. Actions that concern no
thread (roster edits, account errors) use a scope key such as ``roster#<id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from siu_core.aws.names import resource_names
from siu_core.store import ddb, keys


def table() -> str:
    """The table's physical name."""
    return resource_names().audit


def roster_scope(assignee: str) -> str:
    """The audit key of a teammate's roster entry."""
    return f"roster#{assignee}"


def account_scope(channel: str, account_id: str) -> str:
    """The audit key of a business account (platform errors)."""
    return f"account#{channel}#{account_id}"


def message_scope(message_key: str) -> str:
    """The audit key of an annotation whose message is not stored yet."""
    return f"message#{message_key}"


def row_op(
    scope: str, action: str, *, by: str, at: datetime, ref: str,
    before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
    notes: str | None = None,
) -> ddb.TxItem:
    """An audit row (a Put: repeating the same action at the same time overwrites, never doubles)."""
    data = {
        "thread_id": scope,
        "ts": f"{keys.ts(at)}#{action}#{ref}",
        "action": action,
        "by": by,
        "at": keys.ts(at),
        "ref": ref,
        "before": dict(before) if before else None,
        "after": dict(after) if after else None,
        "notes": notes,
    }
    return ddb.put_op(table(), data)


def for_scope(scope: str) -> list[dict[str, Any]]:
    """Every audit row of a thread (or other scope), oldest first."""
    return list(ddb.query_all(table(), key_condition="#t = :t", names={"#t": "thread_id"},
                              vals=ddb.values(t=scope)))
