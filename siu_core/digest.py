"""The daily digest: new conversations, answered, first response, breached, still open, per team and topic. Pure.

Every number but one is read from the report figures of the local day (midnight to midnight in the
shop's time zone, :func:`siu_core.store.rollups.build_report`), so the Slack digest, the reports page
and the CSV agree:

- **new**: conversations opened that day (``opened`` facts);
- **reopened**: conversations a customer reopened that day (``reopened`` facts);
- **answered**: first responses given that day (``first_response`` facts);
- **1st reply**: the median time to those first responses (wall clock);
- **breached**: first-response targets that ran out that day (``breached`` facts).

**open** is live, not a fact: the threads open when the digest was made (the assignments' open rows).
The Slack message is a monospaced table (a code block): readable on phones and desktop alike.
No model is involved and no customer text is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from siu_core.figures import NONE_LABEL, Figures, Report, median

ALL = "(all)"
TOTAL = "TOTAL"
#: Slack section blocks hold at most 3000 characters.
MAX_BLOCK_TEXT = 2900


@dataclass
class Counts:
    """One digest row: the day's figures of its facts and the threads open now."""

    figures: Figures = field(default_factory=Figures)
    still_open: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The numbers by name (handler answers, JSON output); durations in seconds."""
        f = self.figures
        return {"opened": f.opened, "reopened": f.reopened, "answered": f.first_responses,
                "first_response_median_s": median(f.first_response), "breached": f.sla_breached,
                "still_open": self.still_open}

    def empty(self) -> bool:
        """Nothing happened and nothing is open."""
        return not any(self.as_dict().values())


def merge(rows: Iterable[Counts]) -> Counts:
    """Several rows as one (medians over all their samples, never a median of medians)."""
    out = Counts()
    for row in rows:
        f, g = out.figures, row.figures
        f.opened += g.opened
        f.reopened += g.reopened
        f.closed += g.closed
        f.first_responses += g.first_responses
        f.sla_met += g.sla_met
        f.sla_breached += g.sla_breached
        f.first_response += g.first_response
        f.first_response_working += g.first_response_working
        f.resolution += g.resolution
        f.resolution_working += g.resolution_working
        out.still_open += row.still_open
    return out


@dataclass
class Digest:
    """A day's digest: rows per (team, topic), subtotals per team, the total."""

    date: date
    time_zone: str
    rows: dict[tuple[str, str], Counts] = field(default_factory=dict)
    teams: dict[str, Counts] = field(default_factory=dict)
    totals: Counts = field(default_factory=Counts)


def day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a local day (23 or 25 hours long across a DST change)."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_day(now: datetime, time_zone: str) -> date:
    """Today in the shop's time zone."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def open_key(thread: Mapping[str, Any]) -> tuple[str, str]:
    """The (team, topic) row an open thread counts in, labelled as the report facts are."""
    team = thread.get("team") or thread.get("queued_team")
    topic = thread.get("topic")
    return (str(team) if team else NONE_LABEL, str(topic) if topic else NONE_LABEL)


def build(report: Report, open_now: Iterable[tuple[str, str]] = ()) -> Digest:
    """A one-day report's (team, topic) figures plus the open threads' rows, subtotals and total."""
    if report.first != report.last:
        raise ValueError("a daily digest covers one day")
    rows: dict[tuple[str, str], Counts] = {key: Counts(figures=fig) for key, fig in report.by_team_topic.items()}
    for key in open_now:
        rows.setdefault(key, Counts()).still_open += 1
    digest = Digest(date=report.first, time_zone=report.time_zone,
                    rows={k: v for k, v in rows.items() if not v.empty()})
    for team in {t for t, _ in digest.rows}:
        digest.teams[team] = merge(c for (t, _), c in digest.rows.items() if t == team)
    digest.totals = merge(digest.teams.values())
    return digest


def duration(seconds: float | None) -> str:
    """A duration as a table cell: ``45s``, ``12m``, ``2h05``, ``1d3h``; ``-`` for none."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}"
    return f"{whole // 86400}d{whole % 86400 // 3600}h"


_HEAD = ("team", "topic", "new", "reopened", "answered", "1st reply", "breached", "open")


def render_table(digest: Digest, teams: Iterable[str] | None = None) -> str:
    """The digest as a fixed-width table (all teams, or only ``teams``), with a title line."""
    wanted = set(teams) if teams is not None else set(digest.teams)
    lines: list[tuple[str, ...]] = []
    shown = sorted(t for t in digest.teams if t in wanted)
    for team in shown:
        for (row_team, topic), counts in sorted(digest.rows.items()):
            if row_team == team:
                lines.append(_cells(team, topic, counts))
        lines.append(_cells(team, ALL, digest.teams[team]))
    lines.append(_cells(TOTAL, "", merge(digest.teams[t] for t in shown)))
    day = digest.date
    title = f"Daily digest — {day:%a} {day.day} {day:%b %Y} ({digest.time_zone})"
    table = fixed_width(_HEAD, lines, left=2)
    if not shown:
        table.append("(no conversations, no open threads)")
    return title + "\n\n" + "\n".join(table)


def fixed_width(head: tuple[str, ...], rows: Sequence[tuple[str, ...]], left: int) -> list[str]:
    """Head, rule and rows as aligned text: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]

    def fmt(row: tuple[str, ...]) -> str:
        cells = [row[i].ljust(widths[i]) if i < left else row[i].rjust(widths[i]) for i in range(len(row))]
        return "  ".join(cells).rstrip()

    return [fmt(head), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]


def _cells(team: str, topic: str, counts: Counts) -> tuple[str, ...]:
    c = counts.as_dict()
    return (team, topic, str(c["opened"]), str(c["reopened"]), str(c["answered"]),
            duration(c["first_response_median_s"]), str(c["breached"]), str(c["still_open"]))


@dataclass(frozen=True)
class SlackMessage:
    """One Slack post of the digest."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]


def _blocks(table: str) -> list[dict[str, Any]]:
    title, _, body = table.partition("\n\n")
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}}]
    chunk: list[str] = []
    for line in body.splitlines():
        if sum(len(x) + 1 for x in chunk) + len(line) + 8 > MAX_BLOCK_TEXT:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "```" + "\n".join(chunk) + "```"}})
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "```" + "\n".join(chunk) + "```"}})
    return blocks


def table_posts(channel: str, table: str) -> list[SlackMessage]:
    """One table as Slack posts inside Slack's limits (50 blocks and about 4,000 characters of text each)."""
    from siu_core.slack_limits import MAX_BLOCKS, MAX_TEXT, split_lines

    title, _, body = table.partition("\n\n")
    lines = body.splitlines()
    head, rows = lines[:2], lines[2:]
    per_part = split_lines(rows, MAX_TEXT - len(title) - sum(len(h) + 1 for h in head) - 40)
    out = []
    for i, part in enumerate(per_part or [[]], 1):
        name = title if len(per_part) <= 1 else f"{title} (part {i}/{len(per_part)})"
        text = name + "\n\n" + "\n".join([*head, *part])
        blocks = _blocks(text)
        if len(blocks) > MAX_BLOCKS:  # cannot happen inside MAX_TEXT; kept so a change of limits shows
            raise ValueError(f"digest part has {len(blocks)} blocks")
        out.append(SlackMessage(channel, text, blocks))
    return out


def slack_messages(digest: Digest, team_channels: Mapping[str, str | None],
                   overall_channel: str | None = None) -> list[SlackMessage]:
    """The posts: each team channel gets the rows of the teams that post there; the overall channel all rows.

    A table too long for one Slack message (dozens of teams and topics) goes out as numbered parts.
    """
    return channel_posts(lambda teams: render_table(digest, teams), team_channels, overall_channel)


def channel_posts(render: Callable[[Iterable[str] | None], str], team_channels: Mapping[str, str | None],
                  overall_channel: str | None = None) -> list[SlackMessage]:
    """A table rendered per channel (its teams' rows; every row for the overall channel) as Slack posts."""
    by_channel: dict[str, list[str]] = {}
    for team, channel in sorted(team_channels.items()):
        if channel:
            by_channel.setdefault(channel, []).append(team)
    out = []
    for channel, teams in sorted(by_channel.items()):
        out += table_posts(channel, render(teams))
    if overall_channel:
        out += table_posts(overall_channel, render(None))
    return out
