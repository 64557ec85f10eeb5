"""Retention periods as dates: when an item or object expires. Pure (the config's ``retention`` block).

On AWS, DynamoDB's TTL deletes a message some time after its ``expires_at`` (epoch seconds, set when
it is written: no extra write) and the bucket's lifecycle rules expire snapshots, media and exports
by prefix (``infra/template.yaml``). ``siu dev`` runs neither, so its hourly purge
(:mod:`siu_core.dev.retention`) applies the same rules with these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

#: The item attribute DynamoDB's TTL reads on every table that expires items.
TTL_ATTRIBUTE = "expires_at"
#: Exports are copies of a person's data: kept a week (the bucket's ``exports-expire`` rule).
EXPORTS_DAYS = 7
#: Oversized queue events (the bucket's ``queue-pointers-expire`` rule; siu_core.store.snapshots).
QUEUE_DAYS = 30
#: How long an overwritten or deleted object's old version stays (every rule's NoncurrentDays).
NONCURRENT_DAYS = 1


class Periods(Protocol):
    """The config's ``retention`` block (siu_core.config.RetentionSpec)."""

    @property
    def messages_days(self) -> int: ...

    @property
    def snapshots_days(self) -> int: ...

    @property
    def media_days(self) -> int: ...


def expires_at(at: datetime, days: int) -> int:
    """The TTL value (epoch seconds) of something written about ``at`` and kept ``days`` days."""
    return int((at + timedelta(days=days)).timestamp())


def message_expiry(sent_at: datetime, periods: Periods) -> int:
    """When a message expires: ``retention.messages_days`` after it was sent."""
    return expires_at(sent_at, periods.messages_days)


def item_expired(item: Mapping[str, Any], now: datetime) -> bool:
    """Whether an item's TTL has passed (items without one never expire)."""
    value = item.get(TTL_ATTRIBUTE)
    return isinstance(value, int | float) and not isinstance(value, bool) and value <= now.timestamp()


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a bucket object as listed (a delete marker has no size)."""

    key: str
    version_id: str
    last_modified: datetime
    is_latest: bool
    delete_marker: bool = False


def object_days(key: str, periods: Periods) -> int | None:
    """How long an object under ``key`` is kept, by prefix (None: no retention rule names it)."""
    for prefix, days in (("events/", periods.snapshots_days), ("media/", periods.media_days),
                         ("uploads/", periods.media_days),
                         ("exports/", EXPORTS_DAYS), ("queue/", QUEUE_DAYS)):
        if key.startswith(prefix):
            return days
    return None


def expired_versions(versions: list[ObjectVersion], periods: Periods, now: datetime) -> list[ObjectVersion]:
    """The versions of one key the lifecycle rules would have removed by ``now``.

    The current version expires ``days`` after it was written (S3 then keeps it as a noncurrent
    version behind a delete marker, removed a day later: here both go at once); a noncurrent version
    goes :data:`NONCURRENT_DAYS` after the version that replaced it was written; a delete marker with
    nothing left behind it goes too.
    """
    if not versions:
        return []
    days = object_days(versions[0].key, periods)
    if days is None:
        return []
    ordered = sorted(versions, key=lambda v: v.last_modified, reverse=True)  # newest first
    doomed: list[ObjectVersion] = []
    for index, version in enumerate(ordered):
        if index == 0:
            if not version.delete_marker and version.last_modified + timedelta(days=days) <= now:
                doomed.append(version)
            continue
        replaced_at = ordered[index - 1].last_modified
        if replaced_at + timedelta(days=NONCURRENT_DAYS) <= now:
            doomed.append(version)
    remaining = [v for v in ordered if v not in doomed]
    if remaining and all(v.delete_marker for v in remaining):
        doomed += remaining
    return doomed
