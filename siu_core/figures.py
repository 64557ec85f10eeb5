"""Report figures from the day roll-ups of thread facts. Pure: no I/O, no clock.

A *fact* is one thing that happened to one opening of a thread (an opening is the span from the
customer message that opened or reopened it to its close), recorded once as it happens
(:mod:`siu_core.store.rollups`): ``opened``, ``reopened``, ``first_response``, ``closed``,
``breached``. Each carries the opening's clock start (:func:`siu_core.sla.clock_start`) and the
thread's labels at the time, so every figure is a sum or a percentile over the facts of a range:

- **first response time**: ``first_response.at - start`` (the first reply or business-app message
  after the customer started waiting), wall time and working time (the team's working hours,
  :func:`siu_core.sla.working_time_between`: off-hours the clock stands still);
- **resolution time**: ``closed.at - start``, wall and working time;
- **volume**: openings (``opened`` + ``reopened``) by channel, account, topic, urgency, language;
- **SLA**: first responses within target (:func:`siu_core.sla.first_response_due`) over all first
  responses (attainment), and the breaches the sweeper recorded;
- **reopen rate**: reopenings over closes in the same range.

Facts count on the local day (the business's time zone) of their ``at``. Percentiles are exact over
the range's samples: the median is the usual one, the 90th percentile the nearest-rank value (the
smallest sample with at least 90% of the samples at or below it).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args
from zoneinfo import ZoneInfo

from siu_core import sla

if TYPE_CHECKING:
    from siu_core.config import SlaSpec

FactKind = Literal["opened", "reopened", "first_response", "closed", "breached"]
FACT_KINDS: tuple[str, ...] = get_args(FactKind)
#: The labels a fact carries; volume is reported by the first five.
DIMENSIONS = ("channel", "account", "topic", "urgency", "language", "team", "teammate")
VOLUME_DIMENSIONS = DIMENSIONS[:5]
#: The longest range a report covers (a query per day: bounded work per request).
MAX_DAYS = 366
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class Fact:
    """One recorded event of one opening of a thread."""

    kind: FactKind
    thread_id: str
    at: datetime
    start: datetime
    channel: str | None = None
    account: str | None = None
    topic: str | None = None
    urgency: str | None = None
    language: str | None = None
    team: str | None = None
    teammate: str | None = None

    def label(self, dimension: str) -> str:
        """The fact's value of a dimension, ``(none)`` when it has none."""
        value = getattr(self, dimension)
        return str(value) if value else NONE_LABEL


@dataclass(frozen=True)
class Filters:
    """Which facts a report counts (None: all)."""

    team: str | None = None
    teammate: str | None = None
    channel: str | None = None

    def keep(self, fact: Fact) -> bool:
        """Whether the fact is inside the filters."""
        return all(want is None or getattr(fact, name) == want
                   for name, want in (("team", self.team), ("teammate", self.teammate), ("channel", self.channel)))


#: The working hours a team is reached in (``sla.team_shifts`` bound to the config and roster).
ShiftsOf = Callable[[str | None], Sequence[sla.Shift]]


def median(samples: Sequence[float]) -> float | None:
    """The median of the samples; None for none."""
    return float(statistics.median(samples)) if samples else None


def p90(samples: Sequence[float]) -> float | None:
    """The nearest-rank 90th percentile; None for none."""
    if not samples:
        return None
    ordered = sorted(samples)
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])


@dataclass
class Figures:
    """Every figure of one group of facts (a day, a team, a teammate, the whole range)."""

    opened: int = 0
    reopened: int = 0
    closed: int = 0
    first_responses: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    first_response: list[float] = field(default_factory=list, repr=False)
    first_response_working: list[float] = field(default_factory=list, repr=False)
    resolution: list[float] = field(default_factory=list, repr=False)
    resolution_working: list[float] = field(default_factory=list, repr=False)

    def row(self) -> dict[str, Any]:
        """The figures by name, durations in seconds (JSON and CSV rows)."""
        return {
            "opened": self.opened, "reopened": self.reopened, "closed": self.closed,
            "first_responses": self.first_responses,
            "first_response_median_s": median(self.first_response),
            "first_response_p90_s": p90(self.first_response),
            "first_response_working_median_s": median(self.first_response_working),
            "first_response_working_p90_s": p90(self.first_response_working),
            "resolution_median_s": median(self.resolution), "resolution_p90_s": p90(self.resolution),
            "resolution_working_median_s": median(self.resolution_working),
            "resolution_working_p90_s": p90(self.resolution_working),
            "sla_met": self.sla_met, "sla_breached": self.sla_breached,
            "sla_attainment": _ratio(self.sla_met, self.first_responses),
            "reopen_rate": _ratio(self.reopened, self.closed),
        }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


#: The columns of every figures row, in order.
FIGURE_COLUMNS: tuple[str, ...] = tuple(Figures().row())


@dataclass(frozen=True)
class Timing:
    """What one fact contributes beyond a count: its durations and whether it met the SLA."""

    wall: float | None = None
    working: float | None = None
    met: bool | None = None


def timing(fact: Fact, spec: SlaSpec, shifts_of: ShiftsOf) -> Timing:
    """The durations of a first response or a close (nothing for the other kinds)."""
    if fact.kind not in ("first_response", "closed"):
        return Timing()
    shifts = shifts_of(fact.team)
    wall = max(0.0, (fact.at - fact.start).total_seconds())
    working = sla.working_time_between(shifts, fact.start, fact.at).total_seconds()
    met = None
    if fact.kind == "first_response":
        met = _met(fact, spec, shifts, working)
    return Timing(wall=wall, working=working, met=met)


def _met(fact: Fact, spec: SlaSpec, shifts: Sequence[sla.Shift], working: float) -> bool:
    """Whether a first response came by its due time (:func:`siu_core.sla.first_response_due`).

    In working time, less working time than the target is met and more is not; only an exact tie
    (answered off-hours right after the target ran out) needs the due time itself.
    """
    if spec.working_hours_only and shifts:
        target = sla.target(fact.urgency, spec).total_seconds()
        if working != target:
            return working < target
    return fact.at <= sla.first_response_due(fact.urgency, fact.start, spec, shifts)


def add(figures: Figures, fact: Fact, how: Timing) -> None:
    """Count one fact into a group."""
    if fact.kind == "opened":
        figures.opened += 1
    elif fact.kind == "reopened":
        figures.reopened += 1
    elif fact.kind == "breached":
        figures.sla_breached += 1
    elif fact.kind == "first_response":
        figures.first_responses += 1
        figures.sla_met += 1 if how.met else 0
        figures.first_response.append(how.wall or 0.0)
        figures.first_response_working.append(how.working or 0.0)
    elif fact.kind == "closed":
        figures.closed += 1
        figures.resolution.append(how.wall or 0.0)
        figures.resolution_working.append(how.working or 0.0)


def local_day(moment: datetime, time_zone: str) -> date:
    """The business's calendar day of a moment."""
    return moment.astimezone(ZoneInfo(time_zone)).date()


def days(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class Report:
    """Every grouping of one range's figures; what the API, the CLI, the UI and the digest read."""

    first: date
    last: date
    time_zone: str
    filters: Filters
    total: Figures = field(default_factory=Figures)
    by_day: dict[date, Figures] = field(default_factory=dict)
    by_team: dict[str, Figures] = field(default_factory=dict)
    by_teammate: dict[str, Figures] = field(default_factory=dict)
    #: Per (team, topic): the digest's rows and the summary's busiest topic.
    by_team_topic: dict[tuple[str, str], Figures] = field(default_factory=dict)
    volume: dict[str, dict[str, int]] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)


def build(facts: Iterable[Fact], *, first: date, last: date, time_zone: str, spec: SlaSpec,
          shifts_of: ShiftsOf, filters: Filters | None = None, with_threads: bool = True) -> Report:
    """Every figure of the facts whose local day is in ``[first, last]`` and that pass ``filters``.

    ``with_threads=False`` skips the per-opening rows (a third of the work) when only figures are wanted.
    """
    wanted = filters or Filters()
    report = Report(first=first, last=last, time_zone=time_zone, filters=wanted,
                    by_day={d: Figures() for d in days(first, last)},
                    volume={d: {} for d in VOLUME_DIMENSIONS})
    for fact in sorted(facts, key=lambda f: (f.at, f.thread_id, f.kind)):
        day = local_day(fact.at, time_zone)
        if not first <= day <= last or not wanted.keep(fact):
            continue
        how = timing(fact, spec, shifts_of)
        for group in (report.total, report.by_day[day], report.by_team.setdefault(fact.label("team"), Figures()),
                      report.by_teammate.setdefault(fact.label("teammate"), Figures()),
                      report.by_team_topic.setdefault((fact.label("team"), fact.label("topic")), Figures())):
            add(group, fact, how)
        if fact.kind in ("opened", "reopened"):
            for dimension in VOLUME_DIMENSIONS:
                counts = report.volume[dimension]
                counts[fact.label(dimension)] = counts.get(fact.label(dimension), 0) + 1
        if with_threads:
            _thread_row(report.threads, fact, how, time_zone)
    return report


THREAD_COLUMNS = ("thread_id", "opening_start", "channel", "account", "team", "teammate", "topic", "urgency",
                  "language", "reopened", "first_response_at", "first_response_s", "first_response_working_s",
                  "sla_met", "breached_at", "closed_at", "resolution_s", "resolution_working_s")


def _local(moment: datetime, time_zone: str) -> str:
    return moment.astimezone(ZoneInfo(time_zone)).isoformat(timespec="seconds")


def _thread_row(rows: dict[str, dict[str, Any]], fact: Fact, how: Timing, time_zone: str) -> None:
    """The threads behind a report: one row per opening, the facts of the range merged into it."""
    key = f"{fact.thread_id}@{fact.start.isoformat()}"
    row = rows.setdefault(key, {c: None for c in THREAD_COLUMNS})
    row.update(thread_id=fact.thread_id, opening_start=_local(fact.start, time_zone))
    for dimension in DIMENSIONS:
        if getattr(fact, dimension) and (row[dimension] is None or fact.kind != "opened"):
            row[dimension] = getattr(fact, dimension)
    if fact.kind == "reopened":
        row["reopened"] = True
    elif fact.kind == "opened":
        row["reopened"] = row["reopened"] or False
    elif fact.kind == "first_response":
        row.update(first_response_at=_local(fact.at, time_zone), first_response_s=how.wall,
                   first_response_working_s=how.working, sla_met=how.met)
    elif fact.kind == "closed":
        row.update(closed_at=_local(fact.at, time_zone), resolution_s=how.wall, resolution_working_s=how.working)
    elif fact.kind == "breached":
        row["breached_at"] = _local(fact.at, time_zone)


#: The reports by name: what ``GET /api/reports/{name}`` and ``siu report`` answer.
REPORT_NAMES = ("summary", "daily", "teams", "teammates", "volume", "threads")


def table(report: Report, name: str) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """One report as columns and rows (the CSV's shape; the JSON carries the same rows)."""
    if name == "summary":
        return ("from", "to", *FIGURE_COLUMNS), [
            {"from": report.first.isoformat(), "to": report.last.isoformat(), **report.total.row()}]
    if name == "daily":
        return ("day", *FIGURE_COLUMNS), [{"day": d.isoformat(), **f.row()} for d, f in sorted(report.by_day.items())]
    if name == "teams":
        return ("team", *FIGURE_COLUMNS), [{"team": k, **f.row()} for k, f in sorted(report.by_team.items())]
    if name == "teammates":
        return ("teammate", *FIGURE_COLUMNS), [{"teammate": k, **f.row()}
                                               for k, f in sorted(report.by_teammate.items())]
    if name == "volume":
        return ("dimension", "value", "threads"), [
            {"dimension": dim, "value": value, "threads": count}
            for dim in VOLUME_DIMENSIONS for value, count in sorted(report.volume[dim].items(),
                                                                     key=lambda kv: (-kv[1], kv[0]))]
    if name == "threads":
        return THREAD_COLUMNS, sorted(report.threads.values(),
                                      key=lambda r: (str(r["opening_start"]), str(r["thread_id"])))
    raise KeyError(name)


class RangeError(ValueError):
    """A report range that cannot be read or is too long; the message says which."""


#: The range a report covers when none is asked for: the last seven days, today included.
DEFAULT_DAYS = 7


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The inclusive local days of ``from``/``to`` (YYYY-MM-DD); the last week by default."""
    try:
        end = date.fromisoformat(last) if last else today
        begin = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise RangeError("from and to are days as YYYY-MM-DD") from None
    if begin > end:
        raise RangeError(f"from ({begin}) is after to ({end})")
    if (end - begin).days + 1 > MAX_DAYS:
        raise RangeError(f"a report covers at most {MAX_DAYS} days; ask for a shorter range")
    return begin, end


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """Rows as CSV text (RFC 4180, a header line; missing values empty; cells a spreadsheet would run are quoted)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A label starting with = + - @ would run as a formula in a spreadsheet: keep it text.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def document(report: Report, name: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A report as the API and ``siu report --json`` answer it: the range, the filters, columns and rows."""
    return {"report": name, "from": report.first.isoformat(), "to": report.last.isoformat(),
            "time_zone": report.time_zone,
            "filters": {k: v for k, v in vars(report.filters).items() if v is not None},
            "columns": list(columns), "rows": rows}
