"""Replies: push with a deterministic retry key, the reply API for a fresh token, and LINE's errors."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from line_testkit import Answer, Session, manifest  # type: ignore[import-not-found, unused-ignore]
from siu_line.api import classify, parse_error
from siu_line.send import RETRY_KEY_HEADER, retry_key, send_reply, utf16_length

from siu_core import InvalidReply, PermanentSendError, RateLimited, ReplyRequest, SendResult, TransientSendError
from siu_core.errors import SendError

SECRETS = dict(manifest().secrets)
BOT = SECRETS["bot_user_id"]
TOKEN = SECRETS["channel_access_token"]
AT = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
SENT = {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]}


def request(**overrides: Any) -> ReplyRequest:
    data: dict[str, Any] = {"channel": "line", "account_id": BOT, "recipient": {"id": "Uabc"}, "text": "hello",
                            "idempotency_key": "k1", **overrides}
    return ReplyRequest.model_validate(data)


def with_token(age: float, **extra: Any) -> ReplyRequest:
    meta = json.dumps({"reply_token": "0f3779fba3b349968c5d07db31eabf65", "issued_at": AT.isoformat(), **extra})
    return request(metadata=meta, requested_at=AT + timedelta(seconds=age))


def test_a_push_carries_the_token_only_in_the_header_and_a_uuid_retry_key() -> None:
    session = Session([Answer(200, SENT)])
    result = send_reply(request(), SECRETS, {}, session)
    assert result == SendResult(message_id="461230966842064897", recipient_id="Uabc", status="sent")
    (call,) = session.calls
    assert call["url"] == "https://api.line.me/v2/bot/message/push"
    assert call["json"] == {"to": "Uabc", "messages": [{"type": "text", "text": "hello"}]}
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    key = call["headers"][RETRY_KEY_HEADER]
    assert str(uuid.UUID(key)) == key


def test_the_retry_key_is_the_same_for_every_attempt_and_differs_for_any_other_reply() -> None:
    base = retry_key(request(), "Uabc")
    assert base == retry_key(request(requested_at=AT), "Uabc")
    others = {retry_key(request(idempotency_key="k2"), "Uabc"), retry_key(request(text="hello!"), "Uabc"),
              retry_key(request(), "Uother"), retry_key(request(account_id="Uother-bot"), "Uabc")}
    assert base not in others and len(others) == 4


def test_a_409_for_the_retry_key_is_the_earlier_success() -> None:
    with_id = Session([Answer(409, {"message": "The retry key is already accepted", **SENT})])
    assert send_reply(request(), SECRETS, {}, with_id).message_id == "461230966842064897"
    header_only = Session([Answer(409, {"message": "The retry key is already accepted"},
                                 {"x-line-accepted-request-id": "123e4567-e89b-12d3-a456-426655440001"})])
    assert send_reply(request(), SECRETS, {}, header_only).message_id == "123e4567-e89b-12d3-a456-426655440001"
    conflict = Session([Answer(409, {"message": "The retry key conflicts with another request"})])
    with pytest.raises(PermanentSendError):
        send_reply(request(), SECRETS, {}, conflict)


def test_a_fresh_reply_token_uses_the_reply_api_without_a_retry_key() -> None:
    session = Session([Answer(200, SENT)])
    send_reply(with_token(10), SECRETS, {}, session)
    (call,) = session.calls
    assert call["url"].endswith("/v2/bot/message/reply") and RETRY_KEY_HEADER not in call["headers"]
    assert call["json"]["replyToken"] == "0f3779fba3b349968c5d07db31eabf65"


@pytest.mark.parametrize("req", [
    with_token(51), with_token(-5), request(metadata="not json", requested_at=AT),
    request(metadata=json.dumps({"reply_token": "bad token!"}), last_inbound_at=AT, requested_at=AT),
    request(metadata=json.dumps({"reply_token": "abc"}), requested_at=AT),  # no time to judge its age by
    request(metadata=json.dumps(["abc"]), requested_at=AT),
])
def test_a_stale_missing_or_foreign_token_pushes(req: ReplyRequest) -> None:
    session = Session([Answer(200, SENT)])
    send_reply(req, SECRETS, {}, session)
    assert [c["url"].rsplit("/", 1)[1] for c in session.calls] == ["push"]


def test_last_inbound_at_stands_in_for_issued_at_and_the_window_is_a_setting() -> None:
    meta = json.dumps({"reply_token": "abc"})
    req = request(metadata=meta, last_inbound_at=AT, requested_at=AT + timedelta(seconds=30))
    fresh = Session([Answer(200, SENT)])
    send_reply(req, SECRETS, {}, fresh)
    assert fresh.calls[0]["url"].endswith("/reply")
    off = Session([Answer(200, SENT)])
    send_reply(req, SECRETS, {"reply_token_seconds": 0}, off)
    assert off.calls[0]["url"].endswith("/push")


def test_a_refused_reply_token_falls_back_to_push_but_a_reply_5xx_is_not_retried() -> None:
    refused = Session([Answer(400, {"message": "Invalid reply token"}), Answer(200, SENT)])
    assert send_reply(with_token(5), SECRETS, {}, refused).message_id == "461230966842064897"
    assert [c["url"].rsplit("/", 1)[1] for c in refused.calls] == ["reply", "push"]
    failing = Session([Answer(500, {"message": "An error occurred in the server."})])
    with pytest.raises(TransientSendError) as unknown:
        send_reply(with_token(5), SECRETS, {}, failing)
    assert unknown.value.http_status is None  # the core reports "outcome unknown" and does not retry
    bad = Session([Answer(400, {"message": "The request body has 1 error(s)"})])
    with pytest.raises(InvalidReply):
        send_reply(with_token(5), SECRETS, {}, bad)
    assert len(bad.calls) == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"text": "   "}, "empty"),
    ({"text": "😀" * 2501}, "5002"),
    ({"recipient": {"id": "U/../../v2/bot/info"}}, "not a LINE user id"),
    ({"account_id": "Uanother"}, "belongs to LINE bot Uanother"),
    ({"text": None, "template": {"name": "t", "language": "ja"}}, "templates"),
])
def test_refusals_need_no_http_call(overrides: dict[str, Any], message: str) -> None:
    session = Session([])
    with pytest.raises(InvalidReply, match=message):
        send_reply(request(**overrides), SECRETS, {}, session)
    assert session.calls == []


def test_text_length_counts_utf16_units_like_line() -> None:
    assert utf16_length("abc") == 3 and utf16_length("こんにちは") == 5 and utf16_length("😀") == 2
    session = Session([Answer(200, SENT)])
    send_reply(request(text="😀" * 2500), SECRETS, {}, session)
    assert len(session.calls) == 1


@pytest.mark.parametrize(("status", "body", "kind"), [
    (400, {"message": "The request body has 1 error(s)", "details": [{"message": "Invalid user ID",
                                                                      "property": "to"}]}, InvalidReply),
    (401, {"message": "Authentication failed."}, PermanentSendError),
    (403, {"message": "Access to this API is not available for your account"}, PermanentSendError),
    (404, {"message": "Not found"}, PermanentSendError),
    (429, {"message": "You have reached your monthly limit."}, PermanentSendError),
    (429, {"message": "The API rate limit has been exceeded. Try again later."}, RateLimited),
    (500, {"message": "An error occurred in the server."}, TransientSendError),
    (503, None, TransientSendError),
])
def test_lines_errors_map_to_typed_errors(status: int, body: Any, kind: type[SendError]) -> None:
    error = classify(parse_error(status, body))
    assert type(error) is kind
    assert error.http_status == status


def test_details_reach_the_teammate_and_no_error_names_the_token() -> None:
    session = Session([Answer(400, {"message": "The request body has 1 error(s)",
                                    "details": [{"message": "Invalid user ID", "property": "to"}]})])
    with pytest.raises(InvalidReply) as refused:
        send_reply(request(), SECRETS, {}, session)
    assert "to: Invalid user ID" in refused.value.message and TOKEN not in refused.value.message
    limited = classify(parse_error(429, {"message": "Too many"}), retry_after_header="7")
    assert isinstance(limited, RateLimited) and limited.retry_after == 7.0


def test_an_unreadable_200_is_permanent_so_nothing_is_sent_twice() -> None:
    with pytest.raises(PermanentSendError, match="check the chat"):
        send_reply(request(), SECRETS, {}, Session([Answer(200, None)]))
