"""Attachments through the inbox API under moto: checked before upload, uploaded by presigned POST, sent once.

Each channel of the inbox fixture that sends files (WhatsApp, Messenger, Instagram) goes the whole way:
``POST /api/uploads`` -> the browser's POST to S3 -> ``POST /api/threads/{id}/reply`` with the upload
id -> the platform (the loopback stand-in) gets a presigned GET of the object -> the thread shows the
file, served by the media route. Refusals (type, size, channel, another thread's upload, a file not
uploaded or not as declared) answer their code and send nothing.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from inbox_support import browser_upload, call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.store import audit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"0" * 300


def _thread(inbox: Any, channel: str = "whatsapp", account: str = "acct-1",
            customer: str = "cust-1") -> tuple[str, str]:
    deliver([inbound(f"m-{channel}-{customer}", "Can you send me a photo?", channel=channel, account=account,
                     customer=customer, at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of(customer, channel, account)
    return str(thread["thread_id"]), token_for(thread["assignee"])


def _issue(tid: str, token: str, *, filename: str = "photo.png", content_type: str = "image/png",
           size: int = len(PNG)) -> Any:
    return call("POST", "/api/uploads", token=token,
                body={"thread": tid, "filename": filename, "content_type": content_type, "size": size})


def _upload(issued: dict[str, Any], data: bytes, content_type: str = "image/png") -> requests.Response:
    """What the browser does with the answer: a multipart POST of the fields and the file to the URL."""
    return browser_upload(issued, data, content_type)


def _media(url: str, token: str) -> bytes:
    """The bytes the media route serves (binary, so not through ``call``)."""
    from siu_core.dev.lambda_events import function_url_event
    from siu_core.handlers import inbox

    path, _, query = url.partition("?")
    out = inbox.handler(function_url_event("GET", path, query, [("Authorization", f"Bearer {token}")], b""), None)
    assert out["statusCode"] == 200, out
    return base64.b64decode(out["body"]) if out.get("isBase64Encoded") else str(out["body"]).encode()


def _reply(tid: str, token: str, body: dict[str, Any], key: str = "k-1") -> Any:
    return call("POST", f"/api/threads/{tid}/reply", token=token, body=body, headers={"Idempotency-Key": key})


@pytest.mark.parametrize(("channel", "account", "sent"), [
    ("whatsapp", "acct-1", lambda b: b["image"]["link"]),
    ("facebook", "page-1", lambda b: b["message"]["attachment"]["payload"]["url"]),
    ("instagram", "igacct-1", lambda b: b["message"]["attachment"]["payload"]["url"]),
])
def test_an_image_goes_from_upload_to_the_platform_and_shows_in_the_thread(inbox: Any, channel: str, account: str,
                                                                          sent: Any) -> None:
    tid, token = _thread(inbox, channel, account)
    detail = call("GET", f"/api/threads/{tid}", token=token).body
    assert "image/png" in detail["attachments"]["kinds"]["image"]["content_types"]  # the paperclip's rules
    issued = _issue(tid, token)
    assert issued.status == 201, issued.body
    assert issued.body["fields"]["key"].startswith(f"uploads/{tid}/{issued.body['upload_id']}/")
    assert _upload(issued.body, PNG).status_code in (200, 201, 204)
    answer = _reply(tid, token, {"attachments": [issued.body["upload_id"]]})
    assert answer.status == 200, answer.body
    (request,) = inbox.stub.calls
    link = sent(request["body"])
    assert urlsplit(link).path.endswith(issued.body["fields"]["key"].split("/", 1)[1])  # the object, presigned
    assert "Signature" in link
    message = answer.body["message"]
    (shown,) = message["attachments"]
    assert (message["kind"], shown["type"], shown["mime_type"], shown["filename"]) == ("image", "image", "image/png",
                                                                                     "photo.png")
    assert shown["media_url"].startswith(f"/api/threads/{tid}/media?")  # the thread shows it like customer media
    assert _media(shown["media_url"], token) == PNG
    (row,) = [r for r in audit.for_scope(tid) if r["action"] == "replied"]
    assert row["after"]["attachments"] == [{"upload_id": issued.body["upload_id"], "filename": "photo.png",
                                            "mime_type": "image/png", "media_size": len(PNG)}]
    again = _reply(tid, token, {"attachments": [issued.body["upload_id"]]})  # a retry: nothing sent twice
    assert again.status == 200 and again.headers.get("idempotent-replayed") == "true"
    assert len(inbox.stub.calls) == 1


def test_text_rides_along_as_the_caption_where_the_platform_has_one(inbox: Any) -> None:
    tid, token = _thread(inbox)
    issued = _issue(tid, token, filename="menu.pdf", content_type="application/pdf", size=len(PDF)).body
    _upload(issued, PDF, "application/pdf")
    assert _reply(tid, token, {"text": "Our menu", "attachments": [issued["upload_id"]]}).status == 200
    (request,) = inbox.stub.calls
    assert request["body"]["document"]["caption"] == "Our menu"
    assert request["body"]["document"]["filename"] == "menu.pdf"


@pytest.mark.parametrize(("upload", "status", "code"), [
    ({"content_type": "text/html", "filename": "x.html"}, 422, "unsupported_type"),
    ({"size": 5 * 1024 * 1024 + 1}, 422, "too_large"),
    ({"size": 0}, 422, "invalid_body"),
    ({"content_type": "image/png\r\nX: y"}, 422, "invalid_body"),
])
def test_a_file_the_channel_cannot_take_is_refused_before_upload(inbox: Any, upload: dict[str, Any], status: int,
                                                                 code: str) -> None:
    tid, token = _thread(inbox)
    refused = _issue(tid, token, **upload)
    assert (refused.status, refused.code) == (status, code), refused.body


def test_only_who_may_act_gets_an_upload(inbox: Any) -> None:
    tid, _ = _thread(inbox)
    assert _issue("th_nope", token_for("mei", "admin")).status == 404
    assert thread_of()["assignee"] == "ana"  # care's thread: accounts' cho may not act on it
    assert _issue(tid, token_for("cho")).status == 403
    assert call("POST", "/api/uploads", body={"thread": tid, "filename": "a", "content_type": "image/png",
                                              "size": 1}).status == 401


def test_a_reply_refuses_uploads_that_are_missing_foreign_or_not_as_declared(inbox: Any) -> None:
    tid, token = _thread(inbox)
    other, other_token = _thread(inbox, customer="cust-2")
    issued = _issue(tid, token).body
    missing = _reply(tid, token, {"attachments": [issued["upload_id"]]}, key="a")
    assert (missing.status, missing.code) == (409, "upload_incomplete")
    foreign = _reply(other, other_token, {"attachments": [issued["upload_id"]]}, key="b")
    assert (foreign.status, foreign.code) == (404, "upload_not_found")
    unknown = _reply(tid, token, {"attachments": ["up_" + "0" * 24]}, key="c")
    assert (unknown.status, unknown.code) == (404, "upload_not_found")
    malformed = _reply(tid, token, {"attachments": ["../etc/passwd"]}, key="d")
    assert malformed.status == 422
    assert inbox.stub.calls == []
    # after a failed attempt the same key, once the file is there, sends (nothing was claimed)
    _upload(issued, PNG)
    assert _reply(tid, token, {"attachments": [issued["upload_id"]]}, key="a").status == 200


def test_a_closed_window_refuses_a_file_like_text(inbox: Any) -> None:
    deliver([inbound("m-old", "hi", at=NOW - timedelta(days=2))], inbox.config)
    thread = thread_of()
    tid, token = str(thread["thread_id"]), token_for(thread["assignee"])
    issued = _issue(tid, token).body
    _upload(issued, PNG)
    closed = _reply(tid, token, {"attachments": [issued["upload_id"]]})
    assert (closed.status, closed.code) == (409, "window_closed")
    assert inbox.stub.calls == []


def test_messenger_takes_a_file_without_text(inbox: Any) -> None:
    tid, token = _thread(inbox, "facebook", "page-1")
    issued = _issue(tid, token).body
    _upload(issued, PNG)
    answer = _reply(tid, token, {"text": "look", "attachments": [issued["upload_id"]]})
    assert (answer.status, answer.code) == (422, "caption_unsupported")
    assert inbox.stub.calls == []
