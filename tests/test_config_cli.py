"""``siu config validate`` and ``siu config push`` (against moto's SSM)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

import siu_core.cli.config as cli_config
from siu_core.cli import cli
from siu_core.config import clear_config_cache, example_config, example_config_path, load_config

EXAMPLE = str(example_config_path())


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["config", *args], catch_exceptions=False)


@pytest.fixture
def bad_file(tmp_path: Path) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "taxonomy:\n  orders: {team: care}\n  wholesale: {team: sales}\n"
        "teams: {care: {backup: ghost}}\ndefault_team: care\nsla: {urgent_minute: 5}\n",
        encoding="utf-8",
    )
    return str(path)


def test_validate_ok() -> None:
    result = run("validate", EXAMPLE)
    assert result.exit_code == 0
    assert "valid (6 topics + other, 3 teams, 7 teammates)" in result.stdout


def test_validate_reports_one_line_per_problem_naming_the_key(bad_file: str) -> None:
    result = run("validate", bad_file)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{bad_file}: sla.urgent_minute: unknown key (not part of the config)",
        f"{bad_file}: 1 problem(s)",
    ]
    fixed = Path(bad_file).read_text(encoding="utf-8").replace("urgent_minute", "urgent_minutes")
    Path(bad_file).write_text(fixed, encoding="utf-8")
    result = run("validate", bad_file)
    assert result.exit_code == 1
    assert f"{bad_file}: taxonomy.wholesale.team: team 'sales' is not defined in teams" in result.stderr
    assert f"{bad_file}: teams.care.backup: 'ghost' is not in the roster" in result.stderr


def test_validate_json(bad_file: str) -> None:
    ok = json.loads(run("validate", "--json", EXAMPLE).stdout)
    assert ok == {"file": EXAMPLE, "valid": True, "problems": [],
                  "retention": {"messages_days": 365, "snapshots_days": 30, "media_days": 90}}
    result = run("validate", "--json", bad_file)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [
        {"key": "sla.urgent_minute", "message": "unknown key (not part of the config)"}
    ]


def test_validate_unreadable_files(tmp_path: Path) -> None:
    missing = run("validate", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 1 and "cannot read config file" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [\n", encoding="utf-8")
    assert run("validate", str(broken)).exit_code == 1


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    clear_config_cache()
    monkeypatch.delenv("SIU_CONFIG_PREFIX", raising=False)
    with mock_aws():
        yield boto3.client("ssm")
    clear_config_cache()


def params(ssm: Any, prefix: str = "/siu/config/") -> dict[str, str]:
    out: dict[str, str] = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True):
        out.update({p["Name"]: p["Value"] for p in page["Parameters"]})
    return out


def test_push_writes_one_parameter_per_key_and_loads_back(ssm: Any) -> None:
    result = run("push", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "15 written, 0 unchanged" in result.stdout
    assert len(params(ssm)) == 15
    assert load_config(client=ssm) == example_config()


def test_push_again_writes_only_what_changed(ssm: Any, tmp_path: Path) -> None:
    assert run("push", EXAMPLE).exit_code == 0
    again = run("push", EXAMPLE)
    assert again.exit_code == 0 and "0 written, 15 unchanged" in again.stdout
    edited = tmp_path / "c.yaml"
    edited.write_text(Path(EXAMPLE).read_text(encoding="utf-8").replace("urgent_minutes: 15", "urgent_minutes: 10"))
    result = run("push", str(edited))
    assert "write  /siu/config/sla" in result.stdout and "1 written, 14 unchanged" in result.stdout
    assert json.loads(params(ssm)["/siu/config/sla"])["urgent_minutes"] == 10


def test_dry_run_writes_nothing(ssm: Any) -> None:
    result = run("push", "--dry-run", EXAMPLE)
    assert result.exit_code == 0
    assert "would write  /siu/config/taxonomy" in result.stdout
    assert params(ssm) == {}


def test_invalid_config_pushes_nothing(ssm: Any, bad_file: str) -> None:
    result = run("push", bad_file)
    assert result.exit_code == 1 and "invalid, nothing pushed" in result.stderr
    assert params(ssm) == {}


def test_stale_parameter_blocks_the_push_until_pruned(ssm: Any) -> None:
    ssm.put_parameter(Name="/siu/config/routing", Value="{}", Type="String")
    blocked = run("push", EXAMPLE)
    assert blocked.exit_code == 1 and "--prune" in blocked.stderr
    assert set(params(ssm)) == {"/siu/config/routing"}
    pruned = run("push", "--prune", EXAMPLE)
    assert pruned.exit_code == 0 and "1 deleted" in pruned.stdout
    assert "/siu/config/routing" not in params(ssm)
    assert load_config(client=ssm) == example_config()


def test_push_under_another_prefix(ssm: Any) -> None:
    assert run("push", "--prefix", "/shop2/cfg", EXAMPLE).exit_code == 0
    assert len(params(ssm, "/shop2/cfg/")) == 15 and params(ssm) == {}
    assert load_config(client=ssm, prefix="/shop2/cfg/") == example_config()


def test_aws_failure_midway_is_exit_3_and_rerunnable(ssm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class FailsOnce:
        def __init__(self, real: Any) -> None:
            self.real, self.writes = real, 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def put_parameter(self, **kwargs: Any) -> Any:
            self.writes += 1
            if self.writes == 3:
                raise RuntimeError("throttled")
            return self.real.put_parameter(**kwargs)

    client = FailsOnce(ssm)
    monkeypatch.setattr(cli_config, "_ssm_client", lambda: client)
    result = run("push", EXAMPLE)
    assert result.exit_code == 3 and "rerun the same push" in result.stderr
    assert len(params(ssm)) == 2
    rerun = run("push", EXAMPLE)
    assert rerun.exit_code == 0 and "13 written, 2 unchanged" in rerun.stdout
    assert load_config(client=ssm) == example_config()


def test_unreachable_ssm_is_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def get_paginator(self, _name: str) -> Any:
            raise ConnectionError("no route")

    monkeypatch.setattr(cli_config, "_ssm_client", lambda: Down())
    result = run("push", EXAMPLE)
    assert result.exit_code == 3 and "cannot read SSM parameters" in result.stderr


def test_plan_is_pure() -> None:
    plan = cli_config.plan_push({"/a": "1", "/b": "2"}, {"/a": "1", "/b": "3", "/c": "4"})
    assert plan.write == {"/b": "2"} and plan.unchanged == ["/a"] and plan.stale == ["/c"]
