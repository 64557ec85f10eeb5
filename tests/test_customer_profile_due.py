"""When reading a customer asks the channel for a profile again: a table over fetched and failed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from siu_core.customers.profile_due import REFRESH, RETRY_AFTER, TRIED_AT, is_due
from siu_core.store import keys

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def _ago(delta: timedelta) -> str:
    return keys.ts(NOW - delta)


@pytest.mark.parametrize(("customer", "due"), [
    ({}, True),  # never asked
    ({"profile": {"name": "Ana", "fetched_at": _ago(timedelta(days=1))}}, False),
    ({"profile": {"name": "Ana", "fetched_at": _ago(REFRESH - timedelta(seconds=1))}}, False),
    ({"profile": {"name": "Ana", "fetched_at": _ago(REFRESH)}}, True),  # old: ask again
    ({"profile": {"name": "Ana", "fetched_at": _ago(REFRESH * 2)}, TRIED_AT: _ago(timedelta(hours=1))}, False),
    ({TRIED_AT: _ago(timedelta(minutes=5))}, False),  # just failed: not on every read
    ({TRIED_AT: _ago(RETRY_AFTER - timedelta(seconds=1))}, False),
    ({TRIED_AT: _ago(RETRY_AFTER)}, True),
    ({"profile": {"name": "Ana"}}, True),  # no fetched_at: treated as never fetched
    ({"profile": {"fetched_at": "yesterday"}, TRIED_AT: "garbage"}, True),  # unreadable times do not block
    ({"profile": "Ana"}, True),
])
def test_is_due(customer: dict[str, Any], due: bool) -> None:
    assert is_due(customer, NOW) is due
