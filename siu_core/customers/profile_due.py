"""When the inbox asks a channel again who a customer is: the refresh and retry periods, as a pure decision.

A fetched profile is kept :data:`REFRESH` (names and pictures change, picture URLs expire); a failed
attempt (the platform refused, timed out, or the person blocked the business) is not repeated for
:data:`RETRY_AFTER`, so a customer the platform will not describe costs one call per period, not one
per read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from siu_core.store import keys

#: How long a fetched profile is shown before it is fetched again.
REFRESH = timedelta(days=7)
#: How long after a failed attempt the next one may be made.
RETRY_AFTER = timedelta(hours=6)
#: The record attribute holding when a fetch last failed (the profile keeps ``fetched_at``).
TRIED_AT = "profile_tried_at"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return keys.parse_ts(value)
    except ValueError:
        return None


def is_due(customer: Mapping[str, Any], now: datetime) -> bool:
    """Whether reading this customer record should ask the platform for a (fresher) profile."""
    profile = customer.get("profile")
    fetched = _when(profile.get("fetched_at")) if isinstance(profile, Mapping) else None
    if fetched is not None and now - fetched < REFRESH:
        return False
    tried = _when(customer.get(TRIED_AT))
    return tried is None or now - tried >= RETRY_AFTER
