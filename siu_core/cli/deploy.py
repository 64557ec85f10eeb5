"""``siu deploy --channels a,b [--stack-name N] [--region R] [--dry-run]``: contract-gated deploy to AWS.

Runs the contract suite for exactly the chosen channels (and the Bedrock labeler) and refuses to go
on if any check fails; builds the artifacts; ``sam deploy`` of the core stack; writes the config
file's keys to SSM (as ``siu config push`` does; only changed ones); ``sam deploy`` of the connectors
stack; seeds the roster table from the config file (new teammates only); prints the webhook URLs and
the inbox URL. ``--dry-run`` does all of it except the AWS calls
and prints the ``sam deploy`` commands instead.

Exit codes: 0 deployed (or dry run done); 1 the contract suite, the build or a deploy failed;
2 usage error (unknown channel, invalid config file, no SAM CLI).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from siu_core.errors import ConfigError

EXIT_FAILED, EXIT_USAGE = 1, 2
DEFAULT_CONFIG = "config/example.yaml"

#: Runs one command, returns its exit code (tests replace it).
CommandRunner = Callable[[tuple[str, ...]], int]


def run_command(argv: tuple[str, ...]) -> int:
    """Run a command with its output on this terminal; its exit code."""
    return subprocess.run(list(argv), check=False).returncode  # noqa: S603 - our own fixed commands


def build_artifacts(channels: list[str], out: Path, progress: Callable[[str], None]) -> Any:
    """Build the artifacts and templates (the network is needed for the platform wheels)."""
    from siu_core.deploy import build as builder

    return builder.run(builder.plan(channels, out), progress=progress)


def stack_outputs(stack: str, region: str) -> dict[str, str]:
    """A deployed stack's outputs (name -> value)."""
    import boto3

    found = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def seed_roster(config: Any, name_prefix: str, region: str) -> int:
    """Write the config file's roster into the deployed roster table: new teammates only (edits made in
    the inbox are kept). Returns how many were added."""
    import os

    from siu_core.aws import clients
    from siu_core.aws.names import PREFIX_ENV
    from siu_core.store import roster

    os.environ[PREFIX_ENV] = name_prefix
    os.environ.setdefault("AWS_REGION", region)
    clients.reset_clients()
    return roster.seed(config.roster, overwrite=False)


def push_config(parameters: dict[str, str], region: str) -> None:
    """Write the config's SSM parameters that differ (unused roster parts dropped); refuse on foreign ones."""
    import boto3

    from siu_core.cli.config import apply_plan, plan_push
    from siu_core.config import fetch_parameters

    if not parameters:
        return
    base = next(iter(parameters)).rsplit("/", 1)[0] + "/"
    client = boto3.client("ssm", region_name=region)
    found = plan_push(parameters, {k: v for k, v in fetch_parameters(client, base).items()
                                   if k.rsplit("/", 1)[-1] not in ("time_zone", "model_id")})
    if found.stale:
        _fail(f"{len(found.stale)} parameter(s) under {base} are not config keys ({', '.join(found.stale[:3])}); "
              f"the pipeline would refuse to load: `siu config push FILE --prefix {base} --prune`", EXIT_FAILED)
    apply_plan(client, found, prune=False)
    click.echo(f"    {len(found.write)} written, {len(found.unchanged)} unchanged")


def keep_secrets(name_prefix: str, channels: list[str], region: str) -> list[str]:
    """Create the missing SecureString secrets (CloudFormation cannot); the names created."""
    import boto3

    from siu_core.deploy.build import channel_secret_fields
    from siu_core.deploy.secrets import ensure_secrets

    return ensure_secrets(boto3.client("ssm", region_name=region), name_prefix, channels,
                          channel_secret_fields(channels))


def _fail(message: str, code: int) -> None:
    click.echo(f"siu deploy: {message}", err=True)
    sys.exit(code)


@click.command("deploy")
@click.option("--channels", "channels_raw", required=True, help="Comma-separated channel names (`siu channels`).")
@click.option("--stack-name", default="siu", show_default=True,
              help="Core stack name (the connectors stack is NAME-connectors; also the name prefix).")
@click.option("--region", default="ap-southeast-1", show_default=True, help="AWS region.")
@click.option("--config", "config_file", default=DEFAULT_CONFIG, show_default=True,
              type=click.Path(dir_okay=False), help="The config file deployed to SSM (as `siu config push` takes).")
@click.option("--out", default="build/lambda", show_default=True, type=click.Path(file_okay=False),
              help="Build output directory.")
@click.option("--budget", "budget_usd", type=click.FloatRange(min=1), help="Monthly AWS Budget in USD (default 20).")
@click.option("--alarm-email", help="E-mail subscribed to the alarm and budget topic.")
@click.option("--dry-run", is_flag=True, help="Contract suite and build, then print the sam commands; no AWS call.")
def deploy(channels_raw: str, stack_name: str, region: str, config_file: str, out: str, budget_usd: float | None,
           alarm_email: str | None, dry_run: bool) -> None:
    """Deploy siu with the chosen channels, after their contract suites pass."""
    _deploy(channels_raw, stack_name, region, config_file, Path(out), budget_usd, alarm_email, dry_run,
            runner=run_command, builder=build_artifacts, outputs=stack_outputs, seeder=seed_roster,
            pusher=push_config, keeper=keep_secrets)


def _deploy(channels_raw: str, stack_name: str, region: str, config_file: str, out: Path, budget_usd: float | None,
            alarm_email: str | None, dry_run: bool, *, runner: CommandRunner,
            builder: Callable[[list[str], Path, Callable[[str], None]], Any],
            outputs: Callable[[str, str], dict[str, str]], seeder: Callable[[Any, str, str], int],
            pusher: Callable[[dict[str, str], str], None],
            keeper: Callable[[str, list[str], str], list[str]]) -> None:
    """The deploy with its side effects passed in (the CLI passes the real ones, tests fakes)."""
    from siu_core.cli.build import parse_channels
    from siu_core.config import parse_config, read_config_yaml
    from siu_core.deploy import plan as deploy_plan
    from siu_core.deploy.build import channel_sources
    from siu_core.deploy.stacks import core_template

    channels = parse_channels(channels_raw)
    try:
        channel_sources(channels)
        config = parse_config(read_config_yaml(config_file), source=f"config file {config_file}")
        steps = deploy_plan.plan(channels, config, stack_name=stack_name, region=region, out=out,
                                 budget_usd=budget_usd, alarm_email=alarm_email)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    if not dry_run and shutil.which("sam") is None:
        _fail("the AWS SAM CLI is not on PATH (https://docs.aws.amazon.com/serverless-application-model/: "
              "pip install aws-sam-cli, or the installer)", EXIT_USAGE)

    click.echo(f"1/5 {steps.contract.why}")
    if runner(steps.contract.argv) != 0:
        _fail("the contract suite failed: refusing to deploy (fix the plugin, or deploy without that channel)",
              EXIT_FAILED)
    click.echo(f"2/5 build {', '.join(channels)} into {steps.out}")
    try:
        built = builder(channels, steps.out, lambda m: click.echo(f"    {m}"))
    except Exception as exc:  # a BuildError names the step; anything else is still a failed build
        _fail(f"build failed: {exc}", EXIT_FAILED)
    for label, mb in sorted(built.function_sizes().items()):
        click.echo(f"    {label:<22} {mb:>7.2f} MB")
    for number, command in ((3, steps.core_deploy), (5, steps.connectors_deploy)):
        click.echo(f"{number}/5 {command.why}")
        if number == 3 and (search := deploy_plan.search_shape(core_template()["Resources"])):
            click.echo(f"    {search}")
        if dry_run:
            click.echo(f"    {command.shell()}")
        elif runner(command.argv) != 0:
            _fail(f"{command.why} failed (re-running `siu deploy` is safe)", EXIT_FAILED)
        if number == 3:
            click.echo(f"4/5 config: {len(steps.config_parameters)} SSM parameter(s) under "
                       f"/{steps.core_parameters['NamePrefix']}/config/")
            if not dry_run:
                pusher(steps.config_parameters, region)
            prefix = steps.core_parameters["NamePrefix"]
            click.echo(f"    secrets: SecureString parameters under /{prefix}/secrets/ (missing ones created, "
                       "none overwritten)")
            if not dry_run:
                for name in keeper(prefix, list(channels), region):
                    click.echo(f"    created {name}")
    if dry_run:
        click.echo(f"    then seed the roster table with the config's {len(config.roster)} teammate(s) (new ones only)")
        click.echo("dry run: nothing was sent to AWS")
        return
    added = seeder(config, steps.core_parameters["NamePrefix"], region)
    click.echo(f"roster: {added} new teammate(s) from {config_file} (existing ones kept as edited in the inbox)")
    core = outputs(stack_name, region)
    conn = outputs(steps.connectors_stack, region)
    click.echo(f"Inbox: {core.get('InboxUrl', '?')}")
    for key, value in sorted(conn.items()):
        if key.endswith("WebhookUrl"):
            click.echo(f"{key[: -len('WebhookUrl')]} webhook: {value}")
    click.echo("Next: put each channel's secret and the Slack token (docs/deploy.md), then verify the webhooks.")
    click.echo("Search indexes what the tables' streams carry from now on; a stack that already held messages "
               "seeds the index once (docs/search.md, `siu search reindex`).")
