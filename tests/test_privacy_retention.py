"""Retention as dates (pure): TTL values, which object versions the lifecycle rules remove, the config's defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siu_core.config import RetentionSpec
from siu_core.privacy.retention import ObjectVersion, expired_versions, expires_at, item_expired, object_days

T0 = datetime(2026, 1, 1, tzinfo=UTC)
P = RetentionSpec()


def test_the_defaults_are_a_year_a_month_and_three_months() -> None:
    assert (P.messages_days, P.snapshots_days, P.media_days) == (365, 30, 90)


def test_a_ttl_is_epoch_seconds_days_later() -> None:
    assert expires_at(T0, 365) == int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(("item", "expired"), [
    ({"expires_at": int(T0.timestamp()) - 1}, True),
    ({"expires_at": int(T0.timestamp())}, True),
    ({"expires_at": int(T0.timestamp()) + 1}, False),
    ({}, False),
    ({"expires_at": "soon"}, False),
    ({"expires_at": True}, False),
])
def test_an_item_expires_when_its_ttl_has_passed(item: dict[str, object], expired: bool) -> None:
    assert item_expired(item, T0) is expired


@pytest.mark.parametrize(("key", "days"), [
    ("events/whatsapp/a/2026/01/01/message-x.json", 30), ("media/whatsapp/a/2026/01/01/x/0", 90),
    ("exports/h/ex_1/customer.json", 7), ("queue/whatsapp/abc.json", 30), ("other/x", None),
])
def test_each_prefix_has_its_period(key: str, days: int | None) -> None:
    assert object_days(key, P) == days


def v(key: str, vid: str, age_days: float, *, marker: bool = False) -> ObjectVersion:
    return ObjectVersion(key=key, version_id=vid, last_modified=T0 - timedelta(days=age_days), is_latest=False,
                         delete_marker=marker)


E = "events/x.json"


@pytest.mark.parametrize(("versions", "gone"), [
    pytest.param([v(E, "1", 29)], [], id="young: kept"),
    pytest.param([v(E, "1", 30)], ["1"], id="30 days: expired"),
    pytest.param([v(E, "2", 5), v(E, "1", 40)], ["1"], id="an old version goes a day after it was replaced"),
    pytest.param([v(E, "2", 0.5), v(E, "1", 40)], [], id="replaced less than a day ago: kept"),
    pytest.param([v(E, "m", 3, marker=True), v(E, "1", 10)], ["1", "m"], id="deleted: version then marker"),
    pytest.param([v("other/x", "1", 900)], [], id="no rule: kept"),
])
def test_which_versions_the_lifecycle_removes(versions: list[ObjectVersion], gone: list[str]) -> None:
    assert sorted(x.version_id for x in expired_versions(versions, P, T0)) == sorted(gone)
