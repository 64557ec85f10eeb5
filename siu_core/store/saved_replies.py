"""Saved replies in the composer table: one item per reply under one partition, each change audited.

A deployment keeps tens to a few hundred saved replies, so listing reads the one partition (paged)
and the inbox filters what a caller may see. Every write is a transaction with its audit row; an
update or delete names the version the teammate saw, so two editors never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from siu_core.aws.names import resource_names
from siu_core.store import audit, ddb, keys

#: The partition every saved reply lives in (other composer items use other partitions).
PARTITION = "saved-reply"


class VersionConflict(Exception):
    """The reply changed (or went away) since the caller read it."""


def table() -> str:
    """The composer table's physical name."""
    return resource_names().composer


def scope_key(reply_id: str) -> str:
    """The audit key of a saved reply."""
    return f"saved-reply#{reply_id}"


def key(reply_id: str) -> ddb.Key:
    """A saved reply's primary key."""
    return {"pk": PARTITION, "sk": reply_id}


def get(reply_id: str) -> dict[str, Any] | None:
    """One saved reply, or None."""
    return ddb.get(table(), key(reply_id))


def all_replies() -> list[dict[str, Any]]:
    """Every saved reply (the inbox filters by who asks)."""
    return list(ddb.query_all(table(), key_condition="#p = :p", names={"#p": "pk"}, vals=ddb.values(p=PARTITION)))


def _fields(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk")}


def create(reply_id: str, data: Mapping[str, Any], *, by: str, at: datetime) -> dict[str, Any]:
    """Store a new reply (version 1) with its audit row; the id must be new."""
    item = {**data, "pk": PARTITION, "sk": reply_id, "version": 1, "created_by": by, "created_at": keys.ts(at),
            "updated_at": keys.ts(at)}
    ddb.transact([
        ddb.put_op(table(), item, ddb.Cond.missing("sk")),
        audit.row_op(scope_key(reply_id), "saved_reply_created", by=by, at=at, ref="v1", after=_fields(item)),
    ])
    return item


def replace(before: Mapping[str, Any], data: Mapping[str, Any], *, by: str, at: datetime) -> dict[str, Any]:
    """Replace a reply the caller read at ``before["version"]``; VersionConflict if it changed since."""
    version = int(before["version"])
    item = {**_fields(before), **data, "pk": PARTITION, "sk": before["sk"], "version": version + 1,
            "updated_at": keys.ts(at), "updated_by": by}
    try:
        ddb.transact([
            ddb.put_op(table(), item, ddb.Cond.eq("version", version)),
            audit.row_op(scope_key(str(before["sk"])), "saved_reply_updated", by=by, at=at, ref=f"v{version + 1}",
                         before=_fields(before), after=_fields(item)),
        ])
    except ddb.TransactionConflict:
        raise VersionConflict(str(before["sk"])) from None
    return item


def delete(before: Mapping[str, Any], *, by: str, at: datetime) -> None:
    """Delete a reply the caller read at ``before["version"]``; VersionConflict if it changed or went."""
    version = int(before["version"])
    try:
        ddb.transact([
            ddb.delete_op(table(), key(str(before["sk"])), ddb.Cond.eq("version", version)),
            audit.row_op(scope_key(str(before["sk"])), "saved_reply_deleted", by=by, at=at, ref=f"v{version}",
                         before=_fields(before)),
        ])
    except ddb.TransactionConflict:
        raise VersionConflict(str(before["sk"])) from None
