"""``siu channels``: which channel plugins are installed, their versions, and which failed to load."""

from __future__ import annotations

import json
from typing import Any

import click

from siu_core.hookspecs import CONTRACT_VERSION

#: What an older-minor plugin is told on stderr (it loads and works; the newer contract gives it more).
UPGRADE_HINT = (f"works; move to {CONTRACT_VERSION} for what the newer contract adds (1.3: the whole request; "
                "1.4: sending files, messages as plain mappings, customer profiles): "
                "docs/plugins.md#versions-the-plugins-and-the-contracts")


def contract_outdated(declared: str | None, current: str = CONTRACT_VERSION) -> bool:
    """Whether a loaded plugin implements an older minor contract than this core (it still works)."""
    if not declared:
        return False
    try:
        d_major, d_minor = (int(p) for p in declared.split("."))
        c_major, c_minor = (int(p) for p in current.split("."))
    except ValueError:
        return False
    return d_major == c_major and d_minor < c_minor


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
                "contract_outdated": contract_outdated(ch.info.contract_version),
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
                "contract_outdated": False,
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

    A plugin on an older minor contract works; a warning on stderr says how to move it on.
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
            contract = r["contract_version"] or "-"
            table.add_row(r["name"], r["distribution"] or "-", r["version"] or "-",
                          f"[yellow]{contract} (older)[/]" if r["contract_outdated"] else contract, status)
        console = Console()
        if rows:
            console.print(table)
        else:
            console.print("No channel plugins installed. Install one: [bold]pip install siu-<channel>[/] (README).")
    for r in rows:
        if r["contract_outdated"]:
            click.echo(f"warning: {r['name']} ({r['distribution']} {r['version']}) implements contract "
                       f"{r['contract_version']}: {UPGRADE_HINT}", err=True)
    if any(r["status"] != "ok" for r in rows):
        raise SystemExit(1)
