"""send_reply, download_media and the dev stand-in: refusals before HTTP, error mapping, token handling."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from siu_meta.graph import sign_body
from siu_whatsapp import send, standin
from wa_testkit import FakeSession, channel, manifest, response, settings  # type: ignore[import-not-found, unused-ignore]

from siu_core import Attachment, ReplyRequest
from siu_core.errors import InvalidReply, PermanentSendError, RateLimited, TransientSendError, WindowClosed

SECRETS = manifest().secrets
PNID = SECRETS["phone_number_id"]
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OK = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "1650", "wa_id": "1650"}],
    "messages": [{"id": "wamid.OUT"}],
}


def req(**kw: Any) -> ReplyRequest:
    base: dict[str, Any] = {
        "channel": "whatsapp",
        "account_id": PNID,
        "recipient": {"id": "1650", "phone": "1650"},
        "idempotency_key": "k1",
    }
    if "template" not in kw:
        base["text"] = "Hello"
    return ReplyRequest.model_validate({**base, **kw})


def sent_payload(session: FakeSession) -> dict[str, Any]:
    (call,) = session.calls
    return call["json"]  # type: ignore[no-any-return]


# --- before any HTTP call ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "closed"),
    [
        (timedelta(hours=23, minutes=59, seconds=59), False),
        (timedelta(hours=24), True),
        (timedelta(days=3), True),
    ],
)
def test_text_is_refused_once_the_24_hour_window_closes(age: timedelta, closed: bool) -> None:
    session = FakeSession([response(200, OK)])
    request = req(last_inbound_at=T0, requested_at=T0 + age)
    if closed:
        with pytest.raises(WindowClosed) as info:
            channel().send_reply(request, SECRETS, session, settings())
        assert info.value.allowed == ("template",) and session.calls == []
    else:
        assert channel().send_reply(request, SECRETS, session, settings()).message_id == "wamid.OUT"


def test_window_is_left_to_meta_when_times_are_unknown() -> None:
    session = FakeSession([response(200, OK)])
    channel().send_reply(req(last_inbound_at=T0), SECRETS, session, settings())
    assert len(session.calls) == 1


def test_templates_go_out_when_the_window_is_closed() -> None:
    session = FakeSession([response(200, OK)])
    request = req(
        template={"name": "order_update", "language": "en_US", "params": ["#7"]},
        last_inbound_at=T0,
        requested_at=T0 + timedelta(days=9),
    )
    channel().send_reply(request, SECRETS, session, settings())
    assert sent_payload(session)["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "#7"}]}],
    }


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"text": "x" * 4097}, "4096"),
        ({"text": "   "}, "empty"),
        ({"template": {"name": "unknown", "language": "en_US"}}, "not among"),
        ({"template": {"name": "order_update", "language": "en_US", "params": []}}, "takes 1"),
        ({"template": {"name": "order_update", "language": "en_US", "params": [" "]}}, "empty"),
        ({"metadata": "m" * 513}, "metadata"),
        ({"account_id": "999"}, "phone number id"),
    ],
)
def test_invalid_replies_are_refused_before_http(kw: dict[str, Any], message: str) -> None:
    session = FakeSession()
    with pytest.raises(InvalidReply, match=message):
        channel().send_reply(req(**kw), SECRETS, session, settings())
    assert session.calls == []


def test_exactly_4096_characters_are_sent() -> None:
    session = FakeSession([response(200, OK)])
    channel().send_reply(req(text="\u00e4" * 4096), SECRETS, session, settings())
    assert len(sent_payload(session)["text"]["body"]) == 4096


def test_template_check_is_off_without_configured_templates() -> None:
    session = FakeSession([response(200, OK)])
    channel().send_reply(req(template={"name": "anything", "language": "de"}), SECRETS, session, settings(templates=[]))
    assert "components" not in sent_payload(session)["template"]


@pytest.mark.parametrize(
    ("overrides", "secrets_drop"),
    [
        ({"graph_version": "25"}, None),
        ({"api_base_url": "ftp://x"}, None),
        ({"timeout_seconds": 0}, None),
        ({"templates": [{"name": "t"}]}, None),
        ({"templates": "order_update"}, None),
        ({}, "access_token"),
        ({}, "phone_number_id"),
    ],
)
def test_configuration_problems_are_permanent_and_named(overrides: dict[str, Any], secrets_drop: str | None) -> None:
    secrets = {k: v for k, v in SECRETS.items() if k != secrets_drop}
    with pytest.raises(PermanentSendError) as info:
        channel().send_reply(req(), secrets, FakeSession(), settings(**overrides))
    assert SECRETS["access_token"] not in str(info.value)


# --- the HTTP call -------------------------------------------------------------------------------


def test_request_shape_url_token_and_context() -> None:
    session = FakeSession([response(200, OK)])
    result = channel().send_reply(
        req(reply_to="wamid.IN", metadata="thread-42"),
        SECRETS,
        session,
        settings(api_base_url="http://127.0.0.1:9/platform/whatsapp/", graph_version="v24.0"),
    )
    (call,) = session.calls
    assert call["url"] == f"http://127.0.0.1:9/platform/whatsapp/v24.0/{PNID}/messages"
    assert call["headers"] == {"Authorization": f"Bearer {SECRETS['access_token']}"}
    assert call["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "1650",
        "type": "text",
        "text": {"body": "Hello"},
        "context": {"message_id": "wamid.IN"},
        "biz_opaque_callback_data": "thread-42",
    }
    assert call["timeout"] == 10.0
    assert result.model_dump() == {"message_id": "wamid.OUT", "recipient_id": "1650", "status": "accepted"}


def test_recipient_without_phone_is_addressed_by_bsuid_or_plain_id() -> None:
    session = FakeSession([response(200, OK), response(200, OK)])
    channel().send_reply(req(recipient={"id": "US.1349"}), SECRETS, session, settings())
    channel().send_reply(req(recipient={"id": "16505551234"}), SECRETS, session, settings())
    assert [("to" in c["json"], c["json"].get("recipient")) for c in session.calls] == [
        (False, "US.1349"),
        (True, None),
    ]


def error(code: int, status: int = 400, **extra: Any) -> requests.Response:
    envelope = {"error": {"message": f"(#{code}) x", "type": "OAuthException", "code": code, **extra}}
    resp: requests.Response = response(status, envelope)
    return resp


@pytest.mark.parametrize(
    ("answer", "kind", "retry"),
    [
        (error(131047), WindowClosed, None),
        (error(130429), RateLimited, 60.0),
        (error(131056), RateLimited, 6.0),
        (error(80007), RateLimited, 60.0),
        (error(4), RateLimited, 60.0),
        (error(613), RateLimited, 60.0),
        (error(131026), PermanentSendError, None),
        (error(131048), PermanentSendError, None),
        (error(131051), PermanentSendError, None),
        (error(551), PermanentSendError, None),
        (error(100), PermanentSendError, None),
        (error(190, status=401), PermanentSendError, None),
        (error(131000, status=500), TransientSendError, None),
        (response(502, content=b"<html>Bad gateway</html>", content_type="text/html"), TransientSendError, None),
        (response(200, {"messages": []}), PermanentSendError, None),
        (requests.Timeout("slow"), TransientSendError, None),
        (requests.ConnectionError("reset"), TransientSendError, None),
    ],
)
def test_graph_errors_map_to_typed_outcomes(answer: Any, kind: type, retry: float | None) -> None:
    with pytest.raises(kind) as info:
        channel().send_reply(req(), SECRETS, FakeSession([answer]), settings())
    assert type(info.value) is kind
    if retry is not None:
        assert info.value.retry_after == retry  # type: ignore[attr-defined]
    if isinstance(info.value, WindowClosed):
        assert info.value.allowed == ("template",)
    assert SECRETS["access_token"] not in str(info.value)


def test_message_status_and_bsuid_contact_are_reported() -> None:
    answer = {"contacts": [{"input": "US.1", "user_id": "US.1"}], "messages": [{"id": "w", "message_status": "paused"}]}
    assert send.parse_send_answer(answer).model_dump() == {
        "message_id": "w",
        "recipient_id": "US.1",
        "status": "paused",
    }


# --- media ---------------------------------------------------------------------------------------

IMAGE = Attachment(type="image", media_id="1013859600285441", mime_type="image/jpeg", filename=None)


def test_attachment_without_media_id_has_nothing_to_download() -> None:
    session = FakeSession()
    assert channel().download_media(Attachment(type="image", url="https://cdn/x.jpg"), SECRETS, session) is None
    assert session.calls == []


def test_media_download_carries_the_token_on_both_calls() -> None:
    info = {"url": "https://lookaside.fbsbx.com/wa/?mid=1", "mime_type": "image/jpeg"}
    session = FakeSession([response(200, info), response(200, content=b"JPEG", content_type="image/jpeg")])
    media = channel().download_media(IMAGE, SECRETS, session, settings())
    assert media is not None and media.content == b"JPEG" and media.mime_type == "image/jpeg"
    assert [c["url"] for c in session.calls] == [f"https://graph.facebook.com/v25.0/{IMAGE.media_id}", info["url"]]
    assert all(c["headers"]["Authorization"].endswith(SECRETS["access_token"]) for c in session.calls)


@pytest.mark.parametrize(
    ("answers", "kind"),
    [
        ([response(200, {"url": "http://evil.example/x"})], PermanentSendError),
        ([response(200, {"mime_type": "image/jpeg"})], TransientSendError),
        ([response(200, content=b"not json", content_type="text/plain")], TransientSendError),
        ([error(100, status=404)], PermanentSendError),
        (
            [response(200, {"url": "https://x/y"}), response(503, content=b"", content_type="text/plain")],
            TransientSendError,
        ),
    ],
)
def test_media_failures_are_typed_and_never_leak_the_token(answers: list[Any], kind: type) -> None:
    session = FakeSession(answers)
    with pytest.raises(kind):
        channel().download_media(IMAGE, SECRETS, session, settings())
    assert all(urlsplit(c["url"]).scheme == "https" for c in session.calls)


# --- the dev stand-in ----------------------------------------------------------------------------


class StandInSession:
    """Routes the plugin's HTTP calls into its own stand-in, as ``siu dev`` does over loopback."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.settings = settings(api_base_url=base)

    def _call(self, method: str, url: str, body: bytes) -> requests.Response:
        answer = channel().stand_in_response(method, url[len(self.base) :], {}, body, self.settings)
        assert answer is not None, url
        resp: requests.Response
        if isinstance(answer.body, bytes):
            resp = response(answer.status, content=answer.body, content_type=answer.content_type)
        else:
            resp = response(answer.status, answer.body)
        return resp

    def post(self, url: str, json: Any, **_: Any) -> requests.Response:
        import json as _json

        return self._call("POST", url, _json.dumps(json).encode())

    def get(self, url: str, **_: Any) -> requests.Response:
        return self._call("GET", url, b"")


def test_stand_in_answers_sends_and_media_like_the_cloud_api() -> None:
    session = StandInSession("http://127.0.0.1:8000/platform/whatsapp")
    text = channel().send_reply(req(), SECRETS, session, session.settings)
    template = channel().send_reply(
        req(template={"name": "order_update", "language": "en_US", "params": ["1"]}, recipient={"id": "US.77"}),
        SECRETS,
        session,
        session.settings,
    )
    assert text.message_id.startswith("wamid.") and text.recipient_id == "1650"
    assert template.recipient_id == "US.77" and template.message_id != text.message_id
    media = channel().download_media(IMAGE, SECRETS, session, session.settings)
    assert media is not None and media.content == standin.PLACEHOLDER_MEDIA and media.mime_type == "image/png"
    assert media.content.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"messaging_product":"whatsapp","type":"text"}',
        b'{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":""}}',
        b'{"messaging_product":"whatsapp","to":"1","type":"image"}',
    ],
)
def test_stand_in_rejects_what_meta_would(body: bytes) -> None:
    answer = standin.stand_in_response("POST", f"/v25.0/{PNID}/messages", body, settings())
    assert answer is not None and answer.status == 400 and answer.body["error"]["code"] == 100


def test_stand_in_does_not_know_other_paths() -> None:
    assert standin.stand_in_response("DELETE", f"/v25.0/{PNID}/messages", b"", settings()) is None
    assert standin.stand_in_response("GET", "/", b"", settings()) is None


def test_channel_info_is_what_the_core_and_the_inbox_rely_on() -> None:
    info = channel().info
    assert info.secret_fields == ["app_secret", "verify_token", "access_token", "phone_number_id"]
    assert info.signing_secret_fields == ["app_secret"] and info.account_secret_field == "phone_number_id"
    assert (info.reply_window.standard_hours, info.reply_window.template_when_closed) == (24, True)
    assert (info.max_text_length, info.supports_templates) == (4096, True)
    assert info.settings["graph_version"] == "v25.0" and info.settings["templates"] == []
    assert info.settings["api_base_url"] == "https://graph.facebook.com"


def test_simulated_webhook_is_signed_with_the_app_secret() -> None:
    hook = channel().simulate_webhook([], PNID, SECRETS)
    assert hook.headers["X-Hub-Signature-256"] == sign_body(hook.body, SECRETS["app_secret"])
    assert channel().normalize(hook.body, hook.headers) == []  # an empty batch is still a valid envelope


# --- files (contract 1.4) --------------------------------------------------------------------------

LINK = "https://media.example/uploads/th_1/up_1/file"


def file(kind: str, content_type: str, name: str = "file") -> dict[str, Any]:
    return {"kind": kind, "url": f"{LINK}/{name}", "content_type": content_type, "size": 1000, "filename": name}


@pytest.mark.parametrize(("item", "text", "sent"), [
    (file("image", "image/jpeg", "a.jpg"), "Blue", {"type": "image", "image": {"link": f"{LINK}/a.jpg",
                                                                              "caption": "Blue"}}),
    (file("document", "application/pdf", "menu.pdf"), None,
     {"type": "document", "document": {"link": f"{LINK}/menu.pdf", "filename": "menu.pdf"}}),
    (file("video", "video/mp4", "v.mp4"), None, {"type": "video", "video": {"link": f"{LINK}/v.mp4"}}),
    (file("audio", "audio/mpeg", "a.mp3"), None, {"type": "audio", "audio": {"link": f"{LINK}/a.mp3"}}),
])
def test_a_file_goes_by_link_with_its_caption(item: dict[str, Any], text: str | None, sent: dict[str, Any]) -> None:
    session = FakeSession([response(200, OK)])
    request = ReplyRequest.model_validate({"channel": "whatsapp", "account_id": PNID, "idempotency_key": "k",
                                           "recipient": {"id": "1650", "phone": "1650"}, "text": text,
                                           "attachments": [item]})
    channel().send_reply(request, SECRETS, session, settings())
    payload = sent_payload(session)
    assert {k: payload[k] for k in ("type", sent["type"])} == sent


@pytest.mark.parametrize(("item", "text", "age", "error"), [
    (file("audio", "audio/mpeg"), "hi", timedelta(0), InvalidReply),
    (file("image", "image/png"), "x" * 1025, timedelta(0), InvalidReply),
    (file("image", "image/png"), None, timedelta(hours=25), WindowClosed),
    (file("image", "image/gif"), None, timedelta(0), InvalidReply),  # not a WhatsApp image type: the core refuses
])
def test_files_meta_would_refuse_are_refused_before_http(item: dict[str, Any], text: str | None, age: timedelta,
                                                          error: type[Exception]) -> None:
    session = FakeSession([response(200, OK)])
    request = ReplyRequest.model_validate({"channel": "whatsapp", "account_id": PNID, "idempotency_key": "k",
                                           "recipient": {"id": "1650", "phone": "1650"}, "text": text,
                                           "attachments": [item], "last_inbound_at": T0, "requested_at": T0 + age})
    with pytest.raises(error):
        channel().send_reply(request, SECRETS, session, settings())
    assert session.calls == []


def test_the_stand_in_takes_a_file_by_link_and_refuses_a_missing_one() -> None:
    ok = standin.stand_in_response("POST", "/v25.0/1/messages", json.dumps(
        {"messaging_product": "whatsapp", "to": "1650", "type": "image", "image": {"link": f"{LINK}/a.png"}}).encode(),
        {})
    assert ok is not None and ok.status == 200
    bad = standin.stand_in_response("POST", "/v25.0/1/messages", json.dumps(
        {"messaging_product": "whatsapp", "to": "1650", "type": "image", "image": {}}).encode(), {})
    assert bad is not None and bad.status == 400
