"""``siu report``: the reports page's figures for a range of days, as a table, CSV or JSON.

Reads the day roll-ups of the running ``siu dev`` (or a deployment's tables with ``--url``/AWS
credentials). Exit codes: 0 ok; 1 the figures could not be read; 2 usage error.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from siu_core import figures


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days}d " if days else "") + (f"{hours}h " if hours or days else "") + f"{mins:02d}m"


def _text(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if column.endswith("_s") and isinstance(value, float | int):
        return _duration(float(value))
    if column in ("sla_attainment", "reopen_rate") and isinstance(value, float | int):
        return f"{value * 100:.1f}%"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render(columns: tuple[str, ...], rows: list[dict[str, Any]], title: str) -> str:
    """A report as text: one ``name: value`` line per figure for one row, else a fixed-width table."""
    if len(rows) == 1:
        width = max(len(c) for c in columns)
        return title + "\n\n" + "\n".join(f"{c.ljust(width)}  {_text(rows[0].get(c), c)}" for c in columns)
    cells = [[_text(r.get(c), c) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return title + "\n\n" + ("\n".join(lines) if cells else "(nothing in this range)")


@click.command("report")
@click.option("--from", "first", metavar="YYYY-MM-DD", default=None,
              help="First local day (default: six days before --to).")
@click.option("--to", "last", metavar="YYYY-MM-DD", default=None, help="Last local day (default: today).")
@click.option("--report", "name", type=click.Choice(figures.REPORT_NAMES), default="summary", show_default=True,
              help="Which report: threads lists the openings behind the figures.")
@click.option("--team", default=None, help="Only this team's figures.")
@click.option("--teammate", default=None, help="Only this teammate's figures.")
@click.option("--channel", default=None, help="Only this channel's figures.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (a header line, then the rows).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's answer).")
@click.option("--url", default=None, help="A deployed inbox's base URL (default: the running `siu dev`).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config YAML (default: the deployment's config in SSM).")
def report(first: str | None, last: str | None, name: str, team: str | None, teammate: str | None,
           channel: str | None, as_csv: bool, as_json: bool, url: str | None, config_path: Path | None) -> None:
    """First response and resolution times, volume, SLA and reopen rate for a range of days."""
    from siu_core.cli.target import logs_to_stderr, resolve
    from siu_core.config import load_config, load_config_file
    from siu_core.errors import ConfigError
    from siu_core.store import rollups

    if as_csv and as_json:
        raise click.UsageError("choose one of --csv and --json")
    resolve(url)
    logs_to_stderr("report")
    try:
        config = load_config_file(config_path) if config_path else load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        begin, end = figures.parse_range(first, last, figures.local_day(datetime.now(UTC), config.time_zone))
    except figures.RangeError as exc:
        raise click.UsageError(str(exc)) from None
    filters = figures.Filters(team=team, teammate=teammate, channel=channel)
    try:
        built = rollups.build_report(config, begin, end, filters, with_threads=name == "threads")
    except Exception as exc:  # no tables, no credentials, no `siu dev`: one line, not a traceback
        raise click.ClickException(f"could not read the figures: {type(exc).__name__}: {exc}") from None
    columns, rows = figures.table(built, name)
    if as_csv:
        click.echo(figures.to_csv(columns, rows), nl=False)
    elif as_json:
        click.echo(json.dumps(figures.document(built, name, columns, rows), indent=2))
    else:
        click.echo(render(columns, rows, f"{name}: {begin} to {end} ({config.time_zone})"))
