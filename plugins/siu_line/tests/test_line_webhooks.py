"""Webhook bodies: signature checks on raw bytes, and normalize on malformed, tampered, oversized,
redelivered and partly unreadable bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import pytest
from line_testkit import body, channel, fixture_bytes, manifest, text_event  # type: ignore[import-not-found, unused-ignore]
from siu_line.auth import sign, verify
from siu_line.normalize import MAX_BODY_BYTES, normalize_body

from siu_core import MalformedPayload, MessageEvent, SignatureError
from siu_core.errors import MissingSignature
from siu_core.plugin import Unreadable

SECRET = "channel-secret-for-tests"


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    raw = body(text_event("Grüße"))
    expected = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    assert sign(raw, SECRET) == expected
    assert verify(raw, {"X-Line-Signature": expected}, SECRET) is True
    assert verify(raw, {"x-line-signature": f" {expected} "}, SECRET) is True


def test_a_tampered_or_reserialized_body_is_refused() -> None:
    raw = fixture_bytes("webhooks/text_unicode.json")
    good = sign(raw, SECRET)
    reserialized = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()
    assert reserialized != raw
    for changed in (raw.replace(b"\\u3053", b"\\u3054"), raw + b" ", reserialized):
        with pytest.raises(SignatureError):
            verify(changed, {"x-line-signature": good}, SECRET)


def test_missing_header_empty_header_and_missing_secret_are_told_apart() -> None:
    raw = body(text_event())
    with pytest.raises(MissingSignature):
        verify(raw, {}, SECRET)
    with pytest.raises(MissingSignature):
        verify(raw, {"x-line-signature": "  "}, SECRET)
    with pytest.raises(SignatureError, match="no channel_secret"):
        verify(raw, {"x-line-signature": sign(raw, SECRET)}, None)
    with pytest.raises(SignatureError) as refused:
        verify(raw, {"x-line-signature": "é" * 44}, SECRET)
    assert SECRET not in str(refused.value)


def test_the_signature_hook_uses_the_channel_secret_not_the_access_token() -> None:
    raw = fixture_bytes("webhooks/text.json")
    secrets = dict(manifest().secrets)
    channel().verify_signature(raw, {"x-line-signature": sign(raw, secrets["channel_secret"])}, secrets)
    with pytest.raises(SignatureError):
        channel().verify_signature(raw, {"x-line-signature": sign(raw, secrets["channel_access_token"])}, secrets)


def test_an_oversized_body_is_malformed_before_it_is_parsed() -> None:
    huge = body(text_event("x" * MAX_BODY_BYTES))
    with pytest.raises(MalformedPayload, match="exceeds"):
        normalize_body(huge)


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"destination":"U1"}', b'{"destination":"","events":[]}',
                                 b'{"destination":"U1","events":"x"}', b'{"destination":"U1","events":[],"x":NaN}',
                                 b"\xff\xfe{}"])
def test_an_unreadable_envelope_is_malformed_and_nothing_else(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        normalize_body(raw)


def test_an_unreadable_event_is_set_aside_alone_and_logged_without_its_content(
        caplog: pytest.LogCaptureFixture) -> None:
    bad = text_event("secret customer words", message_id="1") | {"timestamp": "yesterday"}
    worse = text_event("more words", message_id="2") | {"message": {"type": "text", "id": 3}}
    good = text_event("kept", message_id="4")
    with caplog.at_level(logging.DEBUG, logger="siu.line"):
        events = normalize_body(body(bad, "not an event", worse, good))
    assert [e.message_id for e in events if isinstance(e, MessageEvent)] == ["4"]
    unreadable = [e for e in events if isinstance(e, Unreadable)]
    assert [e.path for e in unreadable] == ["events[0]", "events[1]", "events[2]"]
    assert [e.raw for e in unreadable] == [bad, "not an event", worse]
    assert all(e.channel == "line" for e in unreadable)
    assert "timestamp" in unreadable[0].reason and "string" in unreadable[1].reason
    assert "message.id" in unreadable[2].reason
    told = " ".join(e.reason for e in unreadable) + " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert len(caplog.records) == 3
    assert "secret customer words" not in told and "more words" not in told and "yesterday" not in told
    assert "not an event" not in told


def test_an_unreadable_event_keeps_its_place_in_the_batch() -> None:
    events = normalize_body(body(text_event("a", message_id="1"), 42, text_event("b", message_id="2")))
    assert [type(e).__name__ for e in events] == ["MessageEvent", "Unreadable", "MessageEvent"]
    assert isinstance(events[1], Unreadable) and events[1].reason == "event is a JSON number, not an object"


def test_a_redelivered_event_normalizes_exactly_like_the_first_delivery() -> None:
    first = normalize_body(fixture_bytes("webhooks/text.json"))
    again = normalize_body(fixture_bytes("webhooks/redelivered.json"))
    assert json.loads(fixture_bytes("webhooks/redelivered.json"))["events"][0]["deliveryContext"]["isRedelivery"]
    assert first == again and len(first) == 1


def test_the_account_is_the_body_destination_whatever_the_core_passes() -> None:
    (event,) = channel().normalize(body(text_event(), destination="Ubot2"), {}, {}, account_id="Ubot1")
    assert event.account_id == "Ubot2"


def test_postback_ids_are_stable_without_a_webhook_event_id() -> None:
    tap = {"type": "postback", "postback": {"data": "a=1"}, "timestamp": 1770714000000,
           "source": {"type": "user", "userId": "Uabc"}, "mode": "active"}
    (one,) = normalize_body(body(tap))
    (two,) = normalize_body(body(tap))
    (other,) = normalize_body(body(tap | {"postback": {"data": "a=2"}}))
    assert isinstance(one, MessageEvent) and isinstance(two, MessageEvent) and isinstance(other, MessageEvent)
    assert one.message_id == two.message_id != other.message_id
    assert one.message_id.startswith("postback.")


def test_a_customer_in_a_group_is_not_a_conversation_but_unsend_in_a_chat_is() -> None:
    in_group = text_event() | {"source": {"type": "group", "groupId": "Cg", "userId": "Uabc"}}
    unsend = {"type": "unsend", "unsend": {"messageId": "100"}, "timestamp": 1770714000000,
              "source": {"type": "user", "userId": "Uabc"}, "mode": "active"}
    events = normalize_body(body(in_group, unsend))
    assert [(e.type, getattr(e, "target_message_id", None)) for e in events] == [("unsend", "100")]


def test_millisecond_times_are_kept_exactly() -> None:
    (event,) = normalize_body(body(text_event() | {"timestamp": 1770714000123}))
    assert isinstance(event, MessageEvent)
    assert event.timestamp.isoformat() == "2026-02-10T09:00:00.123000+00:00"
