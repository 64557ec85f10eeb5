"""Merging and unmerging two customers in the store: one transaction per change, audited under both.

The plan (:mod:`siu_core.customers.merging`) is applied with both records guarded by the versions it
was planned on, the merge record (``customer#<survivor>`` / ``merge#<other>``: who, when, both records'
pointers before) put or deleted, and one audit row per customer, all in one transaction: a crash
leaves either nothing or everything, and a retry of a done change plans nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from siu_core.aws.names import ResourceNames
from siu_core.customers import record
from siu_core.customers.merging import MergeRefused, Plan, Pointers, plan_merge, plan_unmerge
from siu_core.store import audit, ddb, keys

#: How often a change that lost a race is planned again on fresh records before the caller hears 409.
ATTEMPTS = 3


class Missing(Exception):
    """One of the two customers has no record."""


def _pointer_op(names: ResourceNames, was: Pointers, now: Pointers) -> ddb.TxItem:
    return ddb.update_op(names.composer, record.record_key(now.person_id),
                         set_={"merged_into": now.merged_into, "merged": list(now.merged), "version": now.version},
                         condition=ddb.Cond.eq("version", was.version))


def _ops(names: ResourceNames, kind: Literal["merge", "unmerge"], was: tuple[Pointers, Pointers], plan: Plan, *,
         by: str, at: datetime) -> list[ddb.TxItem]:
    survivor, other = was
    merge_key = {"pk": record.partition(survivor.person_id), "sk": f"{record.MERGE_PREFIX}{other.person_id}"}
    ops = [_pointer_op(names, survivor, plan.survivor), _pointer_op(names, other, plan.other)]
    if kind == "merge":
        ops.append(ddb.put_op(names.composer, {**merge_key, "survivor": survivor.person_id, "other": other.person_id,
                                               "by": by, "at": keys.ts(at), "before_survivor": asdict(survivor),
                                               "before_other": asdict(other)}))
    else:
        ops.append(ddb.delete_op(names.composer, merge_key))
    detail = {"survivor": survivor.person_id, "other": other.person_id}
    ops += [audit.row_op(record.audit_scope(pid), f"customer_{kind}d", by=by, at=at, ref=f"{kind}#{other.person_id}",
                         after=detail) for pid in (survivor.person_id, other.person_id)]
    return ops


def change(names: ResourceNames, kind: Literal["merge", "unmerge"], survivor_id: str, other_id: str, *, by: str,
           at: datetime) -> Plan:
    """Merge ``other`` into ``survivor`` (or take it out again); the plan applied (``already``: nothing to do).

    Raises :class:`Missing`, :class:`~siu_core.customers.merging.MergeRefused`, or
    :class:`~siu_core.customers.record.VersionConflict` when the records kept changing under it.
    """
    for _ in range(ATTEMPTS):
        found = [record.get(names, survivor_id), record.get(names, other_id)]
        if found[0] is None or found[1] is None:
            raise Missing(survivor_id if found[0] is None else other_id)
        was = (Pointers.of(found[0]), Pointers.of(found[1]))
        plan = plan_merge(*was) if kind == "merge" else plan_unmerge(*was)
        if plan.already:
            return plan
        try:
            ddb.transact(_ops(names, kind, was, plan, by=by, at=at))
            return plan
        except ddb.TransactionConflict:
            continue  # one of the two changed since it was read: plan again on fresh records
    raise record.VersionConflict(survivor_id)


def merge_info(names: ResourceNames, person_id: str) -> list[Mapping[str, Any]]:
    """Who merged which customer into this one, and when (for the customer view)."""
    return [{"id": m.get("other"), "by": m.get("by"), "at": m.get("at")}
            for m in record.merge_records(names, person_id)]


__all__ = ["ATTEMPTS", "MergeRefused", "Missing", "change", "merge_info"]
