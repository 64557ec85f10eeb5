"""``siu digest``: the daily digest of a day, or with ``--weekly`` a week's summary, printed or posted to Slack.

What the schedules do (the digest at 18:00, the summary once a week), on demand: posting from here is
not guarded against a second post (an operator asked for it). Exit codes: 0 ok; 1 nothing could be
posted anywhere; 2 usage error.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from siu_core.config import SiuConfig
    from siu_core.digest import SlackMessage


@click.command("digest")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The local day (YYYY-MM-DD; default: today in the shop's time zone); with --weekly, "
                   "any day of the Monday-to-Sunday week (default: last week).")
@click.option("--weekly", is_flag=True, help="The weekly summary instead of the daily digest.")
@click.option("--print", "print_only", is_flag=True, help="Render it here and send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON (implies --print).")
@click.option("--url", default=None, help="A deployed inbox's base URL (default: the running `siu dev`).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config YAML (default: the deployment's config in SSM).")
def digest(day: datetime | None, weekly: bool, print_only: bool, as_json: bool, url: str | None,
           config_path: Path | None) -> None:
    """New, answered, first response, breached and open per team and topic for a day; or a week's summary."""
    from siu_core.cli.target import logs_to_stderr, resolve
    from siu_core.config import load_config, load_config_file
    from siu_core.digest import local_day
    from siu_core.errors import ConfigError

    resolve(url)
    logs_to_stderr("digest", "notify")
    try:
        config = load_config_file(config_path) if config_path else load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    today = local_day(datetime.now(UTC), config.time_zone)
    if weekly:
        table, data, posts = _weekly(config, day.date() if day else None, today)
    else:
        table, data, posts = _daily(config, day.date() if day else today)
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(table)
    if print_only:
        return
    from siu_core.handlers.digest import DAILY, WEEKLY, send
    from siu_core.notify import Notifier

    posted = send(posts, Notifier(), WEEKLY if weekly else DAILY).posted
    click.echo(f"posted {posted} message(s) to Slack", err=True)
    if not posted:
        raise SystemExit(1)


def _daily(config: SiuConfig, wanted: date) -> tuple[str, dict[str, object], list[SlackMessage]]:
    from siu_core.digest import render_table
    from siu_core.handlers.digest import CHANNEL_ENV, digest_posts, make_digest

    found = make_digest(config, wanted)
    data: dict[str, object] = {
        "date": wanted.isoformat(), "time_zone": config.time_zone, "totals": found.totals.as_dict(),
        "teams": {t: c.as_dict() for t, c in sorted(found.teams.items())},
        "rows": [{"team": t, "topic": p, **c.as_dict()} for (t, p), c in sorted(found.rows.items())]}
    return render_table(found), data, digest_posts(found, config, os.environ.get(CHANNEL_ENV) or None)


def _weekly(config: SiuConfig, day: date | None, today: date) -> tuple[str, dict[str, object], list[SlackMessage]]:
    from siu_core import weekly
    from siu_core.handlers.digest import CHANNEL_ENV, make_summary, summary_posts

    monday, sunday = weekly.week_of(day) if day else weekly.previous_week(today)
    report = make_summary(config, monday)
    data: dict[str, object] = {"from": monday.isoformat(), "to": sunday.isoformat(), "time_zone": config.time_zone,
                               "teams": [{"team": t, **n} for t, n in weekly.rows(report)]}
    return weekly.render_table(report), data, summary_posts(report, config, os.environ.get(CHANNEL_ENV) or None)
