"""``siu deploy``: the contract gate, the build, then ``sam deploy`` of the core and connectors stacks.

Order, and why:

1. ``siu contract-test <channels> labeler``: exactly the chosen channels' contract suites plus the
   Bedrock labeler's (the deployed labeler calls Bedrock). Any failure stops the deploy here.
2. ``siu build``: artifacts and the two deployable templates (:mod:`siu_core.deploy.build`).
3. ``sam deploy`` of the core stack (its outputs are the connectors stack's imports).
4. ``sam deploy`` of the connectors stack (``<stack>-connectors``).

Parameter values come from the operator's config file (the same file ``siu config push`` takes):
the schedule's time zone and the Bedrock model IDs, so IAM and the schedule always match the config.
Every other config key is written to SSM after the core stack (:attr:`DeployPlan.config_parameters`,
the writes ``siu config push`` makes), never carried as a template parameter: CloudFormation takes
4 KB a parameter, and a 200-teammate roster (stored in parts) or 50 teams would not fit. ``sam deploy`` reads
``--parameter-overrides`` ``Key=Value`` pairs with its own quoting: :func:`override` writes each
value double-quoted with ``"`` escaped; a value holding a backslash cannot be carried and is
refused with the key named. Every step is safe to re-run (CloudFormation converges; "no changes"
is not an error).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siu_core.errors import ConfigError

DEFAULT_STACK = "siu"
DEFAULT_REGION = "ap-southeast-1"
#: CloudFormation's limit on one parameter value.
MAX_PARAMETER_BYTES = 4096
#: Config keys that the template fills from deployment parameters (`siu deploy` writes the rest to SSM).
_DERIVED = {"time_zone": "TimeZone", "model_id": "InferenceProfileId"}


def config_parameter_name(key: str) -> str | None:
    """The core template parameter that carries a config key (only ``time_zone`` and ``model_id``), else None."""
    return _DERIVED.get(key)


def config_parameters(config: Any, name_prefix: str) -> dict[str, str]:
    """The SSM parameters ``siu deploy`` writes after the core stack: every key but the template's two."""
    from siu_core.config import config_to_parameters

    return {name: value for name, value in config_to_parameters(config, f"/{name_prefix}/config/").items()
            if name.rsplit("/", 1)[-1] not in _DERIVED}


def core_parameters(config: Any, channels: Sequence[str], *, name_prefix: str = "siu",
                    budget_usd: float | None = None, alarm_email: str | None = None,
                    digest_channel: str | None = None) -> dict[str, str]:
    """The core stack's parameter values for a validated config and the chosen channels."""
    from siu_core.config import config_to_parameters
    from siu_core.deploy.iam import split_model_id

    params: dict[str, str] = {"NamePrefix": name_prefix, "Channels": ",".join(channels)}
    config_to_parameters(config, f"/{name_prefix}/config/")  # refuses a key too big for SSM, before any deploy
    params["TimeZone"] = str(config.time_zone)
    params["InferenceProfileId"] = str(config.model_id)
    params["FoundationModelId"] = split_model_id(str(config.model_id))[1]
    params["SnapshotRetentionDays"] = str(config.retention.snapshots_days)
    params["MediaRetentionDays"] = str(config.retention.media_days)
    if budget_usd is not None:
        params["MonthlyBudgetUsd"] = f"{budget_usd:g}"
    if alarm_email:
        params["AlarmEmail"] = alarm_email
    if digest_channel:
        params["DigestChannel"] = digest_channel
    return params


def connectors_parameters(config: Any, channels: Sequence[str], *, name_prefix: str, core_stack: str) -> dict[str, str]:
    """The connectors stack's parameter values (each channel's settings from the config file)."""
    import json

    from siu_core.deploy.connectors import logical_name

    params = {"NamePrefix": name_prefix, "CoreStackName": core_stack}
    for name in channels:
        settings = dict(config.channels.get(name) or {})
        params[f"{logical_name(name)}Settings"] = (
            json.dumps(settings, separators=(",", ":"), ensure_ascii=False, sort_keys=True) if settings else ""
        )
    return params


def override(key: str, value: str) -> str:
    """One ``Key="value"`` pair as sam's ``--parameter-overrides`` parses it back to exactly ``value``."""
    if "\\" in value:
        raise ConfigError(f"parameter {key}: a backslash cannot pass through sam --parameter-overrides; "
                          "remove it from the config (or push that key later with `siu config push`)")
    if len(value.encode("utf-8")) > MAX_PARAMETER_BYTES:
        raise ConfigError(f"parameter {key} is {len(value.encode('utf-8'))} bytes; CloudFormation takes at most "
                          f"{MAX_PARAMETER_BYTES} per parameter: shorten it, or keep it out of the deploy and "
                          "push it with `siu config push`")
    return f'{key}="{value.replace(chr(34), chr(92) + chr(34))}"'


@dataclass(frozen=True)
class Command:
    """One external command of the deploy, what it is for, and whether it calls AWS."""

    argv: tuple[str, ...]
    why: str
    aws: bool = False

    def shell(self) -> str:
        """The command as one shell line."""
        import shlex

        return shlex.join(self.argv)


@dataclass
class DeployPlan:
    """Everything ``siu deploy`` will run, in order (the build in between is in-process)."""

    channels: list[str]
    stack_name: str
    region: str
    out: Path
    contract: Command
    core_deploy: Command
    connectors_deploy: Command
    core_parameters: dict[str, str] = field(default_factory=dict)
    connectors_parameters: dict[str, str] = field(default_factory=dict)
    #: SSM name -> value, written after the core stack (see the module docstring).
    config_parameters: dict[str, str] = field(default_factory=dict)

    @property
    def connectors_stack(self) -> str:
        """The connectors stack's name."""
        return f"{self.stack_name}-connectors"


def search_shape(resources: Mapping[str, Any]) -> str | None:
    """One line naming what the core stack deploys for search (the operator sees a VPC and EFS coming)."""
    def of(rtype: str) -> list[str]:
        return sorted(k for k, v in resources.items() if v.get("Type") == rtype)

    mounted = [k for k in of("AWS::Serverless::Function") if (resources[k].get("Properties") or {}).get(
        "FileSystemConfigs")]
    if not mounted:
        return None
    nat = of("AWS::EC2::NatGateway") + of("AWS::EC2::VPCEndpoint")
    return (f"search: {', '.join(mounted)} on an encrypted EFS index ({len(of('AWS::EFS::FileSystem'))} file "
            f"system), a VPC with {len(of('AWS::EC2::Subnet'))} private subnets, "
            f"{'no NAT, no endpoint' if not nat else ', '.join(nat)} (docs/search.md)")


def contract_command(channels: Sequence[str]) -> Command:
    """``siu contract-test`` for exactly these channels, plus the Bedrock labeler's contract."""
    from siu_core.cli.contract import LABELER

    argv = (sys.executable, "-c", "from siu_core.cli import main; main()", "contract-test", *channels, LABELER)
    return Command(argv, f"contract suite: {', '.join(channels)} and the Bedrock labeler")


def sam_deploy(template: Path, stack: str, region: str, parameters: Mapping[str, str], *, sam: str = "sam") -> Command:
    """``sam deploy`` of one built template (uploads the artifacts it names; safe to re-run)."""
    argv = [sam, "deploy", "--template-file", str(template), "--stack-name", stack, "--region", region,
            "--capabilities", "CAPABILITY_IAM", "--resolve-s3", "--no-confirm-changeset",
            "--no-fail-on-empty-changeset"]
    if parameters:
        argv += ["--parameter-overrides", *(override(k, v) for k, v in parameters.items())]
    return Command(tuple(argv), f"sam deploy {stack} ({template.name})", aws=True)


def plan(channels: Sequence[str], config: Any, *, stack_name: str = DEFAULT_STACK, region: str = DEFAULT_REGION,
         out: str | Path = "build/lambda", name_prefix: str | None = None, budget_usd: float | None = None,
         alarm_email: str | None = None, digest_channel: str | None = None, sam: str = "sam") -> DeployPlan:
    """The deploy for these channels and this (validated) config; runs nothing."""
    chosen = list(dict.fromkeys(channels))
    if not chosen:
        raise ConfigError("choose at least one channel: --channels a,b with names as `siu channels` lists them")
    prefix = name_prefix or stack_name
    out_dir = Path(out).resolve()
    core = core_parameters(config, chosen, name_prefix=prefix, budget_usd=budget_usd, alarm_email=alarm_email,
                           digest_channel=digest_channel)
    conn = connectors_parameters(config, chosen, name_prefix=prefix, core_stack=stack_name)
    return DeployPlan(
        channels=chosen, stack_name=stack_name, region=region, out=out_dir,
        contract=contract_command(chosen),
        core_deploy=sam_deploy(out_dir / "template.yaml", stack_name, region, core, sam=sam),
        connectors_deploy=sam_deploy(out_dir / "connectors.yaml", f"{stack_name}-connectors", region, conn, sam=sam),
        core_parameters=core, connectors_parameters=conn, config_parameters=config_parameters(config, prefix),
    )
