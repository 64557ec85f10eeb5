"""The reply window per channel at its boundaries (23h59, 24h01, 6d23h, 7d01), as the inbox shows and enforces it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inbox_support import (
    call,
    deliver,
    thread_of,
    token_for,
)
from pipeline_support import NOW, inbound

from siu_core.inbox import views
from siu_core.plugins import load_channels

LAST = NOW - timedelta(minutes=5)
H23M59 = timedelta(hours=23, minutes=59)
H24M01 = timedelta(hours=24, minutes=1)
D6H23 = timedelta(days=6, hours=23)
D7H01 = timedelta(days=7, hours=1)


@pytest.fixture(scope="module")
def registry():
    return load_channels(["whatsapp", "facebook", "instagram"])


def shown(registry, channel: str, after: timedelta, **settings):
    info = registry.get(channel).info
    merged = registry.get(channel).settings(settings)
    state = views.window_state(info.reply_window, merged, LAST, LAST + after)
    return views.window_view(state, supports_templates=info.supports_templates, settings=merged)


@pytest.mark.parametrize(("after", "state", "allowed"), [
    (H23M59, "open", ["text", "template"]),
    (H24M01, "template_only", ["template"]),
    (D6H23, "template_only", ["template"]),
    (D7H01, "template_only", ["template"]),
])
def test_whatsapp_needs_a_template_after_24_hours(registry, after, state, allowed) -> None:
    view = shown(registry, "whatsapp", after, templates=[{"name": "hello", "language": "en", "param_count": 0}])
    assert (view["state"], view["allowed"]) == (state, allowed)
    assert view["template_only"] is (state == "template_only")
    assert view["open_until"] == "2026-03-05T01:55:00Z" and view["human_agent"] == {"applies": False, "until": None}
    assert view["templates"] == [{"name": "hello", "language": "en", "param_count": 0}]


@pytest.mark.parametrize("channel", ["facebook", "instagram"])
@pytest.mark.parametrize(("after", "state", "allowed", "tag"), [
    (H23M59, "open", ["text"], False),
    (H24M01, "human_agent", ["text"], True),
    (D6H23, "human_agent", ["text"], True),
    (D7H01, "closed", [], False),
])
def test_meta_messaging_with_the_human_agent_tag_has_seven_days(registry, channel, after, state, allowed,
                                                                tag) -> None:
    view = shown(registry, channel, after, human_agent_enabled=True)
    assert (view["state"], view["allowed"], view["human_agent"]["applies"]) == (state, allowed, tag)
    assert view["human_agent"]["until"] == "2026-03-11T01:55:00Z" and view["templates"] == []


@pytest.mark.parametrize("channel", ["facebook", "instagram"])
@pytest.mark.parametrize(("after", "state"), [(H23M59, "open"), (H24M01, "closed"), (D6H23, "closed"),
                                              (D7H01, "closed")])
def test_meta_messaging_without_the_tag_closes_at_24_hours_and_says_how_to_get_more(registry, channel, after,
                                                                                    state) -> None:
    view = shown(registry, channel, after, human_agent_enabled="false")
    assert view["state"] == state and view["human_agent"] == {"applies": False, "until": None}
    if state == "closed":
        assert "HUMAN_AGENT" in view["explanation"] and view["allowed"] == []


# --- enforced before any HTTP call, through the API ----------------------------------------------




def reply(thread, text: str, key: str, now):
    token = token_for("boss", "admin", now=now)
    return call("POST", f"/api/threads/{thread['thread_id']}/reply", token=token, body={"text": text},
                headers={"Idempotency-Key": key})


def test_messenger_replies_carry_the_human_agent_tag_until_seven_days(inbox) -> None:
    deliver([inbound("f1", "Where is my order?", channel="facebook", account="page-1", at=LAST)], inbox.config)
    thread = thread_of(channel="facebook", account="page-1")
    for after, key in ((H23M59, "a"), (D6H23, "b")):
        inbox.clock.now = LAST + after
        assert reply(thread, "we are on it", key, inbox.clock.now).status == 200
    tags = [c["body"].get("tag") for c in inbox.stub.calls]
    assert tags == [None, "HUMAN_AGENT"] and inbox.stub.calls[0]["body"]["messaging_type"] == "RESPONSE"
    inbox.clock.now = LAST + D7H01
    late = reply(thread, "sorry for the wait", "c", inbox.clock.now)
    assert (late.status, late.code) == (409, "window_closed") and late.body["error"]["window"]["allowed"] == []
    assert "customer" in late.body["error"]["message"]
    assert len(inbox.stub.calls) == 2


def test_instagram_without_the_tag_refuses_after_24_hours_with_no_call(inbox) -> None:
    deliver([inbound("i1", "Do you ship to Penang?", channel="instagram", account="igacct-1", at=LAST)],
            inbox.config)
    thread = thread_of(channel="instagram", account="igacct-1")
    inbox.clock.now = LAST + H24M01
    late = reply(thread, "yes we do", "a", inbox.clock.now)
    assert (late.status, late.code) == (409, "window_closed")
    assert "HUMAN_AGENT" in late.body["error"]["message"] and inbox.stub.calls == []
    templated = call("POST", f"/api/threads/{thread['thread_id']}/reply",
                     token=token_for("boss", "admin", now=inbox.clock.now),
                     body={"template": {"name": "x", "language": "en"}}, headers={"Idempotency-Key": "b"})
    assert (templated.status, templated.code) == (422, "templates_unsupported")
