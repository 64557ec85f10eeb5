"""Normalize and authenticity details the fixtures do not pin down on their own."""

from __future__ import annotations

from typing import Any

import pytest
from siu_telegram.auth import verify_secret_token
from siu_telegram.normalize import normalize_body
from tg_testkit import channel, private_message, webhook  # type: ignore[import-not-found, unused-ignore]

from siu_core import EditEvent, MalformedPayload, MessageEvent, ReactionEvent, SignatureError
from siu_core.errors import ConfigError, MissingSignature

BOT = "7000000001"


def one(payload: dict[str, Any]) -> Any:
    events = normalize_body(webhook(payload), BOT)
    assert len(events) == 1
    return events[0]


def test_the_account_is_the_bot_passed_in_because_updates_never_name_it() -> None:
    event = one(private_message(text="hi"))
    assert isinstance(event, MessageEvent)
    assert (event.account_id, event.message_id, event.customer.id) == (BOT, "42:7", "42")
    assert event.customer.name == "Ana Lima"
    with pytest.raises(ConfigError, match="bot_id"):
        normalize_body(webhook(private_message(text="hi")), None)


def test_the_core_passes_the_account_id_through_dispatch() -> None:
    events = channel().normalize(webhook(private_message(text="hi")), {}, account_id="99")
    assert [e.account_id for e in events] == ["99"]


def test_the_largest_photo_wins_whatever_the_order() -> None:
    sizes = [{"file_id": "big", "width": 1280, "height": 960}, {"file_id": "small", "width": 90, "height": 67},
             {"file_id": "mid", "width": 800, "height": 600}]
    event = one(private_message(photo=sizes))
    assert [a.media_id for a in event.attachments] == ["big"]
    assert event.kind == "image" and event.text is None


def test_a_reaction_repeated_or_unchanged_makes_no_event() -> None:
    thumbs, heart = {"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "❤"}
    update = {"update_id": 2, "message_reaction": {
        "chat": {"id": 42, "type": "private"}, "message_id": 5, "user": {"id": 42, "first_name": "Ana"},
        "date": 1770714000, "old_reaction": [thumbs], "new_reaction": [thumbs, heart, heart]}}
    events = normalize_body(webhook(update), BOT)
    reactions = [e for e in events if isinstance(e, ReactionEvent)]
    assert len(events) == len(reactions) == 1
    assert (reactions[0].action, reactions[0].emoji, reactions[0].target_message_id) == ("react", "❤", "42:5")


def test_an_edited_caption_is_an_edit_and_the_edit_time_is_its_time() -> None:
    payload = {"update_id": 3, "edited_message": {**private_message()["message"], "caption": "new caption",
                                                  "photo": [{"file_id": "p"}], "edit_date": 1770715000}}
    event = one(payload)
    assert isinstance(event, EditEvent)
    assert (event.text, event.target_message_id, int(event.timestamp.timestamp())) == ("new caption", "42:7",
                                                                                       1770715000)


def test_a_message_without_from_keeps_the_chat_names() -> None:
    payload = private_message(text="hi")
    del payload["message"]["from"]
    assert one(payload).customer.name == "Ana"


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
def test_only_private_chats_are_customer_conversations(chat_type: str) -> None:
    payload = private_message(text="hi")
    payload["message"]["chat"] = {"id": -100123, "title": "Club", "type": chat_type}
    assert normalize_body(webhook(payload), BOT) == []


@pytest.mark.parametrize("bad", [{"message_id": True}, {"message_id": 7.0}, {"date": -1}, {"date": 10**13},
                                 {"chat": {"id": 2**60, "type": "private"}}, {"text": 5}])
def test_wrong_types_are_malformed_never_coerced(bad: dict[str, Any]) -> None:
    payload = private_message(text="hi")
    payload["message"].update(bad)
    with pytest.raises(MalformedPayload):
        normalize_body(webhook(payload), BOT)


def test_a_body_over_a_megabyte_is_malformed_before_parsing() -> None:
    with pytest.raises(MalformedPayload, match="exceeds"):
        normalize_body(b" " * (1024 * 1024 + 1), BOT)


def test_secret_token_is_compared_exactly_whatever_the_header_case() -> None:
    assert verify_secret_token({"x-telegram-bot-api-secret-token": "s3cret"}, "s3cret") is True
    assert verify_secret_token({"X-TELEGRAM-BOT-API-SECRET-TOKEN": "s3cret"}, "s3cret") is True
    with pytest.raises(MissingSignature):
        verify_secret_token({}, "s3cret")
    with pytest.raises(SignatureError, match="does not match") as info:
        verify_secret_token({"X-Telegram-Bot-Api-Secret-Token": "s3cre"}, "s3cret")
    assert "s3cret" not in str(info.value)
    with pytest.raises(SignatureError, match="no secret_token configured"):
        verify_secret_token({"X-Telegram-Bot-Api-Secret-Token": ""}, "")


def test_the_handshake_hook_refuses_every_get() -> None:
    answer = channel().handshake({"hub.mode": "subscribe", "hub.challenge": "1"}, {})
    assert answer.status == 405 and "setWebhook" in answer.body
