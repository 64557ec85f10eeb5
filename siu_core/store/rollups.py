"""Day roll-ups of thread facts (:class:`siu_core.figures.Fact`), kept as they happen, read by day.

Facts are items of the audit table under the scope ``report#<UTC day>`` (the day of the fact's
``at``), sort key ``<kind>#<thread>#<opening start>``: one item per kind per opening of a thread, so a
redelivered or retried event writes the same item again instead of counting twice. The day's items
are the day's exact samples (a fact is ~300 bytes; a busy shop's day is a few hundred KB), which is
what makes medians and percentiles over any range exact.

Four facts are written inside the transaction of the state change they describe (opened and
reopened by the pipeline, closed by :mod:`siu_core.store.lifecycle`, breached by
:mod:`siu_core.store.breaches`): they exist if and only if the change does. The first response is a
conditional put after the reply or business-app message is stored (:func:`record_first_response`):
the first one per opening wins and later replies or redeliveries leave it alone.

Reads are one Query per UTC day of the range (never a scan).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from siu_core import figures, sla
from siu_core.figures import Fact, FactKind
from siu_core.store import audit, ddb, keys

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SiuConfig

SCOPE_PREFIX = "report#"


def scope(day: date) -> str:
    """The audit-table scope of one UTC day's facts."""
    return f"{SCOPE_PREFIX}{day.isoformat()}"


def item(fact: Fact) -> dict[str, Any]:
    """The stored form of a fact."""
    data: dict[str, Any] = {
        "thread_id": scope(fact.at.astimezone(UTC).date()),
        "ts": f"{fact.kind}#{fact.thread_id}#{keys.ts(fact.start)}",
        "action": "report_fact",
        "kind": fact.kind,
        "fact_thread": fact.thread_id,
        "at": keys.ts(fact.at),
        "start": keys.ts(fact.start),
    }
    for dimension in figures.DIMENSIONS:
        value = getattr(fact, dimension)
        if value:
            data[dimension] = str(value)
    return data


def from_item(data: Mapping[str, Any]) -> Fact | None:
    """A stored fact back; None for an item that is not one (or is unreadable)."""
    kind = data.get("kind")
    at, start = sla.parse_time(data.get("at")), sla.parse_time(data.get("start"))
    if kind not in figures.FACT_KINDS or at is None or start is None or not data.get("fact_thread"):
        return None
    labels = {d: (str(data[d]) if data.get(d) else None) for d in figures.DIMENSIONS}
    return Fact(kind=kind, thread_id=str(data["fact_thread"]), at=at, start=start, **labels)


def fact_from_thread(kind: FactKind, thread: Mapping[str, Any], *, at: datetime, start: datetime | None = None,
                     teammate: str | None = None) -> Fact | None:
    """The fact of a thread item (or customer head as a mapping); None when it has no clock start."""
    begin = start or sla.clock_start(thread)
    if begin is None:
        return None
    return Fact(kind=kind, thread_id=str(thread["thread_id"]), at=at, start=begin,
                channel=thread.get("channel"), account=thread.get("account_id") or thread.get("account"),
                topic=thread.get("topic"), urgency=thread.get("urgency"), language=thread.get("language"),
                team=thread.get("team") or thread.get("queued_team"),
                teammate=teammate if teammate is not None else thread.get("assignee"))


def fact_op(fact: Fact) -> ddb.TxItem:
    """The fact's put, for the transaction of the change it records (same event, same item)."""
    return ddb.put_op(audit.table(), item(fact))


def thread_fact_ops(kind: FactKind, thread: Mapping[str, Any], *, at: datetime, start: datetime | None = None,
                    teammate: str | None = None) -> list[ddb.TxItem]:
    """The put of a thread's fact for a transaction: none when the thread has no clock start."""
    fact = fact_from_thread(kind, thread, at=at, start=start, teammate=teammate)
    return [fact_op(fact)] if fact is not None else []


def record_first_response(thread: Mapping[str, Any], *, at: datetime, by: str) -> bool:
    """Record the opening's first response if none is yet; True if this one was the first.

    ``thread`` is the thread as read before or after the reply (its clock start is what counts);
    a message sent before the customer started waiting answers nothing.
    """
    fact = fact_from_thread("first_response", thread, at=at, teammate=responder(by))
    if fact is None or at < fact.start:
        return False
    try:
        ddb.run(ddb.put_op(audit.table(), item(fact), ddb.Cond.missing("ts")))
    except ddb.ConditionFailed:
        return False
    return True


def responder(by: str) -> str:
    """The teammate a reply counts for: ``user:ana`` is ``ana``; the business's phone app stays as it is."""
    return by.removeprefix("user:")


def utc_days(start: datetime, end: datetime) -> list[date]:
    """The UTC days whose scopes hold the facts of ``[start, end)``."""
    first, last = start.astimezone(UTC).date(), (end - timedelta(microseconds=1)).astimezone(UTC).date()
    return figures.days(first, last)


def day_facts(day: date) -> Iterator[Fact]:
    """Every fact of one UTC day (one Query, paged)."""
    for data in ddb.query_all(audit.table(), key_condition="#t = :t", names={"#t": "thread_id"},
                              vals=ddb.values(t=scope(day))):
        fact = from_item(data)
        if fact is not None:
            yield fact


def facts_between(start: datetime, end: datetime) -> list[Fact]:
    """Every fact with ``at`` in ``[start, end)``: a Query per UTC day the span touches."""
    return [f for day in utc_days(start, end) for f in day_facts(day) if start <= f.at < end]


def local_range(first: date, last: date, time_zone: str) -> tuple[datetime, datetime]:
    """The UTC span of local days ``first`` to ``last`` inclusive in the business's zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(time_zone)
    lo = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return lo, hi


def build_report(config: SiuConfig, first: date, last: date, filters: figures.Filters | None = None,
                 entries: Sequence[RosterEntry] | None = None, *, with_threads: bool = True) -> figures.Report:
    """The figures of local days ``first``..``last``: the facts read day by day, each team's hours from the roster."""
    from siu_core.store import roster

    people = list(entries) if entries is not None else roster.all_entries()
    start, end = local_range(first, last, config.time_zone)
    shifts: dict[str | None, Sequence[sla.Shift]] = {}

    def shifts_of(team: str | None) -> Sequence[sla.Shift]:
        if team not in shifts:
            shifts[team] = sla.team_shifts(config, people, team)
        return shifts[team]

    return figures.build(facts_between(start, end), first=first, last=last, time_zone=config.time_zone,
                         spec=config.sla, shifts_of=shifts_of, filters=filters, with_threads=with_threads)
