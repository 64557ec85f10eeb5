"""The daily digest Lambda (EventBridge Scheduler, 18:00 in the shop's time zone): gather, render, post.

Gathering is :func:`siu_core.store.reports.day_threads`, rendering :mod:`siu_core.digest` (pure), posting
:class:`siu_core.notify.Notifier`. Each team's Slack channel gets its teams' rows; ``$SIU_DIGEST_CHANNEL``
(optional) gets the whole table. No model is involved.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs

if TYPE_CHECKING:
    from siu_core.config import SiuConfig
    from siu_core.digest import Digest
    from siu_core.notify import Notifier

SERVICE = "digest"
CHANNEL_ENV = "SIU_DIGEST_CHANNEL"

#: The digest's clock; tests may replace it.
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def make_digest(config: SiuConfig, day: date) -> Digest:
    """Read one local day's threads and sum them into a digest."""
    from siu_core import digest
    from siu_core.store import open_threads, reports, roster

    start, end = digest.day_bounds(day, config.time_zone)
    still_open = open_threads.read(open_threads.holders((e.id for e in roster.all_entries()), config.teams))
    return digest.build(day, config.time_zone, reports.day_threads(start, end, still_open))


def post_digest(found: Digest, config: SiuConfig, notifier: Notifier, overall_channel: str | None = None) -> int:
    """Post the digest to every team channel (and the overall channel); returns the posts that went out."""
    from siu_core.digest import slack_messages

    channels = {team: spec.slack_channel for team, spec in config.teams.items()}
    posts = slack_messages(found, channels, overall_channel)
    if not posts:
        obs.metric("NotifySkipped", kind="digest", reason="no_channel")
        obs.get_logger(SERVICE).warning("no Slack channel configured for the digest")
    return sum(1 for m in posts if notifier.post(m.channel, m.text, blocks=m.blocks, kind="digest"))


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Post today's digest (today in the configured time zone) to Slack."""
    from siu_core.config import load_config
    from siu_core.digest import local_day
    from siu_core.handlers.sla_sweeper import notifier

    config = load_config()
    found = make_digest(config, local_day(clock(), config.time_zone))
    posted = post_digest(found, config, notifier(), overall_channel=os.environ.get(CHANNEL_ENV) or None)
    return {"date": found.date.isoformat(), "posted": posted, **found.totals.as_dict()}
