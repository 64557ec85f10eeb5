"""A siu dev stack on a state dir, stopped and started again in this process: everything is back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from waiting import until

from siu_core.dev.lock import StateDirBusy
from siu_core.dev.stack import DevOptions, DevStack
from siu_core.models import SimulatedMessage


def _stack(state: Path) -> DevStack:
    return DevStack(DevOptions(port=0, schedules=False, batching_window=0.2, state_dir=state,
                               snapshot_interval=0.2)).start()


def _post(stack: DevStack, text: str, sender: str, channel: str = "whatsapp") -> str:
    ch = stack.channels.get(channel)
    assert stack.config is not None
    message = SimulatedMessage(sender_id=sender, sender_name=f"Customer {sender}", text=text,
                               message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=datetime.now(UTC))
    webhook = ch.simulate_webhook([message], stack.account_id(channel), stack.secrets[channel],
                                  stack.config.channel_settings(channel))
    resp = requests.post(stack.webhook_url(channel), data=webhook.body, headers=webhook.headers, timeout=15)
    assert resp.status_code == 200, resp.text
    return webhook.message_ids.get(message.message_id, message.message_id)


def _token(state: Path, user: str, role: str) -> str:
    from siu_core.cli import cli

    result = CliRunner().invoke(cli, ["--state-dir", str(state), "token", "issue", "--user", user, "--role", role,
                                      "--json"])
    assert result.exit_code == 0, result.output
    token: str = json.loads(result.output.splitlines()[-1])["token"]
    return token


def _api(stack: DevStack, method: str, path: str, token: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.base_url}{path}", json=body, timeout=15,
                            headers={"Authorization": f"Bearer {token}"})


def _customers(stack: DevStack) -> set[str]:
    return {t["customer"]["id"] for t in requests.get(f"{stack.base_url}/dev/threads", timeout=10).json()}


def test_a_stopped_stack_comes_back_with_threads_roster_audit_tokens_secrets_and_queued_events(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("SIU_STATE_DIR", str(tmp_path / "elsewhere"))  # restored after `siu --state-dir` sets it
    first = _stack(state)
    try:
        assert first.ready and not first.restored
        _post(first, "Where is my order 55?", "6590000001")
        from siu_core.cli import cli

        simulated = CliRunner().invoke(cli, ["simulate", "whatsapp", "--text", "and my refund?", "--sender",
                                             "6590000009", "--state-dir", str(state), "--json"])
        assert simulated.exit_code == 0 and json.loads(simulated.output)["status"] == 200, simulated.output
        assert first.wait_drained(timeout=60)
        assert until(lambda: "6590000001" in _customers(first))
        admin = _token(state, "ahmad", "admin")
        mei = _token(state, "mei", "admin")
        edit = _api(first, "PUT", "/api/roster/mei", admin, {"status": "away"})
        assert edit.status_code == 200, edit.text
        secrets_before = first.secrets
        assert first._poller is not None
        first._poller.stop()  # what is queued now is only in the queue when the stack stops
        _post(first, "Do you ship to Penang?", "6590000002")
        assert until(lambda: first._queue_depths()["intake_visible"] == 1)
    finally:
        first.stop()
    assert (state / "data" / "manifest.json").exists() and not (state / "dev-session.json").exists()
    manifest = json.loads((state / "data" / "manifest.json").read_text(encoding="utf-8"))
    kept = {p["name"]: p for p in json.loads((state / "data" / manifest["ssm"]).read_text(encoding="utf-8"))}
    for name in ("/siu/secrets/inbox", "/siu/secrets/whatsapp"):  # kept as SecureStrings, not downgraded
        assert kept[name]["type"] == "SecureString" and json.loads(kept[name]["value"]), name
    assert "secretsmanager" not in manifest

    second = _stack(state)
    try:
        assert second.restored and second.secrets == secrets_before and second.dev_token == first.dev_token
        assert {"6590000001", "6590000009"} <= _customers(second)
        assert until(lambda: "6590000002" in _customers(second))  # the queued event was processed now
        me = _api(second, "GET", "/api/me", mei)
        assert me.status_code == 200, me.text  # a token issued before the restart
        roster = {r["id"]: r for r in _api(second, "GET", "/api/roster", admin).json()["roster"]}
        assert roster["mei"]["status"] == "away"  # the edit, not the config's seed
        audit = _api(second, "GET", "/api/audit?teammate=mei", admin).json()["rows"]
        assert any(r["action"] == "roster_updated" for r in audit)
        with pytest.raises(StateDirBusy):
            DevStack(DevOptions(port=0, schedules=False, state_dir=state)).start()
    finally:
        second.stop()


def test_without_a_state_dir_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIU_STATE_DIR", str(tmp_path / "never"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    stack = DevStack(DevOptions(port=0, schedules=False, batching_window=0.2)).start()
    try:
        assert stack.state is None and stack.persister is None
        _post(stack, "hello", "6590000003")
    finally:
        stack.stop()
    assert not (tmp_path / "never").exists() and not (tmp_path / "home").exists()


def test_a_start_that_fails_after_restoring_leaves_the_saved_state_and_the_lock_alone(tmp_path: Path) -> None:
    from siu_core.errors import ConfigError

    state = tmp_path / "state"
    stack = _stack(state)
    _post(stack, "keep me", "6590000004")
    assert stack.wait_drained(timeout=60)
    stack.stop()
    manifest = (state / "data" / "manifest.json").read_bytes()
    bad = tmp_path / "secrets.json"
    bad.write_text(json.dumps({"whatsapp": {"app_secret": "only-one-field"}}), encoding="utf-8")
    broken = DevStack(DevOptions(port=0, schedules=False, state_dir=state, secrets_path=bad))
    with pytest.raises(ConfigError, match=r"--secrets whatsapp is missing field\(s\): verify_token"):
        broken.start()
    broken.stop()
    assert (state / "data" / "manifest.json").read_bytes() == manifest
    again = _stack(state)
    try:
        assert "6590000004" in _customers(again)
    finally:
        again.stop()
