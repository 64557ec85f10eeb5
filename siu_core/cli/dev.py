"""``siu dev``: the whole pipeline on this machine, for trying siu and for serving a small team from one box.

Exit codes: 0 after a clean stop (Ctrl-C or SIGTERM); 1 when it cannot start (busy port, bad config
or secrets); 2 on a usage error, or when another ``siu dev`` already runs on the same state dir.
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import click

#: Exit code when the state dir is held by another live ``siu dev``.
EXIT_STATE_DIR_BUSY = 2


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on. Anything but loopback makes /dev/* need the dev token.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0 picks a free one).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="SIU_STATE_DIR",
              help="Where threads, roster, secrets, queue and the session file are kept "
                   "[default: $SIU_STATE_DIR or ~/.siu]. One siu dev per state dir.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Config YAML to publish (default: the config kept in the state dir, else the example shop).")
@click.option("--secrets", "secrets_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON object keyed by channel with real secrets (default: made-up dev secrets).")
@click.option("--labeler", type=click.Choice(["rules", "bedrock"]), default="rules", show_default=True,
              help="rules needs nothing; bedrock calls Amazon Bedrock with your AWS credentials.")
@click.option("--batching-window", type=float, default=5.0, show_default=True,
              help="Seconds the queue poller waits to fill a batch of 10 (the template's window).")
@click.option("--snapshot-interval", type=click.FloatRange(0.1, 3600), default=1.0, show_default=True,
              help="Seconds between snapshots of the state while something changed (accepted webhooks are "
                   "journaled at once whatever this is).")
def dev(host: str, port: int, state_dir: Path | None, config_path: Path | None, secrets_path: Path | None,
        labeler: str, batching_window: float, snapshot_interval: float) -> None:
    """Run connectors, queue, labeler, router, schedules and a platform stand-in on one machine.

    AWS is emulated on loopback (moto), provisioned from infra/template.yaml; the handlers are the
    Lambda code. Everything is kept in the state dir and is back after a restart. Prints each
    channel's webhook URL and where its secrets are (never their values); "ready" once /healthz is 200.
    Ctrl-C or SIGTERM stops it cleanly.
    """
    from rich.console import Console

    from siu_core.dev.http import PortBusy
    from siu_core.dev.lock import StateDirBusy
    from siu_core.dev.session import SECRETS_FILE, session_path
    from siu_core.dev.session import state_dir as resolve_state_dir
    from siu_core.dev.stack import DevOptions, DevStack
    from siu_core.errors import ConfigError

    console = Console()
    if labeler == "bedrock":
        from siu_core.dev import wiring

        if not wiring.has_aws_credentials():
            raise click.UsageError("--labeler bedrock needs AWS credentials (aws configure, or AWS_PROFILE)")
    state = resolve_state_dir(state_dir)
    stack = DevStack(DevOptions(host=host, port=port, config_path=config_path, secrets_path=secrets_path,
                                labeler=labeler, batching_window=batching_window, state_dir=state,
                                snapshot_interval=snapshot_interval))
    stopped = threading.Event()

    def _stop(*_: object) -> None:
        stopped.set()

    # SIGTERM during start stops after start (the stack must not be torn down half-built by a signal).
    signal.signal(signal.SIGTERM, _stop)
    with console.status(f"starting the AWS emulation and restoring {state}..."):
        try:
            stack.start()
        except StateDirBusy as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_STATE_DIR_BUSY)
        except (PortBusy, ConfigError) as exc:
            stack.stop()
            raise click.ClickException(str(exc)) from None
        except BaseException:
            stack.stop()
            raise
    signal.signal(signal.SIGINT, _stop)
    restored = "restored from" if stack.restored else "new state in"
    console.print(f"[bold green]siu dev[/] is ready on [bold]{stack.base_url}[/] (labeler: {labeler}; "
                  f"{restored} {state}" + (f"; {stack.replayed} journaled webhook(s) replayed" if stack.replayed
                                           else "") + ")")
    for name in stack.channels.names():
        origin = "from --secrets" if name in stack.given_secrets else "generated dev secrets"
        count = len(stack.accounts[name])
        accounts = f", {count} accounts" if count > 1 else ""
        console.print(f"  [bold]{name}[/]  webhook URL: {stack.webhook_url(name)}  ({origin}{accounts})")
    generated = [n for n in stack.channels.names() if n not in stack.given_secrets]
    if generated:
        console.print(f"Dev secrets of {', '.join(generated)} (and the dev token for /dev/*): "
                      f"{session_path(state)} (mode 0600, kept in {state / SECRETS_FILE})")
    console.print(
        f"Threads: {stack.base_url}/dev/threads   Outbox: {stack.base_url}/dev/outbox   "
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
    simulated = [n for n in stack.channels.names() if stack.channels.get(n).has_hook("simulate_webhook")]
    if simulated:  # any installed channel that can simulate: a new plugin is shown like the others
        console.print(f"Try: [bold]siu simulate {simulated[0]} --text 'Where is my order?'[/]   (Ctrl-C stops)")
    else:
        console.print("(Ctrl-C stops)")
    console.print("ready")
    sys.stdout.flush()  # a supervisor or a script reading a pipe sees it now
    try:
        # Woken twice a second: a signal the kernel hands to another thread only sets a flag, and the main
        # thread runs the handler at its next bytecode; a wait with no timeout would never get there.
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        console.print("\nstopping (saving the state)...")
        stack.stop()
        console.print("stopped.")
