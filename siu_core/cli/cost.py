"""``siu cost --messages-per-month N [--teammates T] [--channels K] [--json]``: the monthly AWS bill of the shape.

From figures measured on the real handlers (siu_core/deploy/measure.py, measure_inbox.py: every AWS
call per message, per status, per inbox poll; index writes; stored bytes), the stated assumptions and
the dated ap-southeast-1 price table (siu_core/deploy/prices.py). Exit code 0, or 2 for bad input.
"""

from __future__ import annotations

import json

import click


@click.command("cost")
@click.option("--messages-per-month", "messages", required=True, type=click.IntRange(min=0),
              help="New customer messages a month (each is labeled once).")
@click.option("--teammates", default=5, show_default=True, type=click.IntRange(min=0),
              help="Teammates with the inbox open (each open tab polls the API).")
@click.option("--channels", "channel_count", default=3, show_default=True, type=click.IntRange(min=1),
              help="How many channels are deployed (one secret and a few metrics each).")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as one JSON object.")
def cost(messages: int, teammates: int, channel_count: int, as_json: bool) -> None:
    """Estimate the monthly AWS bill (list prices, free tiers not subtracted)."""
    from siu_core.deploy.cost import ASSUMPTIONS, estimate
    from siu_core.deploy.prices import AS_OF, REGION

    found = estimate(messages, channel_count, teammates=teammates)
    if as_json:
        click.echo(json.dumps(found.as_json(), indent=2))
        return
    click.echo(f"siu on AWS, {REGION}: {messages:,} messages a month, {teammates} teammate(s), "
               f"{channel_count} channel(s)")
    for line in found.lines:
        click.echo(f"  {line.service:<22} {line.item:<55} {line.quantity:>14,.0f} {line.unit:<13} ${line.usd:>8.2f}")
    click.echo(f"  {'total':<22} {'':<55} {'':>14} {'':<13} ${found.total:>8.2f} a month")
    click.echo(f"Prices: {AS_OF}. Free tiers not subtracted. Assumptions: "
               f"{ASSUMPTIONS['messages_per_thread']:g} messages a thread (a label each thread), "
               f"{ASSUMPTIONS['replies_per_message']:g} reply and {ASSUMPTIONS['statuses_per_reply']:g} "
               f"delivery statuses per message, each inbox tab open {ASSUMPTIONS['teammate_hours_per_month']:g} "
               "h a month; see siu_core/deploy/cost.py.")
