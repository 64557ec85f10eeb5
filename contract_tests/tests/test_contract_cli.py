"""``siu contract-test``: exit 0 when every check passes, 1 when any fails, 2 for an unknown channel."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from contract_testkit import FakeSite

from siu_core.cli import cli


@pytest.fixture
def runner(fake_site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose pytest subprocess sees the fake channels too."""
    monkeypatch.setenv("PYTHONPATH", str(fake_site.root))
    monkeypatch.delenv("SIU_CHANNELS", raising=False)
    return CliRunner()


def test_an_unknown_channel_exits_2_and_names_the_installed_ones(runner: CliRunner, fake_site: FakeSite) -> None:
    fake_site.install()
    result = runner.invoke(cli, ["contract-test", "fakechat", "nosuch"])
    assert result.exit_code == 2
    assert "unknown channel 'nosuch'" in result.stderr and "fakechat" in result.stderr


def test_a_passing_channel_exits_0_with_json_counts(runner: CliRunner, fake_site: FakeSite) -> None:
    fake_site.install()
    result = runner.invoke(cli, ["contract-test", "fakechat", "--json", "-k", "not property"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["pytest_exit_status"] == 0
    assert [(c["name"], c["passed"], c["failed"], c["skipped"]) for c in data["channels"]] == [
        ("fakechat", 55, 0, 4)  # skipped: templates (1.2), acknowledge (1.3), the edit and deletion shapes
    ]


def test_any_failing_channel_exits_1_with_a_per_channel_table(runner: CliRunner, fake_site: FakeSite) -> None:
    fake_site.install(name="fakechat")
    fake_site.install("AcceptsTamperedChannel", name="tampered")
    result = runner.invoke(cli, ["contract-test", "fakechat", "tampered", "-k", "signature or load"])
    assert result.exit_code == 1
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:6]]
            for line in result.stdout.splitlines() if line.startswith("│")}
    assert rows == {"fakechat": ["18", "0", "0", "pass"], "tampered": ["10", "8", "0", "FAIL"]}


def test_help_explains_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["contract-test", "--help"])
    assert result.exit_code == 0
    assert "0  every check of every channel passed" in result.output
    assert 'contract_suite("mychannel")' in result.output
