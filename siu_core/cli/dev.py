"""``siu dev``: the whole pipeline on this machine, for trying siu and for pointing real webhooks at a laptop."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import click


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0 picks a free one).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Config YAML (default: the bundled example shop).")
@click.option("--secrets", "secrets_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON object keyed by channel with real secrets (default: made-up dev secrets).")
@click.option("--labeler", type=click.Choice(["rules", "bedrock"]), default="rules", show_default=True,
              help="rules needs nothing; bedrock calls Amazon Bedrock with your AWS credentials.")
@click.option("--batching-window", type=float, default=5.0, show_default=True,
              help="Seconds the queue poller waits to fill a batch of 10 (the template's window).")
def dev(host: str, port: int, config_path: Path | None, secrets_path: Path | None, labeler: str,
        batching_window: float) -> None:
    """Run connectors, queue, labeler, router, schedules and a platform stand-in on one machine.

    AWS is emulated on loopback (moto), provisioned from infra/template.yaml; the handlers are the
    Lambda code. Prints each channel's webhook URL and dev secrets; Ctrl-C stops everything.
    """
    from rich.console import Console

    from siu_core.dev.http import PortBusy
    from siu_core.dev.session import clear_session, write_session
    from siu_core.dev.stack import DevOptions, DevStack
    from siu_core.errors import ConfigError

    console = Console()
    if labeler == "bedrock":
        from siu_core.dev import wiring

        if not wiring.has_aws_credentials():
            raise click.UsageError("--labeler bedrock needs AWS credentials (aws configure, or AWS_PROFILE)")
    stack = DevStack(DevOptions(host=host, port=port, config_path=config_path, secrets_path=secrets_path,
                                labeler=labeler, batching_window=batching_window))
    with console.status("starting the AWS emulation and provisioning from infra/template.yaml..."):
        try:
            stack.start()
        except PortBusy as exc:
            stack.stop()
            raise click.ClickException(str(exc)) from None
        except ConfigError as exc:
            stack.stop()
            raise click.ClickException(str(exc)) from None
    write_session(stack.session())
    console.print(f"[bold green]siu dev[/] is running on [bold]{stack.base_url}[/] (labeler: {labeler})")
    for name in stack.channels.names():
        console.print(f"\n[bold]{name}[/]  webhook URL: {stack.webhook_url(name)}")
        for key, value in stack.secrets[name].items():
            console.print(f"    {key}: {value}")
    console.print(
        f"\nThreads: {stack.base_url}/dev/threads   Outbox: {stack.base_url}/dev/outbox   "
        f"Health: {stack.base_url}/healthz"
    )
    from siu_core.auth import issue_token, read_signing_key
    from siu_core.store import roster

    admin = next((m for e in roster.all_entries() if e.role == "admin" and e.active
                  and (m := roster.member(e.id)) is not None), None)
    if admin is None:
        console.print("\nInbox: no admin on the roster yet; sign in with: siu token issue --user ID --role admin")
    else:
        token = issue_token(admin.entry.id, key=read_signing_key(), now=datetime.now(UTC), generation=admin.generation)
        console.print(f"\nInbox (signed in as {admin.entry.id}, admin, for 12 h; others: siu token issue --user ID):")
        console.print(f"[bold]{stack.base_url}/inbox/#token={token}[/]", soft_wrap=True)  # one line: copies whole
    console.print("Try: [bold]siu simulate whatsapp --text 'Where is my order?'[/]   (Ctrl-C stops)")
    stopped = threading.Event()

    def _stop(*_: object) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stopped.wait()
    finally:
        console.print("\nstopping...")
        stack.stop()
        clear_session(stack.base_url)
        console.print("stopped.")
