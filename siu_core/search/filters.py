"""The search filters (label, urgency, status, assignee, channel, account, date range) as SQL: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from siu_core.search.scope import Where


@dataclass(frozen=True)
class Filters:
    """What a search narrows to besides its words; None means any. Dates are stored-form UTC strings."""

    topic: str | None = None
    urgency: str | None = None
    status: str | None = None
    assignee: str | None = None
    channel: str | None = None
    account: str | None = None
    since: str | None = None
    until: str | None = None


NO_FILTERS = Filters()

#: Filter field -> the index's threads column it compares with equality.
_EQUAL = {"topic": "topic", "urgency": "urgency", "status": "status", "assignee": "assignee",
          "channel": "channel", "account": "account_id"}


def thread_where(f: Filters, *, alias: str = "t", message_at: str | None = None) -> Where:
    """The filters over a query naming the threads table ``alias``; dates bound ``message_at`` when given
    (a message hit), else the thread's activity (opened before ``until``, active since ``since``)."""
    parts: list[str] = []
    params: list[str] = []
    for field, column in _EQUAL.items():
        value = getattr(f, field)
        if value is not None:
            parts.append(f"{alias}.{column} = ?")
            params.append(value)
    if f.since is not None:
        parts.append(f"{message_at or alias + '.last_at'} >= ?")
        params.append(f.since)
    if f.until is not None:
        parts.append(f"{message_at or alias + '.opened_at'} < ?")
        params.append(f.until)
    return Where(" AND ".join(parts) or "1", tuple(params))
