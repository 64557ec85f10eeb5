"""``siu sla sweep``: run the SLA sweep once, now (what the 5-minute schedule does)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click


@click.group("sla")
def sla() -> None:
    """First-response targets: run the sweeper by hand."""


@sla.command("sweep")
@click.option("--now", "now_flag", is_flag=True, help="Sweep immediately (the default; kept for scripts).")
@click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]), default=None,
              help="Judge breaches as of this time (ISO with offset, e.g. 2026-03-04T18:00+08:00).")
@click.option("--url", default=None, help="A deployed inbox's base URL (default: the running `siu dev`).")
def sweep(now_flag: bool, at: datetime | None, url: str | None) -> None:
    """Re-route breached threads (once each), notify their teams on Slack, drain unassigned queues."""
    from siu_core.cli.target import logs_to_stderr, resolve
    from siu_core.config import load_config
    from siu_core.errors import ConfigError
    from siu_core.handlers.sla_sweeper import notifier
    from siu_core.sla_sweep import sweep as run_sweep

    resolve(url)
    logs_to_stderr("sla-sweeper", "notify")
    try:
        config = load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    when = at.astimezone(UTC) if at else datetime.now(UTC)
    report = run_sweep(config, when, notifier())
    click.echo(json.dumps({"at": when.isoformat(), **report.summary(),
                           "breaches": [{"thread_id": b.thread_id, "from": b.previous, "to": b.target,
                                         "reason": b.reason} for b in report.breaches]}, indent=2))
