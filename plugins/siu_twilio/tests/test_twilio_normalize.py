"""Normalize details the fixtures do not pin down: addresses, time, malformed, oversized and replayed input."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from siu_twilio import addresses
from siu_twilio.form import MAX_BODY_BYTES
from siu_twilio.normalize import normalize_body
from tw_testkit import URL, channel, inbound, signed  # type: ignore[import-not-found, unused-ignore]

from siu_core.errors import MalformedPayload
from siu_core.models import Acknowledgement, MessageEvent, StatusEvent

NOW = datetime(2026, 2, 10, 9, 30, 15, 123456, tzinfo=UTC)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def one(form: list[tuple[str, str]], headers: dict[str, str] | None = None) -> MessageEvent | StatusEvent:
    events = normalize_body(urlencode(form).encode(), headers or FORM, NOW)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, MessageEvent | StatusEvent)
    return event


@pytest.mark.parametrize(("address", "siu_id", "back"), [
    ("+14155550123", "14155550123", "+14155550123"),
    ("whatsapp:+5511987654321", "whatsapp:5511987654321", "whatsapp:+5511987654321"),
    ("46645", "46645", "46645"),
    ("messenger:1234567890", "messenger:1234567890", "messenger:1234567890"),
    ("14155550123", "14155550123", "+14155550123"),
    ("AcmeShop", "AcmeShop", "AcmeShop"),
])
def test_addresses_map_to_ids_and_back(address: str, siu_id: str, back: str) -> None:
    assert addresses.to_siu_id(address) == siu_id
    assert addresses.to_address(siu_id) == back


def test_an_sms_is_keyed_on_numbers_without_the_plus() -> None:
    event = one(inbound())
    assert isinstance(event, MessageEvent)
    assert (event.account_id, event.customer.id, event.customer.phone) == ("14155238886", "14155550123",
                                                                            "+14155550123")
    assert (event.message_id, event.kind, event.text) == ("SM" + "a" * 32, "text", "Hi there")


def test_whatsapp_keeps_its_prefix_on_the_customer_but_not_on_the_account() -> None:
    event = one(inbound(From="whatsapp:+5511987654321", To="whatsapp:+14155238886", ProfileName="Amara"))
    assert (event.account_id, event.customer.id, event.customer.name) == ("14155238886",
                                                                         "whatsapp:5511987654321", "Amara")


def test_the_time_is_the_date_header_else_the_moment_received() -> None:
    dated = one(inbound(), {**FORM, "date": "Tue, 10 Feb 2026 09:01:02 GMT"})
    assert dated.timestamp == datetime(2026, 2, 10, 9, 1, 2, tzinfo=UTC)
    skewed = one(inbound(), {**FORM, "Date": "Tue, 10 Feb 2026 09:34:00 GMT"})
    assert skewed.timestamp == datetime(2026, 2, 10, 9, 34, tzinfo=UTC)
    future = "Tue, 10 Feb 2026 09:36:00 GMT"  # six minutes ahead of NOW: not believed
    for headers in (FORM, {**FORM, "Date": "yesterday"}, {**FORM, "Date": "Tue, 10 Feb 2026 09:01:02"},
                    {**FORM, "Date": future}):
        assert one(inbound(), headers).timestamp == NOW.replace(microsecond=0)


def test_a_status_callback_points_at_the_sent_message_from_the_business() -> None:
    form = [("SmsSid", "SM" + "b" * 32), ("SmsStatus", "undelivered"), ("MessageStatus", "undelivered"),
            ("To", "+14155550123"), ("MessageSid", "SM" + "b" * 32), ("From", "+14155238886"), ("ErrorCode", "30006")]
    event = one(form)
    assert isinstance(event, StatusEvent)
    assert (event.status, event.message_ids, event.account_id, event.customer.id) == (
        "failed", ["SM" + "b" * 32], "14155238886", "14155550123")
    assert event.error is not None and event.error.code == 30006
    canceled = one([(k, "canceled" if k.endswith("Status") else v) for k, v in form if k != "ErrorCode"])
    assert isinstance(canceled, StatusEvent) and canceled.error is not None and canceled.error.code == "canceled"


@pytest.mark.parametrize("state", ["queued", "accepted", "sending", "scheduled", "partially_delivered", "weird"])
def test_steps_before_a_final_state_yield_nothing(state: str) -> None:
    form = [("MessageStatus", state), ("MessageSid", "SM" + "c" * 32), ("From", "+1415"), ("To", "+1")]
    assert normalize_body(urlencode(form).encode(), FORM, NOW) == []


def test_a_body_over_the_limit_is_malformed_before_parsing() -> None:
    with pytest.raises(MalformedPayload, match="exceeds"):
        normalize_body(b"a=" + b"x" * MAX_BODY_BYTES, FORM, NOW)


@pytest.mark.parametrize("body", [b"", b"   ", b"\xff=1", b"a=%FF", b"a&b", b"{\"a\": 1}", b"a=1&&b=2",
                                  b"=" * 10, b"&".join([b"k%d=v" % i for i in range(500)])])
def test_unreadable_bodies_are_malformed_never_a_crash(body: bytes) -> None:
    try:
        events = normalize_body(body, FORM, NOW)
    except MalformedPayload:
        return
    assert events == []


def test_a_field_sent_twice_must_agree() -> None:
    form = inbound()
    assert one([*form, ("Body", "Hi there")]).text == "Hi there"
    with pytest.raises(MalformedPayload, match="twice"):
        normalize_body(urlencode([*form, ("Body", "forged")]).encode(), FORM, NOW)


def test_every_media_is_kept_in_order_and_typed() -> None:
    form = inbound(NumMedia="3", Body="", MediaUrl0="https://api.twilio.com/m0", MediaContentType0="audio/ogg",
                   MediaUrl1="https://api.twilio.com/m1", MediaContentType1="image/png",
                   MediaUrl2="https://api.twilio.com/m2", MediaContentType2="text/vcard")
    event = one(form)
    assert isinstance(event, MessageEvent)
    assert [(a.type, a.url) for a in event.attachments] == [
        ("audio", "https://api.twilio.com/m0"), ("image", "https://api.twilio.com/m1"),
        ("file", "https://api.twilio.com/m2")]
    assert (event.kind, event.text) == ("audio", None)


def test_a_replayed_webhook_still_verifies_and_gives_the_same_message_id_so_the_pipeline_drops_it() -> None:
    """Twilio signatures carry no time; a re-delivery (or a replay) is caught by the MessageSid dedupe."""
    request = signed(inbound(), date="Tue, 10 Feb 2026 09:01:02 GMT")
    first = channel().normalize(request.body, request.headers, account_id=None, request=request)
    channel().verify_signature(request.body, request.headers, {"auth_token": "test-auth-token-0123456789abcdef"},
                               request=request)
    again = channel().normalize(request.body, request.headers, account_id=None, request=request)
    assert first == again and [e.message_id for e in first if isinstance(e, MessageEvent)] == ["SM" + "a" * 32]


def test_the_acknowledgement_is_an_empty_twiml_document() -> None:
    request = signed(inbound())
    events = channel().normalize(request.body, request.headers, account_id=None, request=request)
    answer = channel().acknowledge(request, events, {})
    assert answer == Acknowledgement(status=200, content_type="text/xml",
                                     body='<?xml version="1.0" encoding="UTF-8"?><Response></Response>')
    assert "Hi there" not in answer.body


def test_the_handshake_hook_refuses_every_get() -> None:
    answer = channel().handshake({"hub.mode": "subscribe", "hub.challenge": "1"}, {})
    assert answer.status == 405 and "X-Twilio-Signature" in answer.body


def test_simulated_posts_verify_at_their_url_and_come_back_as_the_messages() -> None:
    from siu_core.models import SimulatedMessage

    at = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    msgs = [SimulatedMessage(sender_id="whatsapp:5511987654321", sender_name="Amara", text="oi + olá & até",
                             message_id="demo-1", timestamp=at),
            SimulatedMessage(sender_id="14155550123", text="hi", message_id="SM" + "d" * 32, timestamp=at)]
    secrets = {"account_sid": "AC" + "1" * 32, "auth_token": "tok-123456"}
    posts = channel().simulate_webhooks(msgs, "14155238886", secrets, url=URL)
    assert posts[0].message_ids == {"demo-1": posts[0].message_ids["demo-1"]} and posts[1].message_ids == {}
    from siu_core.models import InboundRequest

    got = []
    for post in posts:
        request = InboundRequest.received(method="POST", url=URL, headers=post.headers, body=post.body)
        channel().verify_signature(post.body, post.headers, secrets, request=request)
        got += channel().normalize(post.body, post.headers, account_id=None, request=request)
    assert [(e.customer.id, e.text, e.timestamp, e.account_id) for e in got] == [  # type: ignore[union-attr]
        ("whatsapp:5511987654321", "oi + olá & até", at, "14155238886"), ("14155550123", "hi", at, "14155238886")]
