"""``siu contract-test``: run the channel contract suite for installed channels, one summary row each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import click

#: Exit codes: everything passed / a check failed or the run broke / unknown channel or no suite.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def installed_channel_names() -> list[str]:
    """Channel names with a ``siu.channels`` entry point (loaded or not: a broken one still gets tested)."""
    from siu_core.plugins import ENTRY_POINT_GROUP

    return sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)})


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "siu" / "contract"


#: Not a channel: the Bedrock labeler's contract, run with every channel or named on its own.
LABELER = "labeler"


def pytest_command(channels: list[str], report: Path, rootdir: Path, *, keyword: str | None,
                   verbose: bool, examples: int | None) -> list[str]:
    """The pytest invocation: the suite plugin, one ``--siu-channel`` per channel, an isolated rootdir."""
    cmd = [sys.executable, "-m", "pytest", "-p", "siu_contract", "-p", "no:cacheprovider",
           "--rootdir", str(rootdir), "--siu-report", str(report), "--tb=short"]
    for name in channels:
        cmd += ["--siu-labeler"] if name == LABELER else ["--siu-channel", name]
    if keyword:
        cmd += ["-k", keyword]
    if examples is not None:
        cmd += ["--siu-examples", str(examples)]
    cmd += ["-v"] if verbose else ["-q"]
    cmd.append(str(rootdir))
    return cmd


def summarize(report: dict[str, Any] | None, channels: list[str]) -> list[dict[str, Any]]:
    """One row per requested channel; a channel missing from the report (the run broke) counts as failed."""
    by_name = {c["name"]: c for c in (report or {}).get("channels", [])}
    rows = []
    for name in channels:
        row = by_name.get(name) or {
            "name": name, "passed": 0, "failed": 1, "skipped": 0,
            "failures": [{"test": f"{name}::<run>", "message": "no contract check ran for this channel"}],
        }
        row["ok"] = row["failed"] == 0 and row["passed"] > 0
        rows.append(row)
    return rows


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="siu contract suite")
    for column, justify in (("channel", "left"), ("passed", "right"), ("failed", "right"),
                            ("skipped", "right"), ("result", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        result = "[green]pass[/]" if row["ok"] else "[red]FAIL[/]"
        table.add_row(row["name"], str(row["passed"]), str(row["failed"]), str(row["skipped"]), result)
    Console().print(table)


@click.command("contract-test")
@click.argument("channels", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the per-channel results as JSON instead of a table.")
@click.option("-k", "keyword", metavar="EXPR", help="Only run checks matching this pytest -k expression.")
@click.option("-v", "--verbose", is_flag=True, help="Show every check as it runs.")
@click.option("--examples", type=click.IntRange(min=1), metavar="N",
              help="Hypothesis examples per normalize property check (default 100).")
def contract_test(channels: tuple[str, ...], as_json: bool, keyword: str | None, verbose: bool,
                  examples: int | None) -> None:
    """Run the channel contract suite: the gate every channel plugin passes before a deploy.

    Checks each named channel (default: every installed one) from the fixtures its plugin ships:
    plugin loading, handshake, webhook signatures, normalize against golden events and the event
    schema, send_reply against recorded cassettes, media download, and cassette hygiene. With no
    channel named it also runs the Bedrock labeler's contract (name `labeler` to run only that).

    \b
    Exit codes:
      0  every check of every channel passed
      1  a check failed (or the suite could not run)
      2  an unknown channel was named, or nothing is installed to test

    \b
    A plugin repository gets the same checks with one line in a test module:
      from siu_contract import contract_suite
      TestContract = contract_suite("mychannel")
    """
    installed = installed_channel_names()
    unknown = [name for name in channels if name not in installed and name != LABELER]
    if unknown:
        known = ", ".join(installed) or "none"
        click.echo(f"siu contract-test: unknown channel {', '.join(map(repr, unknown))} (installed: {known})",
                   err=True)
        raise SystemExit(EXIT_USAGE)
    chosen = list(dict.fromkeys(channels)) or [*installed, LABELER]
    if not [name for name in chosen if name != LABELER] and not channels:
        click.echo("siu contract-test: no channel plugins installed (entry point group 'siu.channels')", err=True)
        raise SystemExit(EXIT_USAGE)
    try:
        metadata.distribution("siu-contract")
    except metadata.PackageNotFoundError:
        click.echo("siu contract-test: the contract suite is not installed (pip install siu-contract)", err=True)
        raise SystemExit(EXIT_USAGE) from None

    with tempfile.TemporaryDirectory(prefix="siu-contract-") as tmp:
        rootdir = Path(tmp)
        # An empty ini file pins the rootdir here: no project conftest or pytest config leaks in.
        (rootdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        report_path = rootdir / "report.json"
        cmd = pytest_command(chosen, report_path, rootdir, keyword=keyword, verbose=verbose,
                             examples=examples)
        env = {**os.environ, "SIU_CHANNELS": ",".join(chosen)}
        # Hypothesis caches what it learns about local code; keep that out of the throwaway rootdir.
        env.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(_cache_dir() / "hypothesis"))
        captured = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            cmd, cwd=rootdir, env=env, check=False,
            stdout=subprocess.PIPE if as_json else None, stderr=subprocess.PIPE if as_json else None,
        )
        report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else None

    rows = summarize(report, chosen)
    ok = captured.returncode == 0 and all(row["ok"] for row in rows)
    if as_json:
        payload: dict[str, Any] = {"ok": ok, "pytest_exit_status": captured.returncode, "channels": rows}
        if report is None:
            payload["output"] = (captured.stdout or b"").decode("utf-8", "replace")[-4000:]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        _print_table(rows)
        if report is None:
            click.echo(f"siu contract-test: pytest exited {captured.returncode} without a report", err=True)
    raise SystemExit(EXIT_OK if ok else EXIT_FAILED)
