"""``siu channels``: each plugin's contract version, and a warning on stderr for an older minor one."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_plugins import make_plugin

from siu_core import plugins
from siu_core.cli import cli
from siu_core.cli.channels import contract_outdated
from siu_core.hookspecs import CONTRACT_VERSION
from siu_core.plugins import ChannelRegistry, new_plugin_manager


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A current plugin ("fresh") and one written against contract 1.2 ("elder")."""
    registry = ChannelRegistry(pm=new_plugin_manager())
    registry.register(make_plugin("fresh"), "fresh", distribution="siu-fresh", dist_version="1.2.3")
    registry.register(make_plugin("elder", contract="1.2"), "elder", distribution="siu-elder", dist_version="1.2.3")
    monkeypatch.setattr(plugins, "load_channels", lambda only=None: registry)


def test_json_lists_each_contract_version_and_flags_the_older_one(installed: None) -> None:
    out = CliRunner().invoke(cli, ["channels", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert (rows["fresh"]["contract_version"], rows["fresh"]["contract_outdated"]) == (CONTRACT_VERSION, False)
    assert (rows["elder"]["contract_version"], rows["elder"]["contract_outdated"]) == ("1.2", True)
    assert "elder" in out.stderr and "fresh" not in out.stderr
    assert f"works; move to {CONTRACT_VERSION} for what the newer contract adds" in out.stderr
    assert "docs/plugins.md#versions-the-plugins-and-the-contracts" in out.stderr


def test_the_table_marks_the_older_plugin_and_warns_on_stderr(installed: None) -> None:
    out = CliRunner().invoke(cli, ["channels"])
    assert out.exit_code == 0, out.output
    assert "1.2 (older)" in out.stdout and "warning: elder (siu-elder 1.2.3) implements contract 1.2" in out.stderr


@pytest.mark.parametrize(("declared", "outdated"), [("1.2", True), ("1.0", True), ("1.3", False), ("1.9", False),
                                                    ("2.0", False), (None, False), ("x.y", False)])
def test_only_an_older_minor_of_the_same_major_is_outdated(declared: str | None, outdated: bool) -> None:
    assert contract_outdated(declared, "1.3") is outdated
