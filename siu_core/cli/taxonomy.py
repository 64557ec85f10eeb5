"""``siu taxonomy review``: ask the heavier model for a taxonomy change from teammates' label corrections.

Run by hand, never on live traffic; prints a proposal and writes nothing. Exit codes: 0 a proposal
(possibly "no change"); 1 nothing to review or the model gave no usable answer; 2 usage error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click


@click.group("taxonomy")
def taxonomy() -> None:
    """Tune the topic taxonomy."""


@taxonomy.command("review")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Corrections made on or after this day (default: the last 30 days).")
@click.option("--sample", type=click.IntRange(1, 200), default=40, show_default=True,
              help="At most this many corrected threads (the most recent).")
@click.option("--json", "as_json", is_flag=True, help="Print the proposal and resulting taxonomy as JSON.")
@click.option("--url", default=None, help="A deployed inbox's base URL (default: the running `siu dev`).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config YAML (default: the deployment's config in SSM).")
def review(since: datetime | None, sample: int, as_json: bool, url: str | None, config_path: Path | None) -> None:
    """Send the corrected-label threads to the review model and print its proposed taxonomy change."""
    from siu_core import review as rv
    from siu_core.cli.target import resolve
    from siu_core.config import load_config, load_config_file
    from siu_core.errors import ConfigError

    resolve(url)
    try:
        config = load_config_file(config_path) if config_path else load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    start = since.replace(tzinfo=UTC) if since else datetime.now(UTC) - timedelta(days=30)
    items = rv.collect(start, sample)
    if not items:
        click.echo(f"no label corrections since {start.date().isoformat()}: nothing to review", err=True)
        raise SystemExit(1)
    click.echo(f"reviewing {len(items)} corrected thread(s) with {config.review_model_id}...", err=True)
    try:
        proposal = rv.review(config, items, rv.bedrock_client())
    except rv.ReviewError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    applied = rv.apply_proposal(config, proposal)
    if as_json:
        click.echo(rv.proposal_json(proposal, applied))
    else:
        click.echo(rv.render(proposal, applied, items=len(items), model=config.review_model_id))
