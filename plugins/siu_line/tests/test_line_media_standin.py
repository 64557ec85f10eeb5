"""Content downloads, the signed simulation, and the stand-in ``siu dev`` sends replies to."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from line_testkit import Answer, Session, channel, manifest  # type: ignore[import-not-found, unused-ignore]
from siu_line.config import read_settings
from siu_line.media import download_media
from siu_line.standin import stand_in_response

from siu_core import Attachment, MessageEvent, PermanentSendError, SimulatedMessage, TransientSendError

SECRETS = dict(manifest().secrets)
TOKEN = SECRETS["channel_access_token"]


def test_content_comes_from_the_data_host_with_the_token() -> None:
    session = Session([Answer(200, headers={"Content-Type": "image/jpeg"}, content=b"\xff\xd8")])
    got = download_media(Attachment(type="image", media_id="590000000000055433"), SECRETS, {}, session)
    assert got is not None and (got.content, got.mime_type) == (b"\xff\xd8", "image/jpeg")
    (call,) = session.calls
    assert call["url"] == "https://api-data.line.me/v2/bot/message/590000000000055433/content"
    assert call["headers"] == {"Authorization": f"Bearer {TOKEN}"}


def test_external_content_is_fetched_without_the_token() -> None:
    session = Session([Answer(200, headers={"Content-Type": "image/png"}, content=b"png")])
    got = download_media(Attachment(type="image", url="https://cdn.example.com/a.png"), SECRETS, {}, session)
    assert got is not None and got.content == b"png"
    assert session.calls[0]["headers"] == {}
    assert download_media(Attachment(type="image", url="http://cdn.example.com/a.png"), SECRETS, {}, Session([])) \
        is None


def test_content_still_converting_is_transient_and_expired_content_is_permanent() -> None:
    with pytest.raises(TransientSendError, match="still preparing"):
        download_media(Attachment(type="video", media_id="1"), SECRETS, {}, Session([Answer(202, content=b"")]))
    with pytest.raises(PermanentSendError):
        download_media(Attachment(type="video", media_id="1"), SECRETS, {},
                       Session([Answer(404, {"message": "Not found"})]))
    with pytest.raises(PermanentSendError, match="not a LINE message id"):
        download_media(Attachment(type="file", media_id="../../v2/bot/info"), SECRETS, {}, Session([]))


def test_the_content_host_follows_a_proxy_or_stand_in_unless_set() -> None:
    assert read_settings({}).data_api_base_url == "https://api-data.line.me"
    assert read_settings({"api_base_url": "http://127.0.0.1:9/line/"}).data_api_base_url == "http://127.0.0.1:9/line"
    assert read_settings({"api_base_url": "http://p", "data_api_base_url": "http://d"}).data_api_base_url == "http://d"
    for bad in ({"reply_token_seconds": 61}, {"timeout_seconds": 0}, {"api_base_url": "ftp://x"}):
        with pytest.raises(PermanentSendError):
            read_settings(bad)


def test_a_simulated_batch_is_one_signed_post_that_normalizes_back() -> None:
    messages = [SimulatedMessage(sender_id=f"Uc{i}", text=f"message {i} ✓", message_id=f"m{i}",
                                 timestamp=datetime(2026, 2, 10, 9, i, tzinfo=UTC)) for i in range(3)]
    (post,) = channel().simulate_webhooks(messages, "Ubot", SECRETS, {})
    channel().verify_signature(post.body, post.headers, SECRETS)
    again = channel().simulate_webhooks(messages, "Ubot", SECRETS, {})
    assert again[0].body == post.body
    events = channel().normalize(post.body, post.headers, {}, account_id="Ubot")
    assert [(e.message_id, e.customer.id, e.text) for e in events if isinstance(e, MessageEvent)] == [
        (f"m{i}", f"Uc{i}", f"message {i} ✓") for i in range(3)]


def test_the_stand_in_answers_like_line() -> None:
    ok = stand_in_response("POST", "/v2/bot/message/push",
                           json.dumps({"to": "U1", "messages": [{"type": "text", "text": "hi"}]}).encode())
    assert ok is not None and ok.status == 200 and ok.body["sentMessages"][0]["id"].isdigit()
    missing = stand_in_response("POST", "/v2/bot/message/reply", json.dumps({"messages": []}).encode())
    assert missing is not None and missing.status == 400
    assert {d["property"] for d in missing.body["details"]} == {"replyToken", "messages"}
    too_long = stand_in_response("POST", "/v2/bot/message/push", json.dumps(
        {"to": "U1", "messages": [{"type": "text", "text": "😀" * 2501}]}).encode())
    assert too_long is not None and too_long.status == 400
    not_json = stand_in_response("POST", "/v2/bot/message/push", b"{")
    assert not_json is not None and not_json.status == 400
    content = stand_in_response("GET", "/v2/bot/message/123/content", b"")
    assert content is not None and content.content_type == "image/png"
    assert stand_in_response("GET", "/v2/bot/unknown", b"") is None
