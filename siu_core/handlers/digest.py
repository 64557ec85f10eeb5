"""The digest Lambda (EventBridge Scheduler): the daily digest at 18:00, the weekly summary once a week.

Both read the report figures (:func:`siu_core.store.rollups.build_report`, the reports page's numbers):
the daily digest those of today in the shop's time zone plus the threads open now (the assignments'
open rows), the weekly summary those of the last complete Monday-to-Sunday week. Rendering is
:mod:`siu_core.digest` and :mod:`siu_core.weekly` (pure), posting :class:`siu_core.notify.Notifier`.
Each team's Slack channel gets its teams' rows; ``$SIU_DIGEST_CHANNEL`` (optional) gets the whole
table. The schedule's event says which: ``{"kind": "weekly"}`` for the summary, no kind (or
``"daily"``) the daily digest; another kind is refused. Each post is claimed before it is sent
(:mod:`siu_core.store.digest_sends`), so a redelivered or retried schedule posts it once. No model is
involved.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs

if TYPE_CHECKING:
    from siu_core.config import SiuConfig
    from siu_core.digest import Digest, SlackMessage
    from siu_core.figures import Report
    from siu_core.notify import Notifier

SERVICE = "digest"
CHANNEL_ENV = "SIU_DIGEST_CHANNEL"
DAILY, WEEKLY = "daily", "weekly"

#: The digest's clock; tests may replace it.
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def make_digest(config: SiuConfig, day: date) -> Digest:
    """One local day's report figures, plus the threads open now, as a digest."""
    from siu_core import digest
    from siu_core.store import open_threads, rollups, roster

    entries = roster.all_entries()
    report = rollups.build_report(config, day, day, entries=entries, with_threads=False)
    still_open = open_threads.read(open_threads.holders((e.id for e in entries), config.teams))
    return digest.build(report, (digest.open_key(t) for t in still_open))


def make_summary(config: SiuConfig, monday: date) -> Report:
    """The report figures of the Monday-to-Sunday week starting ``monday`` (what the summary shows)."""
    from datetime import timedelta

    from siu_core.store import rollups

    return rollups.build_report(config, monday, monday + timedelta(days=6), with_threads=False)


def digest_posts(found: Digest, config: SiuConfig, overall_channel: str | None = None) -> list[SlackMessage]:
    """The daily digest's Slack posts: each team channel its teams' rows, the overall channel all."""
    from siu_core.digest import slack_messages

    return slack_messages(found, _team_channels(config), overall_channel)


def summary_posts(report: Report, config: SiuConfig, overall_channel: str | None = None) -> list[SlackMessage]:
    """The weekly summary's Slack posts, to the same channels as the daily digest."""
    from siu_core import weekly
    from siu_core.digest import channel_posts

    return channel_posts(lambda teams: weekly.render_table(report, teams), _team_channels(config), overall_channel)


def _team_channels(config: SiuConfig) -> dict[str, str | None]:
    return {team: spec.slack_channel for team, spec in config.teams.items()}


def post_digest(found: Digest, config: SiuConfig, notifier: Notifier, overall_channel: str | None = None) -> int:
    """Post the digest to every team channel (and the overall channel), unguarded; returns the posts that went out."""
    return send(digest_posts(found, config, overall_channel), notifier, DAILY).posted


@dataclass(frozen=True)
class Sent:
    """How a run's posts went: out, not sent (Slack refused, unreachable, or no token), sent by an earlier run."""

    posted: int = 0
    failed: int = 0
    already_sent: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name (the handler's answer)."""
        return {"posted": self.posted, "failed": self.failed, "already_sent": self.already_sent}


def send(posts: Sequence[SlackMessage], notifier: Notifier, kind: str, *, once_for: str | None = None) -> Sent:
    """Post each message; with ``once_for`` (the period) each is claimed first so a rerun skips the sent ones."""
    from siu_core.store import digest_sends

    log = obs.get_logger(SERVICE)
    if not posts:
        obs.metric("NotifySkipped", kind=_metric_kind(kind), reason="no_channel")
        log.warning("no Slack channel configured for the digest", extra={"kind": kind})
    seen: dict[str, int] = {}
    posted = failed = already = 0
    for message in posts:
        seen[message.channel] = seen.get(message.channel, 0) + 1
        post_key = f"{message.channel}#{seen[message.channel]}"
        if once_for is not None and not digest_sends.claim(kind, once_for, post_key, clock()):
            obs.metric("NotifySkipped", kind=_metric_kind(kind), reason="already_sent")
            already += 1
            continue
        ok = notifier.post(message.channel, message.text, blocks=message.blocks, kind=_metric_kind(kind))
        if once_for is not None:
            digest_sends.settle(kind, once_for, post_key, clock(), sent=ok)
        posted, failed = posted + ok, failed + (not ok)
    if failed:
        log.warning("some digest posts did not go out; running again for the same period sends only those",
                    extra={"kind": kind, "period": once_for, "failed": failed})
    return Sent(posted, failed, already)


def _metric_kind(kind: str) -> str:
    return "digest" if kind == DAILY else "summary"


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Post today's digest, or with ``{"kind": "weekly"}`` last week's summary, to Slack (each post once)."""
    from siu_core import weekly
    from siu_core.config import load_config
    from siu_core.digest import local_day
    from siu_core.handlers.sla_sweeper import notifier

    kind = (event or {}).get("kind") or DAILY
    if kind not in (DAILY, WEEKLY):
        raise ValueError(f"unknown digest kind {kind!r}: the event's kind is {DAILY!r} (default) or {WEEKLY!r}")
    config = load_config()
    overall = os.environ.get(CHANNEL_ENV) or None
    today = local_day(clock(), config.time_zone)
    if kind == WEEKLY:
        monday, sunday = weekly.previous_week(today)
        report = make_summary(config, monday)
        sent = send(summary_posts(report, config, overall), notifier(), WEEKLY, once_for=monday.isoformat())
        total = weekly.rows(report)[-1][1]
        return {"kind": WEEKLY, "from": monday.isoformat(), "to": sunday.isoformat(), **sent.as_dict(), **total}
    found = make_digest(config, today)
    sent = send(digest_posts(found, config, overall), notifier(), DAILY, once_for=found.date.isoformat())
    return {"kind": DAILY, "date": found.date.isoformat(), **sent.as_dict(), **found.totals.as_dict()}
