"""Messages API sends: the form built, the WhatsApp window, templates, the error mapping, and no secret in any error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from siu_twilio.api import classify, parse_error
from siu_twilio.config import read_settings
from siu_twilio.media import download_media
from siu_twilio.send import build_params, send_reply
from tw_testkit import SECRETS, TOKEN  # type: ignore[import-not-found, unused-ignore]

from siu_core.errors import SendError
from siu_core.models import Attachment, ReplyRequest
from siu_core.plugin import InvalidReply, PermanentSendError, RateLimited, TransientSendError, WindowClosed

HX = "HX" + "0123456789abcdef" * 2
NOW = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)


def request(**overrides: Any) -> ReplyRequest:
    data: dict[str, Any] = {"channel": "twilio", "account_id": "14155238886", "recipient": {"id": "14155550123"},
                            "text": "hello", "idempotency_key": "k1", **overrides}
    return ReplyRequest.model_validate(data)


def params(**overrides: Any) -> dict[str, str]:
    return dict(build_params(request(**overrides), read_settings({})))


def test_an_sms_goes_from_the_number_the_customer_wrote_to() -> None:
    assert params() == {"To": "+14155550123", "From": "+14155238886", "Body": "hello"}


def test_whatsapp_answers_on_whatsapp_from_the_same_number() -> None:
    got = params(recipient={"id": "whatsapp:5511987654321"}, last_inbound_at=NOW - timedelta(hours=23, minutes=59),
                 requested_at=NOW)
    assert (got["To"], got["From"]) == ("whatsapp:+5511987654321", "whatsapp:+14155238886")


def test_whatsapp_text_after_24_hours_is_refused_before_any_call_but_sms_is_not() -> None:
    late = {"last_inbound_at": NOW - timedelta(hours=24), "requested_at": NOW}
    with pytest.raises(WindowClosed) as info:
        params(recipient={"id": "whatsapp:5511987654321"}, **late)
    assert info.value.allowed == ("template",)
    assert params(**late)["Body"] == "hello"


def test_a_template_is_a_content_sid_with_numbered_variables() -> None:
    got = params(recipient={"id": "whatsapp:5511987654321"}, text=None,
                 template={"name": HX, "language": "pt_BR", "params": ["Amara", "#1042 é"]},
                 last_inbound_at=NOW - timedelta(days=3), requested_at=NOW)
    assert "Body" not in got and got["ContentSid"] == HX
    assert json.loads(got["ContentVariables"]) == {"1": "Amara", "2": "#1042 é"}


def test_the_status_callback_setting_is_passed_on() -> None:
    settings = read_settings({"status_callback_url": "https://inbox.example.com/webhooks/twilio"})
    assert dict(build_params(request(), settings))["StatusCallback"] == "https://inbox.example.com/webhooks/twilio"


def test_exactly_1600_characters_go_out_and_1601_are_refused() -> None:
    assert params(text="é" * 1600)["Body"] == "é" * 1600
    with pytest.raises(InvalidReply, match="1600"):
        params(text="é" * 1601)


@pytest.mark.parametrize(("overrides", "match"), [
    ({"text": " \n"}, "empty"),
    ({"text": None, "template": {"name": "order_update", "language": "en"}}, "Content SID"),
    ({"recipient": {"id": "not an address"}}, "not a Twilio address"),
])
def test_what_twilio_would_refuse_is_refused_before_any_call(overrides: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidReply, match=match):
        send_reply(request(**overrides), SECRETS, {}, session=None)


@pytest.mark.parametrize(("status", "body", "kind"), [
    (400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
     PermanentSendError),
    (400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
     PermanentSendError),
    (400, {"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400}, PermanentSendError),
    (401, {"code": 20003, "message": "Authenticate", "status": 401}, PermanentSendError),
    (404, {"code": 20404, "message": "The requested resource was not found", "status": 404}, PermanentSendError),
    (400, {"code": 21617, "message": "body exceeds the 1600 character limit", "status": 400}, InvalidReply),
    (400, {"code": 21656, "message": "The ContentVariables Parameter is invalid", "status": 400}, InvalidReply),
    (400, {"code": 63016, "message": "outside the allowed window", "status": 400}, WindowClosed),
    (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, RateLimited),
    (500, {"code": 20500, "message": "Internal Server Error", "status": 500}, TransientSendError),
    (502, None, TransientSendError),
])
def test_the_error_envelope_maps_to_a_typed_error(status: int, body: Any, kind: type[SendError]) -> None:
    error = classify(parse_error(status, body))
    assert type(error) is kind and error.http_status == status


def test_a_429_waits_as_the_header_says_else_ten_seconds() -> None:
    said = classify(parse_error(429, {"code": 20429}), "7")
    assert isinstance(said, RateLimited) and said.retry_after == 7.0
    silent = classify(parse_error(429, None), "soon")
    assert isinstance(silent, RateLimited) and silent.retry_after == 10.0


class _Session:
    """Stands in for requests.Session: raises or answers one canned response, and remembers the call."""

    def __init__(self, *, raises: Exception | None = None, status: int = 201, body: Any = None) -> None:
        self.raises, self.status, self.body = raises, status, body
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append((url, kwargs))
        if self.raises is not None:
            raise self.raises
        resp = requests.Response()
        resp.status_code = self.status
        resp._content = b"not json" if self.body is None else json.dumps(self.body).encode()
        return resp

    post = get = _answer


def test_the_call_is_basic_auth_to_the_accounts_messages_resource() -> None:
    session = _Session(body={"sid": "SM" + "e" * 32, "to": "+14155550123", "status": "queued"})
    sent = send_reply(request(), SECRETS, {}, session)
    assert (sent.message_id, sent.recipient_id, sent.status) == ("SM" + "e" * 32, "14155550123", "accepted")
    url, kwargs = session.calls[0]
    assert url == f"https://api.twilio.com/2010-04-01/Accounts/{SECRETS['account_sid']}/Messages.json"
    assert kwargs["auth"] == (SECRETS["account_sid"], TOKEN)
    assert dict(kwargs["data"]) == {"To": "+14155550123", "From": "+14155238886", "Body": "hello"}


def test_a_timeout_is_transient_and_never_names_the_url_or_token() -> None:
    session = _Session(raises=requests.ConnectTimeout(f"HTTPSConnectionPool ... {SECRETS['account_sid']} {TOKEN}"))
    with pytest.raises(TransientSendError) as info:
        send_reply(request(), SECRETS, {}, session)
    assert TOKEN not in str(info.value) and SECRETS["account_sid"] not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("body", [None, {}, {"sid": "not-a-sid"}])
def test_an_unreadable_success_is_permanent_so_nothing_is_sent_twice(body: Any) -> None:
    with pytest.raises(PermanentSendError, match="before resending"):
        send_reply(request(), SECRETS, {}, _Session(body=body))


def test_an_account_sid_that_would_change_the_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(PermanentSendError, match=r"account_sid.*never has") as info:
        send_reply(request(), {**SECRETS, "account_sid": "AC123/../../x"}, {}, _Session())
    assert "AC123" not in str(info.value)


def test_settings_are_checked() -> None:
    with pytest.raises(PermanentSendError, match="api_base_url"):
        send_reply(request(), SECRETS, {"api_base_url": "ftp://x"}, _Session())
    with pytest.raises(PermanentSendError, match="timeout_seconds"):
        send_reply(request(), SECRETS, {"timeout_seconds": 0}, _Session())
    with pytest.raises(PermanentSendError, match="status_callback_url"):
        send_reply(request(), SECRETS, {"status_callback_url": "javascript:x"}, _Session())


MEDIA = f"/2010-04-01/Accounts/{SECRETS['account_sid']}/Messages/MM{'1' * 32}/Media/ME{'2' * 32}"


@pytest.mark.parametrize(("url", "match"), [
    (f"https://evil.example.com{MEDIA}", "not on Twilio's API"),
    (f"https://api.twilio.com{MEDIA}".replace(SECRETS["account_sid"], "AC" + "9" * 32), "another Twilio account"),
    ("https://api.twilio.com/2010-04-01/Accounts/x/Calls.json", "not a Twilio Media resource"),
])
def test_media_credentials_only_ever_go_to_this_accounts_media_on_twilio(url: str, match: str) -> None:
    session = _Session()
    with pytest.raises(PermanentSendError, match=match):
        download_media(Attachment(type="image", url=url), SECRETS, {}, session)
    assert session.calls == []


def test_media_is_fetched_from_the_configured_api_with_basic_auth() -> None:
    session = _Session(status=200, body={"fake": "bytes"})
    got = download_media(Attachment(type="image", url=f"https://api.twilio.com{MEDIA}", mime_type="image/png"),
                         SECRETS, {"api_base_url": "http://127.0.0.1:9/standin/twilio"}, session)
    assert got is not None and got.mime_type == "image/png" and got.filename == f"ME{'2' * 32}.png"
    url, kwargs = session.calls[0]
    assert url == f"http://127.0.0.1:9/standin/twilio{MEDIA}" and kwargs["auth"] == (SECRETS["account_sid"], TOKEN)
    assert download_media(Attachment(type="image", media_id="x"), SECRETS, {}, session) is None
