"""A plugin's reply context (contract 1.3, LINE's reply token): the newest customer message's is kept on
the thread and handed back as the reply's metadata, never shown in the inbox API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.inbox import reply as reply_module
from siu_core.models import ReplyRequest, SendResult


def _sent_metadata(inbox: Any, monkeypatch: pytest.MonkeyPatch, key: str) -> str | None:
    seen: list[ReplyRequest] = []

    def send(services: Any, channel: Any, request: ReplyRequest, secrets: Any, settings: Any) -> SendResult:
        seen.append(request)
        return SendResult(message_id=f"wamid.{key}")

    monkeypatch.setattr(reply_module, "_send", send)
    thread = thread_of()
    answer = call("POST", f"/api/threads/{thread['thread_id']}/reply", token=token_for(thread["assignee"]),
                  body={"text": "On it."}, headers={"Idempotency-Key": key})
    assert answer.status == 200, answer.body
    (request,) = seen
    return request.metadata


def test_the_newest_messages_context_reaches_send_reply_and_stays_out_of_the_api(
        inbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    deliver([inbound("m1", "Hello", at=NOW - timedelta(minutes=9), reply_context="ctx-1")], inbox.config)
    deliver([inbound("m3", "Still there?", at=NOW - timedelta(minutes=3), reply_context="ctx-3"),
             inbound("m2", "late arrival", at=NOW - timedelta(minutes=6), reply_context="ctx-2")], inbox.config)
    assert thread_of()["reply_context"] == "ctx-3"  # m2 arrived last but is older: it does not win
    assert _sent_metadata(inbox, monkeypatch, "k-1") == "ctx-3"
    thread = thread_of()
    shown = call("GET", f"/api/threads/{thread['thread_id']}", token=token_for(thread["assignee"]))
    assert "ctx-3" not in str(shown.body)


def test_a_newer_message_without_one_drops_the_older_context(inbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    deliver([inbound("m1", "Hello", at=NOW - timedelta(minutes=9), reply_context="ctx-1")], inbox.config)
    deliver([inbound("m2", "A photo", at=NOW - timedelta(minutes=2))], inbox.config)
    assert "reply_context" not in thread_of()
    assert _sent_metadata(inbox, monkeypatch, "k-2") is None
