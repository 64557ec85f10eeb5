"""Merge and unmerge as pure plans over two records' pointers; the store applies a plan in one transaction.

A merge changes nothing but pointers: the other customer gets ``merged_into`` = the surviving one,
which lists it in ``merged``. Handles, notes, tags and profiles stay where they were, so ``unmerge``
restores both records exactly by removing the two pointers (the versions move on, as after any edit).
Repeating a merge or unmerge that already happened plans nothing (``already``): retries are safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class MergeRefused(Exception):
    """The merge or unmerge cannot be planned; ``code`` is the API's machine-readable reason."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Pointers:
    """The part of a record a merge changes, with the version the change is guarded by."""

    person_id: str
    version: int
    merged_into: str | None = None
    merged: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Pointers:
        """The pointers of a stored record."""
        into = record.get("merged_into")
        return cls(person_id=str(record["person_id"]), version=int(record.get("version") or 0),
                   merged_into=str(into) if into else None, merged=tuple(str(m) for m in record.get("merged") or ()))


@dataclass(frozen=True)
class Plan:
    """What to store: both records' new pointers (each guarded by the version read), or nothing when ``already``."""

    survivor: Pointers
    other: Pointers
    already: bool = False
    changes: dict[str, Any] = field(default_factory=dict)


def plan_merge(survivor: Pointers, other: Pointers) -> Plan:
    """Merge ``other`` into ``survivor`` (MergeRefused when that would not be one person's history)."""
    if survivor.person_id == other.person_id:
        raise MergeRefused("same_customer", "a customer cannot be merged with itself")
    if other.merged_into == survivor.person_id:
        return Plan(survivor, other, already=True)
    if survivor.merged_into:
        raise MergeRefused("customer_merged", f"{survivor.person_id} is merged into {survivor.merged_into}; "
                           "merge into that customer instead", into=survivor.merged_into)
    if other.merged_into:
        raise MergeRefused("customer_merged", f"{other.person_id} is merged into {other.merged_into} already; "
                           "unmerge it first", into=other.merged_into)
    return Plan(
        survivor=Pointers(survivor.person_id, survivor.version + 1, None,
                          (*[m for m in survivor.merged if m != other.person_id], other.person_id)),
        other=Pointers(other.person_id, other.version + 1, survivor.person_id, other.merged),
    )


def plan_unmerge(survivor: Pointers, other: Pointers) -> Plan:
    """Take ``other`` back out of ``survivor``; nothing to do when it is not merged into it."""
    if survivor.person_id == other.person_id:
        raise MergeRefused("same_customer", "a customer cannot be unmerged from itself")
    listed = other.person_id in survivor.merged
    if other.merged_into != survivor.person_id and not listed:
        if other.merged_into:
            raise MergeRefused("not_merged_here", f"{other.person_id} is merged into {other.merged_into}, "
                               f"not into {survivor.person_id}", into=other.merged_into)
        return Plan(survivor, other, already=True)
    return Plan(
        survivor=Pointers(survivor.person_id, survivor.version + 1, survivor.merged_into,
                          tuple(m for m in survivor.merged if m != other.person_id)),
        other=Pointers(other.person_id, other.version + 1, None, other.merged),
    )
