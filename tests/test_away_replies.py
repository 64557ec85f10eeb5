"""Away replies through the real labeler pipeline under moto, sent through the WhatsApp plugin to a stand-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inbox_support import Answer, call, inbox_config, thread_of, token_for
from pipeline_support import NOW, TEST_CONFIG, inbound, install_services, run_batch

from siu_core.store import audit, threads

AWAY = {"message": "Thanks for writing! We're closed now and answer from 9:00.", "gap_hours": 12,
        "holidays": ["2026-03-05"]}
EVENING = NOW + timedelta(hours=10)  # Wednesday 20:00 in Singapore: care is closed


@pytest.fixture
def away_inbox(inbox: Any) -> Any:
    """The inbox fixture with an away reply for care, and the labeler able to send through the plugins."""
    from siu_core.plugins import load_channels
    from siu_core.secrets import SecretStore

    teams = {**TEST_CONFIG["teams"], "care": {**TEST_CONFIG["teams"]["care"], "away": AWAY}}
    config = inbox_config(inbox.stub.url, teams=teams)
    inbox.aws.push_config(config, changed_only=True)
    install_services(config, channels_loader=load_channels, secrets=SecretStore())
    inbox.config = config
    return inbox


def _sent(inbox: Any) -> list[str]:
    return [c["body"]["text"]["body"] for c in inbox.stub.calls if (c["body"] or {}).get("type") == "text"]


def _run(events: list[Any], now: Any) -> None:
    result = run_batch(events, now=now)
    assert not result.get("batchItemFailures"), result


def test_outside_the_hours_the_first_message_gets_the_away_reply_once(away_inbox) -> None:
    _run([inbound("m1", "Where is my order?", at=EVENING)], EVENING)
    assert _sent(away_inbox) == [AWAY["message"]]
    _run([inbound("m1", "Where is my order?", at=EVENING)], EVENING + timedelta(seconds=30))  # redelivered
    _run([inbound("m2", "Hello??", at=EVENING + timedelta(minutes=5))], EVENING + timedelta(minutes=5))
    assert len(_sent(away_inbox)) == 1
    thread = thread_of()
    tid = thread["thread_id"]
    assert "last_outbound_at" not in thread  # an away reply is no first response: the SLA still runs
    messages = call("GET", f"/api/threads/{tid}", token=token_for("ana")).body["messages"]
    (auto,) = [m for m in messages if m["direction"] == "out"]
    assert auto["type"] == "away" and auto["sent_by"] == "auto:away" and auto["text"] == AWAY["message"]
    assert [r["by"] for r in audit.for_scope(tid) if r["action"] == "away_replied"] == ["auto:away"]

    later = EVENING + timedelta(hours=13)  # Thursday 09:00 SGT, a holiday: closed, and past the gap
    _run([inbound("m3", "Anyone there?", at=later)], later)
    assert len(_sent(away_inbox)) == 2
    assert threads.get(tid)["outbound_count"] == 2


def test_inside_the_hours_or_for_a_team_without_away_nothing_is_sent(away_inbox) -> None:
    _run([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=1))], NOW)
    late = NOW + timedelta(hours=11)
    _run([inbound("b1", "I was charged twice", customer="c2", at=late)], late)  # billing -> accounts: no away
    assert _sent(away_inbox) == []


def test_a_failed_send_gives_the_claim_back_and_loses_no_message(away_inbox) -> None:
    away_inbox.stub.script.append(Answer(status=400, body={"error": {"message": "Recipient not reachable",
                                                                     "type": "OAuthException", "code": 131026}}))
    _run([inbound("m1", "Where is my order?", at=EVENING)], EVENING)
    tid = thread_of()["thread_id"]
    assert threads.get(tid)["inbound_count"] == 1 and threads.get(tid).get("outbound_count") is None
    _run([inbound("m2", "Hello?", at=EVENING + timedelta(minutes=2))], EVENING + timedelta(minutes=2))
    assert _sent(away_inbox) == [AWAY["message"]] * 2  # refused once, then the released claim let m2 have it
    assert threads.get(tid)["outbound_count"] == 1
