"""``siu config validate FILE`` and ``siu config push FILE``: the operator's side of the config.

Exit codes: 0 ok; 1 the config is invalid or would not load (nothing written); 2 usage error;
3 AWS refused or failed part way (re-running the same push is safe: every write is an overwrite).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import click

from siu_core.config import (
    DEFAULT_CONFIG_PREFIX,
    ROSTER_KEY,
    ConfigProblem,
    config_prefix,
    config_problems,
    config_to_parameters,
    read_config_yaml,
)
from siu_core.errors import ConfigError

EXIT_INVALID = 1
EXIT_AWS = 3
#: SSM picks the standard tier (4 KB) when a value fits and the advanced tier (8 KB) when not.
PARAMETER_TIER = "Intelligent-Tiering"


@click.group("config")
def config() -> None:
    """Check and deploy the siu configuration (taxonomy, teams, SLA, roster seed)."""


def _problems_for(path: str) -> tuple[Any, list[ConfigProblem]]:
    try:
        data = read_config_yaml(path)
    except ConfigError as exc:
        return None, [ConfigProblem("<file>", str(exc))]
    return data, config_problems(data)


def _retention(data: Any) -> dict[str, int]:
    """The retention periods a valid config sets, defaults filled in (what the deployment will enforce)."""
    from siu_core.config import RetentionSpec

    given = data.get("retention") if isinstance(data, dict) else None
    return RetentionSpec.model_validate(given or {}).model_dump()


@config.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: file, valid, problems.")
def validate(file: str, as_json: bool) -> None:
    """Check a YAML config: one line per problem, naming the key. Exit 1 when invalid."""
    data, problems = _problems_for(file)
    retention = _retention(data) if not problems else None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": file,
                    "valid": not problems,
                    "problems": [{"key": p.key, "message": p.message} for p in problems],
                    **({"retention": retention} if retention is not None else {}),
                },
                ensure_ascii=False,
            )
        )
    elif problems:
        for problem in problems:
            click.echo(f"{file}: {problem}", err=True)
        click.echo(f"{file}: {len(problems)} problem(s)", err=True)
    else:
        click.echo(
            f"{file}: valid ({len(data['taxonomy'])} topics + other, {len(data['teams'])} teams, "
            f"{len(data.get('roster') or [])} teammates)"
        )
        assert retention is not None
        click.echo(f"retention: messages {retention['messages_days']} days, "
                   f"snapshots {retention['snapshots_days']} days, media {retention['media_days']} days")
    if problems:
        sys.exit(EXIT_INVALID)


@dataclass(frozen=True)
class Plan:
    """What a push changes: parameters to write (new or different), unchanged ones, stale ones."""

    write: dict[str, str]
    unchanged: list[str]
    stale: list[str]
    drop: list[str] = field(default_factory=list)


def plan_push(wanted: dict[str, str], current: dict[str, str]) -> Plan:
    """Compare the parameters a config needs with those in SSM now (pure; the push's dry run).

    Roster parts the new roster no longer needs (``roster.3`` after it shrank) are not stale: they are
    dropped after the writes (readers take only the parts the first one counts, so order is safe).
    """
    from siu_core.config import is_roster_part

    unused = [k for k in current if k not in wanted]
    return Plan(
        write={k: v for k, v in wanted.items() if current.get(k) != v},
        unchanged=sorted(k for k, v in wanted.items() if current.get(k) == v),
        stale=sorted(k for k in unused if not is_roster_part(k.rsplit("/", 1)[-1])),
        drop=sorted(k for k in unused if is_roster_part(k.rsplit("/", 1)[-1])),
    )


def _ssm_client() -> Any:
    import boto3

    return boto3.client("ssm")


@config.command("push")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--prefix",
    default=None,
    help=f"SSM path to write under (default: $SIU_CONFIG_PREFIX or {DEFAULT_CONFIG_PREFIX}).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--prune", is_flag=True, help="Delete parameters under the prefix that are not config keys.")
def push(file: str, prefix: str | None, dry_run: bool, prune: bool) -> None:
    """Validate a YAML config and write it to SSM Parameter Store, one parameter per top-level key.

    Only changed parameters are written. Lambdas pick the new config up at their next cold start.
    """
    from siu_core.config import SiuConfig, fetch_parameters

    base = config_prefix(prefix)
    data, problems = _problems_for(file)
    if problems:
        for problem in problems:
            click.echo(f"{file}: {problem}", err=True)
        click.echo(f"{file}: invalid, nothing pushed", err=True)
        sys.exit(EXIT_INVALID)
    try:
        wanted = config_to_parameters(SiuConfig.model_validate(data), base)
    except ConfigError as exc:
        click.echo(f"{file}: {exc}", err=True)
        sys.exit(EXIT_INVALID)

    client = _ssm_client()
    try:
        current = fetch_parameters(client, base)
    except Exception as exc:
        click.echo(f"cannot read SSM parameters under {base}: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_AWS)
    plan = plan_push(wanted, current)
    for name in plan.write:
        click.echo(f"{'would write' if dry_run else 'write'}  {name}")
    for name in plan.stale:
        click.echo(f"{'would delete' if dry_run else 'delete'} {name}" if prune else f"stale  {name}")
    if plan.stale and not prune:
        click.echo(
            f"{len(plan.stale)} parameter(s) under {base} are not config keys: the pipeline would refuse to "
            "load; rerun with --prune to delete them",
            err=True,
        )
        sys.exit(EXIT_INVALID)
    if dry_run:
        click.echo(f"dry run: {len(plan.write)} to write, {len(plan.unchanged)} unchanged")
        return
    apply_plan(client, plan, prune=prune)
    click.echo(
        f"pushed {file} to {base}: {len(plan.write)} written, {len(plan.unchanged)} unchanged"
        + (f", {len(plan.stale)} deleted" if prune and plan.stale else "")
    )


def apply_plan(client: Any, plan: Plan, *, prune: bool) -> None:
    """Write a push's parameters (then drop unused roster parts, and stale ones with ``prune``); exit 3 on failure."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    steps = len(plan.write) + len(plan.drop) + (len(plan.stale) if prune else 0)
    # A split roster's first part (which counts the parts) goes last, so no reader counts parts not written.
    writes = sorted(plan.write.items(), key=lambda item: item[0].rsplit("/", 1)[-1] == ROSTER_KEY)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True)
    )
    current = ""
    try:
        with progress:
            task = progress.add_task("pushing config", total=steps)
            for name, value in writes:
                current = name
                client.put_parameter(
                    Name=name, Value=value, Type="String", Overwrite=True, Tier=PARAMETER_TIER, DataType="text"
                )
                progress.advance(task)
            for name in plan.drop:
                current = name
                client.delete_parameter(Name=name)
                progress.advance(task)
            if prune:
                for name in plan.stale:
                    current = name
                    client.delete_parameter(Name=name)
                    progress.advance(task)
    except Exception as exc:
        click.echo(
            f"failed at {current}: {type(exc).__name__}: {exc}\n"
            "the config under the prefix may be part old, part new: rerun the same push",
            err=True,
        )
        sys.exit(EXIT_AWS)
