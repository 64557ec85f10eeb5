"""``siu token issue/rotate`` against what ``siu dev`` leaves behind (a moto server and its session file)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from inbox_support import emulation
from pipeline_support import make_config

from siu_core.auth import AuthError, read_signing_key, verify_token
from siu_core.cli import cli


@pytest.fixture
def dev(monkeypatch, tmp_path):
    yield from emulation(monkeypatch, tmp_path, make_config())


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_an_agent_token_for_a_roster_member_with_a_login_link(dev) -> None:
    result = run("token", "issue", "--user", "ana", "--role", "agent", "--ttl", "2h")
    assert result.exit_code == 0, result.output
    token, link = result.stdout.splitlines()[:2]
    assert link == f"login: {dev['base_url']}/inbox/#token={token}"
    session = verify_token(token, key=read_signing_key(), now=datetime.now(UTC))
    assert (session.user, session.role) == ("ana", "agent")
    assert 7100 < (session.expires_at - datetime.now(UTC)).total_seconds() <= 7200


def test_agents_must_be_on_the_roster_admins_need_not(dev) -> None:
    refused = run("token", "issue", "--user", "zed", "--role", "agent")
    assert refused.exit_code == 1 and "not on the roster" in refused.output
    admin = run("token", "issue", "--user", "founder", "--role", "admin", "--json")
    assert admin.exit_code == 0
    data = json.loads(admin.stdout)
    assert data["role"] == "admin" and data["login_url"].endswith(data["token"])


def test_usage_errors(dev) -> None:
    assert run("token", "issue", "--user", "ana", "--role", "root").exit_code == 2
    bad_ttl = run("token", "issue", "--user", "ana", "--role", "agent", "--ttl", "forever")
    assert bad_ttl.exit_code == 2 and "--ttl" in bad_ttl.output


def test_rotation_kills_every_issued_token(dev) -> None:
    old = json.loads(run("token", "issue", "--user", "ana", "--role", "agent", "--json").stdout)["token"]
    old_key = read_signing_key()
    rotated = run("token", "rotate", "--yes")
    assert rotated.exit_code == 0 and "new signing key" in rotated.output
    with pytest.raises(AuthError):
        verify_token(old, key=read_signing_key(), now=datetime.now(UTC))
    assert read_signing_key() != old_key


def test_without_a_running_dev_the_url_is_needed(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SIU_STATE_DIR", str(tmp_path))
    result = run("token", "issue", "--user", "ana", "--role", "agent")
    assert result.exit_code == 2 and "siu dev" in result.output
