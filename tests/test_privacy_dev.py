"""Against `siu dev` itself: export a customer to a file, erase them, and find nothing of them left in
any table item, any object version, or any file of the state dir (snapshots, blobs, the webhook journal)."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from privacy_support import everything

from siu_core.aws import clients
from siu_core.cli.target import DEV_SERVICES
from siu_core.dev.stack import DevOptions, DevStack
from siu_core.models import SimulatedMessage
from siu_core.store import keys

pytestmark = pytest.mark.functional

PHONE, OTHER = "6591112222", "6593334444"
WORDS = "periwinkle umbrella"


def _post(stack: DevStack, text: str, sender: str) -> str:
    ch = stack.channels.get("whatsapp")
    assert stack.config is not None
    message = SimulatedMessage(sender_id=sender, sender_name=f"Customer {sender}", text=text,
                               message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=datetime.now(UTC))
    webhook = ch.simulate_webhook([message], stack.account_id("whatsapp"), stack.secrets["whatsapp"],
                                  stack.config.channel_settings("whatsapp"))
    resp = requests.post(stack.webhook_url("whatsapp"), data=webhook.body, headers=webhook.headers, timeout=15)
    assert resp.status_code == 200, resp.text
    return webhook.message_ids.get(message.message_id, message.message_id)


def _files(state: Path) -> list[str]:
    return [f"{p}: {p.read_bytes().decode('utf-8', 'replace')}" for p in state.rglob("*") if p.is_file()]


def test_export_then_erase_leaves_nothing_in_siu_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.cli import cli

    state = tmp_path / "state"
    for service in DEV_SERVICES:  # the stack and the CLI point these at `siu dev`: gone again after the test
        monkeypatch.delenv(f"AWS_ENDPOINT_URL_{service}", raising=False)
    for name in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    stack = DevStack(DevOptions(port=0, schedules=False, batching_window=0.2, state_dir=state,
                                snapshot_interval=0.2)).start()
    try:
        mid = _post(stack, f"my {WORDS} never arrived", PHONE)
        _post(stack, "hello from someone else", OTHER)
        assert stack.wait_drained(timeout=60)
        subject = keys.customer_key("whatsapp", stack.account_id("whatsapp"), PHONE)
        out = tmp_path / "export.json"
        exported = CliRunner().invoke(cli, ["--state-dir", str(state), "customer", "export", subject,
                                            "--out", str(out), "--json"])
        assert exported.exit_code == 0, exported.output
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert any(WORDS in (m.get("text") or "") for m in doc["messages"])
        identifiers = (PHONE, WORDS, mid)
        assert any(i in text for text in everything() for i in identifiers)
        deadline = time.monotonic() + 30
        while not any(WORDS in f for f in _files(state)) and time.monotonic() < deadline:
            time.sleep(0.1)  # the next snapshot of the emulation (every 0.2 s here)
        assert any(WORDS in f for f in _files(state)), "the state dir held the person before the erasure"
        erased = CliRunner().invoke(cli, ["--state-dir", str(state), "customer", "erase", subject, "--yes",
                                          "--json"])
        assert erased.exit_code == 0, erased.output
        assert json.loads(erased.output[erased.output.index("{"):])["counts"]["messages"] == 1
        assert [t for t in everything() if any(i in t for i in identifiers)] == []
        assert any(OTHER in t for t in everything())  # the other customer is untouched
    finally:
        stack.stop()  # a clean stop snapshots the state dir and trims the webhook journal
        clients.reset_clients()
    left = [f for f in _files(state) if any(i in f for i in identifiers)]
    assert left == [], [f[:200] for f in left]
    assert any(OTHER in f for f in _files(state))


