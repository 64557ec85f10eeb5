"""The retention purge ``siu dev`` runs hourly (moto runs no TTL and no lifecycle rule), on moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from privacy_support import SUBJECT, seed_person

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.config import RetentionSpec
from siu_core.dev import wiring
from siu_core.dev.retention import purge, ttl_tables
from siu_core.store import ddb, threads


@pytest.fixture
def person(aws: Any) -> Any:
    return seed_person(aws)


def _keys(prefix: str) -> set[str]:
    s3 = clients.s3()
    found: set[str] = set()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=resource_names().bucket, Prefix=prefix):
        found |= {v["Key"] for v in page.get("Versions", [])} | {m["Key"] for m in page.get("DeleteMarkers", [])}
    return found


def test_the_template_gives_messages_a_ttl(aws: Any) -> None:
    names = resource_names()
    assert (names.messages, "expires_at") in ttl_tables() and (names.dedupe, "expires_at") in ttl_tables()


def test_snapshots_then_media_then_messages_expire(person: Any) -> None:
    periods, now = RetentionSpec(), datetime.now(UTC)
    assert _keys("events/") and _keys("media/")
    purge(periods, now + timedelta(days=29))
    assert _keys("events/") and _keys("media/")
    purge(periods, now + timedelta(days=31))
    assert not _keys("events/") and _keys("media/")
    done = purge(periods, now + timedelta(days=400))
    assert not _keys("media/") and done.items >= 3
    assert list(ddb.scan_all(resource_names().messages)) == []  # every message of both customers expired
    assert threads.for_customer(SUBJECT)  # the thread stays (docs/privacy.md: threads whose messages expired)


def test_shorter_periods_from_the_published_config(person: Any) -> None:
    short = person.config.model_copy(update={"retention": RetentionSpec(messages_days=1, snapshots_days=1,
                                                                        media_days=1)})
    person.push_config(short)
    wiring.retention_purge()  # the published config's periods, now
    assert _keys("events/")  # written moments ago: a day is not over
    purge(short.retention, datetime.now(UTC) + timedelta(days=2))
    assert not _keys("events/") and not _keys("media/")
