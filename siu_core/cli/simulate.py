"""``siu simulate``: post a realistic, correctly signed webhook for one channel."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from siu_core.plugins import Channel


@click.command("simulate")
@click.argument("channel")
@click.option("--text", required=True, help="What the customer writes.")
@click.option("--sender", default="6591234567", show_default=True, help="The customer's platform id.")
@click.option("--name", "sender_name", default="Sam Customer", show_default=True, help="The customer's display name.")
@click.option("--url", default=None, help="Webhook URL (default: the running `siu dev`'s /webhooks/CHANNEL).")
@click.option("--secrets", "secrets_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON file of this channel's secrets (default: the running `siu dev`'s).")
@click.option("--account", default=None, help="Business account id to address (default: the dev session's).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="SIU_STATE_DIR",
              help="State dir of the `siu dev` to post to [default: $SIU_STATE_DIR or ~/.siu].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def simulate(channel: str, text: str, sender: str, sender_name: str, url: str | None, secrets_file: Path | None,
             account: str | None, state_dir: Path | None, as_json: bool) -> None:
    """Build a realistic signed webhook for CHANNEL carrying TEXT and post it.

    Against a running `siu dev` it needs no options: the URL and the dev secrets come from the
    session file `siu dev` writes in its state dir (~/.siu/dev-session.json by default). Exit code 0
    when the webhook was accepted (2xx), 1 when it was refused, 2 on a usage problem.
    """
    import requests

    from siu_core.connector.inbound import with_public_url
    from siu_core.dev.session import read_session
    from siu_core.errors import ConfigError, UnknownChannel
    from siu_core.models import SimulatedMessage
    from siu_core.plugins import load_channels

    registry = load_channels([channel])
    try:
        ch = registry.get(channel)
    except UnknownChannel as exc:
        raise click.UsageError(str(exc)) from None
    session = read_session(state_dir) or {}
    if secrets_file is not None:
        data: Any = json.loads(secrets_file.read_text(encoding="utf-8"))
        secrets = _account_fields(ch, data.get(channel, data) if isinstance(data, dict) else {}, account)
    elif account is not None and account in session.get("account_secrets", {}).get(channel, {}):
        secrets = session["account_secrets"][channel][account]  # that account's own app secret signs
    else:
        secrets = session.get("secrets", {}).get(channel)
    if not secrets:
        raise click.UsageError("no secrets: start `siu dev` first, or pass --secrets FILE")
    target = url or (f"{session['base_url']}/webhooks/{channel}" if session.get("base_url") else None)
    if target is None:
        raise click.UsageError("no URL: start `siu dev` first, or pass --url")
    account_id = account or session.get("accounts", {}).get(channel) or f"dev-{channel}-account"
    message = SimulatedMessage(sender_id=sender, sender_name=sender_name, text=text,
                               message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=datetime.now(UTC))
    settings = session.get("settings", {}).get(channel)
    try:
        webhook = ch.simulate_webhook([message], account_id, secrets, settings,
                                      url=with_public_url(target, settings or {}))
    except (NotImplementedError, ConfigError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        resp = requests.post(target, data=webhook.body, headers=webhook.headers, timeout=15)
    except requests.RequestException as exc:
        raise click.ClickException(f"could not reach {target}: {type(exc).__name__} (is `siu dev` running?)") \
            from None
    message_id = webhook.message_ids.get(message.message_id, message.message_id)
    enqueued = resp.headers.get("x-siu-enqueued")
    result = {"url": target, "status": resp.status_code, "response": resp.text[:500], "message_id": message_id,
              "enqueued": int(enqueued) if enqueued else None}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"POST {target} -> {resp.status_code} {resp.text[:200]}")
        click.echo(f"message id {message_id}" + (f", {enqueued} event(s) queued" if enqueued else ""))
    if not 200 <= resp.status_code < 300:
        raise SystemExit(1)


def _account_fields(channel: Channel, document: Any, account: str | None) -> dict[str, str]:
    """One account's fields from a channel's secret JSON (either shape): the named account's, else the first's."""
    from siu_core.accounts import channel_accounts
    from siu_core.errors import ConfigError

    if not isinstance(document, dict) or not document:
        return {}
    try:
        accounts = channel_accounts("--secrets", document, account_field=channel.info.account_secret_field)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    found = accounts.get(account) if account is not None else accounts.accounts[0]
    return dict((found or accounts.accounts[0]).secrets)
