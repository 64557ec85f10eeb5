"""``siu digest``: the daily digest of a day, printed or posted to Slack (what the 18:00 schedule does).

Exit codes: 0 ok; 1 the digest could not be posted anywhere; 2 usage error.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import click


@click.command("digest")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The local day (YYYY-MM-DD; default: today in the shop's time zone).")
@click.option("--print", "print_only", is_flag=True, help="Render it here and send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON (implies --print).")
@click.option("--url", default=None, help="A deployed inbox's base URL (default: the running `siu dev`).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config YAML (default: the deployment's config in SSM).")
def digest(day: datetime | None, print_only: bool, as_json: bool, url: str | None, config_path: Path | None) -> None:
    """Messages in, answered, still open, breached, per team and topic, for one day."""
    from siu_core.cli.target import logs_to_stderr, resolve
    from siu_core.config import load_config, load_config_file
    from siu_core.digest import local_day, render_table
    from siu_core.errors import ConfigError
    from siu_core.handlers.digest import make_digest, post_digest

    resolve(url)
    logs_to_stderr("digest", "notify")
    try:
        config = load_config_file(config_path) if config_path else load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    wanted: date = day.date() if day else local_day(datetime.now(UTC), config.time_zone)
    found = make_digest(config, wanted)
    if as_json:
        click.echo(json.dumps({"date": wanted.isoformat(), "time_zone": config.time_zone,
                               "totals": found.totals.as_dict(),
                               "teams": {t: c.as_dict() for t, c in sorted(found.teams.items())},
                               "rows": [{"team": t, "topic": p, **c.as_dict()}
                                        for (t, p), c in sorted(found.rows.items())]}))
        return
    click.echo(render_table(found))
    if print_only:
        return
    import os

    from siu_core.handlers.digest import CHANNEL_ENV
    from siu_core.notify import Notifier

    posted = post_digest(found, config, Notifier(), overall_channel=os.environ.get(CHANNEL_ENV) or None)
    click.echo(f"posted to {posted} Slack channel(s)", err=True)
    if not posted:
        raise SystemExit(1)
