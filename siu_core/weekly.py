"""The weekly summary: last week's figures per team, for Slack. Pure: no I/O, no clock.

Read from the report figures of one Monday-to-Sunday week in the business's time zone
(:func:`siu_core.store.rollups.build_report`), the same figures the reports page, the CSV and the
daily digest read, so a week's summary equals the reports page for that week:

- **volume**: conversations opened or reopened (the report's ``opened + reopened``);
- **1st reply median / p90**: time to the first response, wall clock (``first_response_median_s``,
  ``first_response_p90_s``);
- **SLA**: first responses within target over all first responses (``sla_attainment``);
- **reopen**: reopenings over closes (``reopen_rate``);
- **busiest topic**: the topic with the most conversations opened or reopened (ties: alphabetical).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from siu_core.digest import TOTAL, Counts, duration, fixed_width, merge
from siu_core.figures import Figures, Report, median, p90

#: The weekday the summary goes out when none is configured (Monday; 0 is Monday as in ``date.weekday``).
DEFAULT_WEEKDAY = 0
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def previous_week(today: date) -> tuple[date, date]:
    """The last complete Monday-to-Sunday week before ``today`` (on any weekday the summary is sent)."""
    return week_of(today - timedelta(days=7))


@dataclass(frozen=True)
class Busiest:
    """A topic and the conversations it had."""

    topic: str
    conversations: int


def busiest(report: Report, teams: Iterable[str] | None = None) -> Busiest | None:
    """The topic with the most conversations opened or reopened (of ``teams``, or all); None for none."""
    wanted = set(teams) if teams is not None else None
    counts: dict[str, int] = {}
    for (team, topic), fig in report.by_team_topic.items():
        if wanted is None or team in wanted:
            counts[topic] = counts.get(topic, 0) + fig.opened + fig.reopened
    ranked = sorted(((n, t) for t, n in counts.items() if n), key=lambda nt: (-nt[0], nt[1]))
    return Busiest(ranked[0][1], ranked[0][0]) if ranked else None


def row(figures: Figures, top: Busiest | None) -> dict[str, object]:
    """One team's (or the total's) summary numbers by name: durations in seconds, rates 0..1."""
    r = figures.row()
    return {"volume": figures.opened + figures.reopened, "first_response_median_s": median(figures.first_response),
            "first_response_p90_s": p90(figures.first_response), "sla_attainment": r["sla_attainment"],
            "reopen_rate": r["reopen_rate"], "busiest_topic": top.topic if top else None,
            "busiest_topic_conversations": top.conversations if top else 0}


def rows(report: Report, teams: Iterable[str] | None = None) -> list[tuple[str, dict[str, object]]]:
    """Per team (of ``teams``, or all with figures) then the TOTAL over those teams."""
    shown = sorted(t for t in report.by_team if teams is None or t in set(teams))
    out = [(team, row(report.by_team[team], busiest(report, [team]))) for team in shown]
    total = merge(Counts(figures=report.by_team[t]) for t in shown).figures
    out.append((TOTAL, row(total, busiest(report, shown))))
    return out


def _percent(value: object) -> str:
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "-"


_HEAD = ("team", "volume", "1st reply median", "p90", "SLA", "reopen", "busiest topic")


def render_table(report: Report, teams: Iterable[str] | None = None) -> str:
    """The week as a fixed-width table (all teams, or only ``teams``), with a title line."""
    lines = []
    for team, numbers in rows(report, teams):
        top = f"{numbers['busiest_topic']} ({numbers['busiest_topic_conversations']})" \
            if numbers["busiest_topic"] else "-"
        lines.append((team, str(numbers["volume"]), duration(_seconds(numbers["first_response_median_s"])),
                      duration(_seconds(numbers["first_response_p90_s"])), _percent(numbers["sla_attainment"]),
                      _percent(numbers["reopen_rate"]), top))
    first, last = report.first, report.last
    title = (f"Weekly summary — {first:%a} {first.day} {first:%b} to {last:%a} {last.day} {last:%b %Y}"
             f" ({report.time_zone})")
    table = fixed_width(_HEAD, lines, left=1)
    if len(lines) == 1:
        table.append("(no conversations this week)")
    return title + "\n\n" + "\n".join(table)


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None

