"""Search in ``siu dev``: the index follows the pipeline as it stores, lives in the state dir and survives a restart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from waiting import until

from siu_core.dev.stack import DevOptions, DevStack
from siu_core.models import SimulatedMessage

pytestmark = pytest.mark.functional


def _stack(state: Path) -> DevStack:
    return DevStack(DevOptions(port=0, schedules=False, batching_window=0.2, state_dir=state,
                               snapshot_interval=0.2)).start()


def _post(stack: DevStack, text: str, sender: str) -> None:
    ch = stack.channels.get("whatsapp")
    assert stack.config is not None
    message = SimulatedMessage(sender_id=sender, sender_name="Farah", text=text,
                               message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=datetime.now(UTC))
    webhook = ch.simulate_webhook([message], stack.account_id("whatsapp"), stack.secrets["whatsapp"],
                                  stack.config.channel_settings("whatsapp"))
    answer = requests.post(stack.webhook_url("whatsapp"), data=webhook.body, headers=webhook.headers, timeout=15)
    assert answer.status_code == 200, answer.text


def _found(stack: DevStack, token: str, q: str) -> list[str]:
    answer = requests.get(f"{stack.base_url}/api/search", params={"q": q}, timeout=15,
                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return [t["id"] for t in body["threads"]] + [m["thread"]["id"] for m in body["messages"]]


def test_the_index_follows_the_pipeline_and_survives_a_restart(tmp_path: Path) -> None:
    from siu_core.auth import issue_token, read_signing_key

    state = tmp_path / "state"
    first = _stack(state)
    try:
        _post(first, "Is the walnut desk back in stock?", "6591110001")
        assert first.wait_drained(timeout=60)
        token = issue_token("boss-search", key=read_signing_key(), now=datetime.now(UTC), generation=0)
        from siu_core.store import roster_edits

        roster_edits.add_first_admin("boss-search", team="care", time_zone="UTC", by="test", at=datetime.now(UTC))
        assert until(lambda: _found(first, token, "walnut"))
        assert _found(first, token, "+65 9111 0001")
        assert (state / "search.sqlite3").stat().st_mode & 0o777 == 0o600
        assert "search-feed" not in first.dead_workers()
    finally:
        first.stop()
    second = _stack(state)
    try:
        assert second.restored
        assert _found(second, token, "walnut")  # kept in the state dir
        _post(second, "And the teak chair?", "6591110001")
        assert second.wait_drained(timeout=60)
        assert until(lambda: _found(second, token, "teak"))  # the feed runs after a restart too
    finally:
        second.stop()
