"""``siu deploy``: parameters from the config file, sam's quoting, and the contract gate before anything else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from siu_core.config import example_config
from siu_core.deploy import plan as p
from siu_core.deploy.connectors import connectors_template
from siu_core.deploy.stacks import core_template
from siu_core.errors import ConfigError

CHANNELS = ["whatsapp", "instagram"]
EXAMPLE = str(Path(__file__).resolve().parent.parent / "config" / "example.yaml")


def sam_parse(pair: str) -> tuple[str, str]:
    """How sam's --parameter-overrides reads one Key="value" pair (per its documented quoting rules)."""
    found = re.fullmatch(r'([A-Za-z0-9]+)="((?:\\.|[^"\\])*)"', pair)
    assert found, pair
    return found.group(1), found.group(2).replace('\\"', '"')


def test_every_parameter_the_templates_require_gets_a_value_and_no_unknown_one() -> None:
    steps = p.plan(CHANNELS, example_config())
    for template, values in ((core_template(), steps.core_parameters),
                             (connectors_template(CHANNELS), steps.connectors_parameters)):
        declared = template["Parameters"]
        required = {k for k, v in declared.items() if "Default" not in v}
        assert required <= set(values), required - set(values)
        assert set(values) <= set(declared), set(values) - set(declared)


def test_schedule_and_model_iam_follow_the_config() -> None:
    config = example_config()
    values = p.core_parameters(config, CHANNELS)
    assert values["TimeZone"] == config.time_zone
    assert values["InferenceProfileId"] == config.model_id == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert values["FoundationModelId"] == "anthropic.claude-haiku-4-5-20251001-v1:0"
    assert values["Channels"] == "whatsapp,instagram"
    assert not any(k.startswith("Config") for k in values)  # config keys go to SSM, not to CloudFormation


def test_the_config_keys_are_written_to_ssm_by_the_deploy_not_carried_by_the_template() -> None:
    steps = p.plan(CHANNELS, example_config(), stack_name="shop")
    keys = {name.rsplit("/", 1)[-1] for name in steps.config_parameters}
    assert "taxonomy" in keys and "roster" in keys and "time_zone" not in keys and "model_id" not in keys
    assert all(name.startswith("/shop/config/") for name in steps.config_parameters)


@pytest.mark.parametrize("value", ['{"a":"b c","d":["x=y"]}', "plain", "", 'say "hi"', "Café 咖啡 ☕", "a b  c"])
def test_overrides_survive_sams_quoting(value: str) -> None:
    assert sam_parse(p.override("Key", value)) == ("Key", value)


def test_overrides_refuse_what_sam_or_cloudformation_cannot_carry() -> None:
    with pytest.raises(ConfigError, match="backslash"):
        p.override("DigestChannel", 'a\\"b')
    with pytest.raises(ConfigError, match="4096"):
        p.override("AlarmEmail", "x" * 5000)


def test_the_plan_deploys_core_then_connectors_with_both_stack_names(tmp_path: Path) -> None:
    steps = p.plan(CHANNELS, example_config(), stack_name="shop", region="ap-southeast-1", out=tmp_path)
    core, conn = steps.core_deploy.argv, steps.connectors_deploy.argv
    assert core[:2] == ("sam", "deploy") and conn[:2] == ("sam", "deploy")
    assert core[core.index("--stack-name") + 1] == "shop"
    assert conn[conn.index("--stack-name") + 1] == "shop-connectors"
    assert core[core.index("--template-file") + 1] == str(tmp_path / "template.yaml")
    assert 'CoreStackName="shop"' in conn and 'NamePrefix="shop"' in core
    assert "--no-fail-on-empty-changeset" in core  # re-running is safe
    assert steps.contract.argv[-3:] == ("whatsapp", "instagram", "labeler")


class Fakes:
    def __init__(self, contract_code: int = 0) -> None:
        self.commands: list[tuple[str, ...]] = []
        self.built = False
        self.contract_code = contract_code
        self.seeded: tuple[int, str] | None = None
        self.pushed: dict[str, str] = {}

    def runner(self, argv: tuple[str, ...]) -> int:
        self.commands.append(argv)
        return self.contract_code if "contract-test" in argv else 0

    def builder(self, channels: list[str], out: Path, progress: Any) -> Any:
        self.built = True

        class Built:
            def function_sizes(self) -> dict[str, float]:
                return {"labeler": 16.1, "connector:whatsapp": 12.0}

        return Built()

    def seeder(self, config: Any, prefix: str, region: str) -> int:
        self.seeded = (len(config.roster), prefix)
        return len(config.roster)

    def pusher(self, parameters: dict[str, str], region: str) -> None:
        self.commands.append(("push-config",))
        self.pushed = dict(parameters)

    def keeper(self, prefix: str, channels: list[str], region: str) -> list[str]:
        self.commands.append(("keep-secrets", prefix, *channels))
        return [f"/{prefix}/secrets/{name}" for name in channels]

    def outputs(self, stack: str, region: str) -> dict[str, str]:
        if stack.endswith("-connectors"):
            return {"WhatsappWebhookUrl": "https://wa.lambda-url.ap-southeast-1.on.aws/"}
        return {"InboxUrl": "https://inbox.lambda-url.ap-southeast-1.on.aws/inbox/"}


def run(fakes: Fakes, tmp_path: Path, *, dry_run: bool) -> tuple[int, str]:
    import click
    from click.testing import CliRunner

    from siu_core.cli import deploy as cli

    @click.command()
    def wrapper() -> None:
        cli._deploy("whatsapp,instagram", "siu", "ap-southeast-1", EXAMPLE, tmp_path, None, None, dry_run,
                    runner=fakes.runner, builder=fakes.builder, outputs=fakes.outputs, seeder=fakes.seeder,
                    pusher=fakes.pusher, keeper=fakes.keeper)

    out = CliRunner().invoke(wrapper, [])
    return out.exit_code, out.output


def test_a_failing_contract_suite_stops_the_deploy_before_the_build(tmp_path: Path) -> None:
    fakes = Fakes(contract_code=1)
    code, output = run(fakes, tmp_path, dry_run=True)
    assert code == 1 and "refusing to deploy" in output
    assert len(fakes.commands) == 1 and not fakes.built


def test_dry_run_runs_the_gate_and_build_and_only_prints_the_sam_commands(tmp_path: Path) -> None:
    fakes = Fakes()
    code, output = run(fakes, tmp_path, dry_run=True)
    assert code == 0, output
    assert fakes.built and len(fakes.commands) == 1  # the contract suite only: no sam, no SSM, no AWS
    assert output.count("sam deploy --template-file") == 2 and "nothing was sent to AWS" in output
    assert ("search: IndexerFunction, SearchFunction on an encrypted EFS index (1 file system), a VPC with 2 "
            "private subnets, no NAT, no endpoint") in output


def test_a_real_deploy_runs_sam_for_both_stacks_and_prints_the_urls(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    fakes = Fakes()
    code, output = run(fakes, tmp_path, dry_run=False)
    assert code == 0, output
    # The config goes to SSM between the stacks: after the core (its IAM and functions), before webhooks.
    # The secrets are created (never overwritten) before the connectors, whose functions read them.
    assert [c[:2] for c in fakes.commands[1:]] == [("sam", "deploy"), ("push-config",), ("keep-secrets", "siu"),
                                                   ("sam", "deploy")]
    assert fakes.commands[3] == ("keep-secrets", "siu", "whatsapp", "instagram")
    assert "/siu/config/taxonomy" in fakes.pushed
    assert "whatsapp-connectors" not in output and "Whatsapp webhook: https://wa." in output
    assert "Inbox: https://inbox." in output
    assert fakes.seeded == (len(example_config().roster), "siu") and "roster:" in output


def test_without_the_sam_cli_nothing_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    fakes = Fakes()
    code, output = run(fakes, tmp_path, dry_run=False)
    assert code == 2 and "SAM CLI" in output and not fakes.commands


def test_an_invalid_config_file_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from siu_core.cli import cli

    bad = tmp_path / "bad.yaml"
    bad.write_text("taxonomy: {}\n")
    out = CliRunner().invoke(cli, ["deploy", "--channels", "whatsapp", "--config", str(bad), "--dry-run"])
    assert out.exit_code == 2, out.output


def test_the_roster_is_seeded_once_and_inbox_edits_survive_a_redeploy(aws: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.cli.deploy import seed_roster
    from siu_core.store import roster

    monkeypatch.setenv("SIU_NAME_PREFIX", "siu")  # seed_roster sets it; monkeypatch puts it back
    config = example_config()
    present = {e.id for e in roster.all_entries()}  # the aws fixture seeded the test roster
    new = [e for e in config.roster if e.id not in present]
    assert new
    assert seed_roster(config, "siu", "ap-southeast-1") == len(new)
    assert seed_roster(config, "siu", "ap-southeast-1") == 0  # a redeploy adds nothing, overwrites nothing


def big_config(teammates: int = 200, teams: int = 50) -> Any:
    """A brand's config: 50 teams, each with a topic and a Slack channel, and 200 teammates with backups."""
    from siu_core.config import SiuConfig

    names = [f"team_{i:02d}" for i in range(teams)]
    roster = [{"id": f"agent{i:03d}", "name": f"Teammate Number {i:03d}", "teams": [names[i % teams]],
               "role": "admin" if i == 0 else "agent", "capacity": 30, "time_zone": "Asia/Singapore",
               "backup": f"agent{(i + 1) % teammates:03d}"} for i in range(teammates)]
    return SiuConfig.model_validate({
        "taxonomy": {f"topic_{i:02d}": {"team": names[i], "description": f"Questions for team {i}"}
                     for i in range(teams)},
        "default_team": names[0],
        "teams": {n: {"backup": f"agent{i:03d}", "slack_channel": f"#{n}"} for i, n in enumerate(names)},
        "roster": roster,
    })


def test_a_200_teammate_50_team_config_deploys_within_every_limit(tmp_path: Path) -> None:
    config = big_config()
    steps = p.plan(CHANNELS, config, out=tmp_path)  # no parameter refused
    for pair in steps.core_deploy.argv[steps.core_deploy.argv.index("--parameter-overrides") + 1:]:
        assert len(pair.encode()) <= 4096 + 64
    roster_parts = {k: v for k, v in steps.config_parameters.items() if "/roster" in k}
    assert len(roster_parts) > 1  # 200 teammates do not fit one parameter: stored in parts
    assert all(len(v.encode()) <= 4096 for v in steps.config_parameters.values())  # standard tier: free


def test_a_200_teammate_roster_round_trips_through_ssm_and_shrinks_cleanly(aws: Any) -> None:
    from siu_core.aws import clients
    from siu_core.cli.config import apply_plan, plan_push
    from siu_core.config import config_from_ssm, config_to_parameters, fetch_parameters

    ssm = clients.client("ssm")
    base = "/big/config/"
    big = big_config()
    apply_plan(ssm, plan_push(config_to_parameters(big, base), fetch_parameters(ssm, base)), prune=False)
    assert config_from_ssm(ssm, base) == big
    small = big_config(teammates=60, teams=50)
    found = plan_push(config_to_parameters(small, base), fetch_parameters(ssm, base))
    assert found.drop and not found.stale  # the parts a shorter roster no longer needs are not "stale"
    apply_plan(ssm, found, prune=False)
    assert config_from_ssm(ssm, base) == small
    assert not any(k in fetch_parameters(ssm, base) for k in found.drop)


def test_a_200_teammate_roster_seeds_the_roster_table(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.cli.deploy import seed_roster
    from siu_core.store import roster

    monkeypatch.setenv("SIU_NAME_PREFIX", "siu")
    before = {e.id for e in roster.all_entries()}
    assert seed_roster(big_config(), "siu", "ap-southeast-1") == 200
    assert {e.id for e in roster.all_entries()} - before == {f"agent{i:03d}" for i in range(200)}
