"""``siu channels``: which channel plugins are installed, their versions, and which failed to load."""

from __future__ import annotations

import json
from typing import Any

import click

from siu_core.hookspecs import CONTRACT_VERSION


def channel_rows(only: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per installed (or failed) channel, the shape ``--json`` prints and the deploy gate reads."""
    from siu_core.plugins import load_channels

    registry = load_channels(only or None)
    rows: list[dict[str, Any]] = []
    for name in registry.names():
        ch = registry.get(name)
        rows.append(
            {
                "name": name,
                "display_name": ch.info.display_name,
                "distribution": ch.distribution,
                "version": ch.info.version,
                "contract_version": ch.info.contract_version,
                "status": "ok",
                "error": None,
                "secret_fields": list(ch.info.secret_fields),
                "reply_window_hours": ch.info.reply_window.standard_hours,
            }
        )
    for name, reason in sorted(registry.failures.items()):
        dist, version = registry.sources.get(name, (None, None))
        rows.append(
            {
                "name": name,
                "display_name": None,
                "distribution": dist,
                "version": version,
                "contract_version": None,
                "status": "error",
                "error": reason,
                "secret_fields": [],
                "reply_window_hours": None,
            }
        )
    return sorted(rows, key=lambda r: r["name"])


@click.command("channels")
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (one object per channel).")
def channels(names: tuple[str, ...], as_json: bool) -> None:
    """List installed channel plugins: version, contract version, and any that failed to load.

    Exit code 0 when every listed channel loaded, 1 when any failed (the reason is shown).
    """
    rows = channel_rows(list(names))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"siu channels (core contract {CONTRACT_VERSION})")
        for col in ("channel", "distribution", "version", "contract", "status"):
            table.add_column(col)
        for r in rows:
            status = "[green]ok[/]" if r["status"] == "ok" else f"[red]error[/]: {r['error']}"
            table.add_row(r["name"], r["distribution"] or "-", r["version"] or "-",
                          r["contract_version"] or "-", status)
        console = Console()
        if rows:
            console.print(table)
        else:
            console.print("No channel plugins installed. Install one, e.g. [bold]pip install siu-whatsapp[/].")
    if any(r["status"] != "ok" for r in rows):
        raise SystemExit(1)
