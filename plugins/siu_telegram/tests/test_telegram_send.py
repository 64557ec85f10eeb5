"""sendMessage: early refusals, the error envelope's mapping, and no token in any error."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from siu_telegram.api import classify, parse_error
from siu_telegram.send import build_payload, send_reply
from tg_testkit import manifest  # type: ignore[import-not-found, unused-ignore]

from siu_core import InvalidReply, PermanentSendError, RateLimited, ReplyRequest, TransientSendError
from siu_core.errors import SendError

SECRETS = dict(manifest().secrets)
TOKEN = SECRETS["bot_token"]


def request(**overrides: Any) -> ReplyRequest:
    data: dict[str, Any] = {"channel": "telegram", "account_id": SECRETS["bot_id"], "recipient": {"id": "42"},
                            "text": "hello", "idempotency_key": "k1", **overrides}
    return ReplyRequest.model_validate(data)


@pytest.mark.parametrize(("status", "body", "kind"), [
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
     PermanentSendError),
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: user is deactivated"}, PermanentSendError),
    (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, PermanentSendError),
    (404, {"ok": False, "error_code": 404, "description": "Not Found"}, PermanentSendError),
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, PermanentSendError),
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup "
           "chat", "parameters": {"migrate_to_chat_id": -1001234}}, PermanentSendError),
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, InvalidReply),
    (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}, TransientSendError),
    (502, None, TransientSendError),
    (409, {"ok": False, "error_code": 409, "description": "Conflict"}, PermanentSendError),
])
def test_the_error_envelope_maps_to_a_typed_error(status: int, body: Any, kind: type[SendError]) -> None:
    error = classify(parse_error(status, body))
    assert type(error) is kind
    assert error.http_status == status


def test_flood_control_waits_as_long_as_telegram_says_then_as_the_header_says() -> None:
    said = classify(parse_error(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry "
                                      "after 7", "parameters": {"retry_after": 7}}), "99")
    assert isinstance(said, RateLimited) and said.retry_after == 7.0
    header = classify(parse_error(429, None), "12")
    assert isinstance(header, RateLimited) and header.retry_after == 12.0
    silent = classify(parse_error(429, {"ok": False, "parameters": {"retry_after": True}}))
    assert isinstance(silent, RateLimited) and silent.retry_after == 30.0


def test_exactly_4096_characters_go_out_and_4097_are_refused() -> None:
    assert build_payload(request(text="é" * 4096))["text"] == "é" * 4096
    with pytest.raises(InvalidReply, match="4096"):
        build_payload(request(text="é" * 4097))


@pytest.mark.parametrize(("overrides", "match"), [
    ({"text": "  \n"}, "empty"),
    ({"text": None, "template": {"name": "t", "language": "en"}}, "templates"),
    ({"recipient": {"id": "@somebody"}}, "chat id"),
    ({"reply_to": "43:5"}, "not a message of chat 42"),
    ({"reply_to": "wamid.ABC"}, "not a message of chat 42"),
])
def test_what_telegram_would_refuse_is_refused_before_any_call(overrides: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidReply, match=match):
        send_reply(request(**overrides), SECRETS, {}, session=None)


def test_the_text_is_sent_as_written_and_threaded_on_the_customer_message() -> None:
    payload = build_payload(request(text="  *not markdown*  ", reply_to="42:5"))
    assert payload == {"chat_id": 42, "text": "  *not markdown*  ",
                       "reply_parameters": {"message_id": 5, "allow_sending_without_reply": True}}


def test_a_thread_of_another_bot_is_refused() -> None:
    with pytest.raises(InvalidReply, match="belongs to bot 1"):
        send_reply(request(account_id="1"), SECRETS, {}, session=None)


class _Session:
    """Stands in for requests.Session: raises or answers one canned response."""

    def __init__(self, *, raises: Exception | None = None, status: int = 200, body: Any = None) -> None:
        self.raises, self.status, self.body = raises, status, body
        self.urls: list[str] = []

    def post(self, url: str, **_: Any) -> Any:
        self.urls.append(url)
        if self.raises is not None:
            raise self.raises
        resp = requests.Response()
        resp.status_code = self.status
        resp._content = b"not json" if self.body is None else __import__("json").dumps(self.body).encode()
        return resp


def test_a_timeout_is_transient_and_never_names_the_url_or_token() -> None:
    session = _Session(raises=requests.ConnectTimeout(f"HTTPSConnectionPool: /bot{TOKEN}/sendMessage"))
    with pytest.raises(TransientSendError) as info:
        send_reply(request(), SECRETS, {}, session)
    assert TOKEN not in str(info.value) and info.value.__cause__ is None and info.value.__suppress_context__
    assert session.urls == [f"https://api.telegram.org/bot{TOKEN}/sendMessage"]


@pytest.mark.parametrize("body", [None, {"ok": True}, {"ok": True, "result": {"message_id": 1}}])
def test_an_unreadable_success_is_permanent_so_nothing_is_sent_twice(body: Any) -> None:
    with pytest.raises(PermanentSendError, match="check the chat before resending"):
        send_reply(request(), SECRETS, {}, _Session(status=200, body=body))


def test_a_token_that_would_change_the_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(PermanentSendError, match="bot_token") as info:
        send_reply(request(), {**SECRETS, "bot_token": "123:abc/../getMe?x="}, {}, _Session())
    assert "abc" not in str(info.value)


def test_settings_are_checked() -> None:
    with pytest.raises(PermanentSendError, match="api_base_url"):
        send_reply(request(), SECRETS, {"api_base_url": "ftp://x"}, _Session())
    with pytest.raises(PermanentSendError, match="timeout_seconds"):
        send_reply(request(), SECRETS, {"timeout_seconds": 0}, _Session())
