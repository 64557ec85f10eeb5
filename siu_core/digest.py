"""The daily digest: messages in, answered, still open, breached, per team and topic. Pure: no I/O.

Counted per thread for one local day (midnight to midnight in the shop's time zone):

- **in**: customer messages whose platform time falls in the day;
- **answered**: threads that got at least one reply (or business-app message) that day;
- **open**: threads open when the digest was made;
- **breached**: threads whose first-response target was breached that day.

The Slack message is a monospaced table (a code block): readable on phones and desktop alike.
No model is involved and no customer text is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ALL = "(all)"
TOTAL = "TOTAL"
#: Slack section blocks hold at most 3000 characters.
MAX_BLOCK_TEXT = 2900


@dataclass(frozen=True)
class ThreadDay:
    """One thread's part in a day."""

    thread_id: str
    team: str
    topic: str
    messages_in: int
    messages_out: int
    open_now: bool
    breached: bool


@dataclass
class Counts:
    """The four numbers of a digest row."""

    messages_in: int = 0
    answered: int = 0
    still_open: int = 0
    breached: int = 0

    def add(self, item: ThreadDay) -> None:
        """Count one thread in."""
        self.messages_in += item.messages_in
        self.answered += 1 if item.messages_out else 0
        self.still_open += 1 if item.open_now else 0
        self.breached += 1 if item.breached else 0

    def as_dict(self) -> dict[str, int]:
        """The numbers by name (handler answers, JSON output)."""
        return {"messages_in": self.messages_in, "answered": self.answered, "still_open": self.still_open,
                "breached": self.breached}

    def empty(self) -> bool:
        """Nothing happened and nothing is open."""
        return not any(self.as_dict().values())


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


def build(day: date, time_zone: str, items: Iterable[ThreadDay]) -> Digest:
    """Sum threads into rows, team subtotals and the total (rows with nothing to say are left out)."""
    digest = Digest(date=day, time_zone=time_zone)
    for item in items:
        probe = Counts()
        probe.add(item)
        if probe.empty():
            continue
        digest.rows.setdefault((item.team, item.topic), Counts()).add(item)
        digest.teams.setdefault(item.team, Counts()).add(item)
        digest.totals.add(item)
    return digest


_HEAD = ("team", "topic", "in", "answered", "open", "breached")


def render_table(digest: Digest, teams: Iterable[str] | None = None) -> str:
    """The digest as a fixed-width table (all teams, or only ``teams``), with a title line."""
    wanted = set(teams) if teams is not None else set(digest.teams)
    lines: list[tuple[str, ...]] = []
    total = Counts()
    for team in sorted(t for t in digest.teams if t in wanted):
        for (row_team, topic), counts in sorted(digest.rows.items()):
            if row_team == team:
                lines.append(_cells(team, topic, counts))
        lines.append(_cells(team, ALL, digest.teams[team]))
        for key, value in digest.teams[team].as_dict().items():
            setattr(total, key, getattr(total, key) + value)
    lines.append(_cells(TOTAL, "", total))
    widths = [max(len(row[i]) for row in [_HEAD, *lines]) for i in range(len(_HEAD))]

    def fmt(row: tuple[str, ...]) -> str:
        left = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        right = [row[i].rjust(widths[i]) for i in range(2, len(row))]
        return "  ".join(left + right).rstrip()

    day = digest.date
    title = f"Daily digest — {day:%a} {day.day} {day:%b %Y} ({digest.time_zone})"
    body = [fmt(_HEAD), "  ".join("-" * w for w in widths)] + [fmt(r) for r in lines]
    if not digest.teams or not wanted & set(digest.teams):
        body.append("(no messages, no open threads)")
    return title + "\n\n" + "\n".join(body)


def _cells(team: str, topic: str, counts: Counts) -> tuple[str, ...]:
    c = counts
    return (team, topic, str(c.messages_in), str(c.answered), str(c.still_open), str(c.breached))


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


def _posts(channel: str, table: str) -> list[SlackMessage]:
    """One table as Slack posts inside Slack's limits (50 blocks and about 4,000 characters of text each)."""
    from siu_core.slack_limits import MAX_BLOCKS, MAX_TEXT, split_lines

    title, _, body = table.partition("\n\n")
    lines = body.splitlines()
    head, rows = lines[:2], lines[2:]
    per_part = split_lines(rows, MAX_TEXT - len(title) - sum(len(h) + 1 for h in head) - 40)
    posts = []
    for i, part in enumerate(per_part or [[]], 1):
        name = title if len(per_part) <= 1 else f"{title} (part {i}/{len(per_part)})"
        text = name + "\n\n" + "\n".join([*head, *part])
        blocks = _blocks(text)
        if len(blocks) > MAX_BLOCKS:  # cannot happen inside MAX_TEXT; kept so a change of limits shows
            raise ValueError(f"digest part has {len(blocks)} blocks")
        posts.append(SlackMessage(channel, text, blocks))
    return posts


def slack_messages(digest: Digest, team_channels: Mapping[str, str | None],
                   overall_channel: str | None = None) -> list[SlackMessage]:
    """The posts: each team channel gets the rows of the teams that post there; the overall channel all rows.

    A table too long for one Slack message (dozens of teams and topics) goes out as numbered parts.
    """
    by_channel: dict[str, list[str]] = {}
    for team, channel in sorted(team_channels.items()):
        if channel:
            by_channel.setdefault(channel, []).append(team)
    out = []
    for channel, teams in sorted(by_channel.items()):
        out += _posts(channel, render_table(digest, teams))
    if overall_channel:
        out += _posts(overall_channel, render_table(digest))
    return out
