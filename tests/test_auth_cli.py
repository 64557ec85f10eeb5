"""``siu token issue/revoke/rotate`` against what ``siu dev`` leaves behind (a moto server and its session file)."""

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
    assert (session.user, session.generation) == ("ana", 0)
    assert 7100 < (session.expires_at - datetime.now(UTC)).total_seconds() <= 7200


def test_tokens_only_for_the_roster_and_a_first_admin_is_bootstrapped_onto_it(dev) -> None:
    from siu_core.store import audit, roster

    refused = run("token", "issue", "--user", "zed", "--role", "agent")
    assert refused.exit_code == 1 and "not on the roster" in refused.output
    assert run("token", "issue", "--user", "zed").exit_code == 1
    admin = run("token", "issue", "--user", "founder", "--role", "admin", "--json")
    assert admin.exit_code == 0, admin.output
    data = json.loads(admin.stdout)
    assert data["role"] == "admin" and data["login_url"].endswith(data["token"])
    entry = roster.get("founder")
    assert entry is not None and (entry.role, entry.status, entry.active) == ("admin", "off", True)
    assert [r["action"] for r in audit.for_scope(audit.roster_scope("founder"))] == ["roster_created"]
    again = run("token", "issue", "--user", "founder", "--json")  # on the roster now: the roster's role
    assert again.exit_code == 0 and json.loads(again.stdout)["role"] == "admin"


def test_the_token_carries_no_role_so_asking_for_another_one_is_refused(dev) -> None:
    promoted = run("token", "issue", "--user", "ana", "--role", "admin")
    assert promoted.exit_code == 1 and "ana is an agent on the roster" in promoted.output
    from siu_core.store import roster

    assert roster.get("ana").role == "agent"


def test_a_deactivated_teammate_gets_no_token(dev) -> None:
    from siu_core.store import roster

    roster.seed([roster.get("ana").model_copy(update={"active": False})], overwrite=True)
    refused = run("token", "issue", "--user", "ana")
    assert refused.exit_code == 1 and "deactivated" in refused.output


def test_revoke_ends_one_persons_sessions_only(dev) -> None:
    from siu_core.store import audit, roster

    ana = json.loads(run("token", "issue", "--user", "ana", "--json").stdout)["token"]
    ben = json.loads(run("token", "issue", "--user", "ben", "--json").stdout)["token"]
    done = run("token", "revoke", "--user", "ana", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"user": "ana", "signed_out": True, "session_generation": 1}
    assert roster.member("ana").generation == 1 and roster.member("ben").generation == 0
    assert verify_token(ana, key=read_signing_key(), now=datetime.now(UTC)).generation == 0  # stale: 401 in the API
    assert verify_token(ben, key=read_signing_key(), now=datetime.now(UTC)).generation == 0
    assert "sessions_revoked" in [r["action"] for r in audit.for_scope(audit.roster_scope("ana"))]
    fresh = json.loads(run("token", "issue", "--user", "ana", "--json").stdout)["token"]
    assert verify_token(fresh, key=read_signing_key(), now=datetime.now(UTC)).generation == 1
    unknown = run("token", "revoke", "--user", "zed")
    assert unknown.exit_code == 1 and "not on the roster" in unknown.output


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
