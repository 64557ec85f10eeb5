"""What the inbox API adds for its web UI: the UI's files, who could take a thread, attachments, pickers' lists.

Under moto on the inbox tests' fixed clock (a Wednesday, 10:00 in Singapore: everyone is in hours).
"""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest
from inbox_support import (
    call,
    deliver,
    thread_of,
    token_for,
)
from pipeline_support import NOW, inbound, install_services, run_batch

from siu_core.inbox.media import safe_headers
from siu_core.models import Attachment, MediaContent

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")




def raw_call(path: str, *, token: str | None = None, query: str = "", headers: dict[str, str] | None = None) -> Any:
    """A GET through the Lambda handler, the body decoded as bytes (the UI's files and media are not JSON)."""
    from siu_core.dev.lambda_events import function_url_event
    from siu_core.handlers import inbox

    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    out = inbox.handler(function_url_event("GET", path, query, list(sent.items()), b""), None)
    body = out.get("body") or ""
    data = base64.b64decode(body) if out.get("isBase64Encoded") else body.encode()
    return SimpleNamespace(status=int(out["statusCode"]), body=data,
                           headers={k.lower(): v for k, v in (out.get("headers") or {}).items()})


class _Channel:
    """The platform side of a media download: the bytes a customer sent (no network)."""

    def __init__(self, files: dict[str, MediaContent]) -> None:
        self.files = files

    def has_hook(self, name: str) -> bool:
        return name == "download_media"

    def download_media(self, att: Attachment, *_: Any) -> MediaContent:
        return self.files[str(att.media_id)]


class _Registry:
    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def get(self, name: str) -> _Channel:
        return self.channel


def deliver_media(config: Any, files: dict[str, MediaContent], *events: Any) -> None:
    registry = _Registry(_Channel(files))
    install_services(config, channels_loader=lambda: registry)
    result = run_batch(list(events), now=NOW)
    assert not result.get("batchItemFailures"), result


# --- the UI's files ---------------------------------------------------------------------------------


def test_the_ui_is_served_without_a_token_with_its_policy() -> None:
    for path in ("/inbox", "/inbox/", "/inbox/index.html"):
        page = raw_call(path)
        assert page.status == 200, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert b'<script type="module" src="/inbox/app.js">' in page.body
    script = raw_call("/inbox/app.js", headers={"Accept-Encoding": "gzip, br"})
    assert script.status == 200 and script.headers["content-encoding"] == "gzip"
    again = raw_call("/inbox/app.js", headers={"Accept-Encoding": "gzip", "If-None-Match": script.headers["etag"]})
    assert again.status == 304 and again.body == b""
    missing = raw_call("/inbox/secrets.json")
    assert missing.status == 404 and json.loads(missing.body)["error"]["code"] == "not_found"


def test_me_lists_what_the_pickers_offer(inbox: Any) -> None:
    me = call("GET", "/api/me", token=token_for("ana")).body
    assert me["topics"] == ["billing", "shipping", "other"]
    assert me["all_teams"] == ["accounts", "care"]


# --- who could take a thread ---------------------------------------------------------------------


def test_the_reassign_list_says_who_is_eligible_now_and_offers_only_what_the_api_accepts(inbox: Any) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    thread = thread_of()
    tid, holder = thread["thread_id"], thread["assignee"]
    other = "ben" if holder == "ana" else "ana"
    answer = call("GET", f"/api/threads/{tid}/eligible", token=token_for(holder))
    assert answer.status == 200
    people = {p["id"]: p for p in answer.body["teammates"]}
    assert answer.body["team"] == "care" and set(people) == {"ana", "ben", "cho", "mei"}
    assert people[other]["eligible"] and people[other]["can_take"] and people[other]["reason"] == "eligible now"
    assert [p["id"] for p in answer.body["teammates"]][:2] == sorted([holder, other], key=lambda i: (
        people[i]["open_threads"], i))
    assert people["cho"]["reason"] == "not on team care" and not people["cho"]["can_take"]
    assert people["cho"]["in_hours"] and not people["cho"]["eligible"]
    as_admin = {p["id"]: p for p in call("GET", f"/api/threads/{tid}/eligible",
                                            token=token_for("boss", "admin")).body["teammates"]}
    assert as_admin["cho"]["can_take"]  # admins may hand over across teams

    assert call("PUT", f"/api/roster/{other}", token=token_for("boss", "admin"), body={"status": "off"}).status == 200
    listed = call("GET", f"/api/threads/{tid}/eligible", token=token_for(holder)).body["teammates"]
    people = {p["id"]: p for p in listed}
    assert people[other]["reason"] == "off" and not people[other]["can_take"] and not people[other]["eligible"]
    # What the list refuses, the API refuses too.
    for target in (other, "cho"):
        refused = call("POST", f"/api/threads/{tid}/reassign", token=token_for(holder), body={"to": target})
        assert refused.status == 409 and refused.code == "ineligible_target", target


def test_the_reassign_list_is_for_those_who_may_read_the_thread(inbox: Any) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    assert call("GET", f"/api/threads/{tid}/eligible", token=token_for("cho")).status == 403
    assert call("GET", "/api/threads/th_nope_1/eligible", token=token_for("ana")).status == 404
    assert call("GET", f"/api/threads/{tid}/eligible").status == 401


# --- attachments ------------------------------------------------------------------------------------


def test_a_stored_image_is_served_to_whoever_may_read_the_thread(inbox: Any) -> None:
    photo = inbound("m-img", "the crack", kind="image", attachments=[
        Attachment(type="image", media_id="media-1", mime_type="image/png", caption="the crack")])
    deliver_media(inbox.config, {"media-1": MediaContent(content=PNG, mime_type="image/png")}, photo)
    tid = thread_of()["thread_id"]
    holder = thread_of()["assignee"]
    detail = call("GET", f"/api/threads/{tid}", token=token_for(holder)).body
    att = detail["messages"][0]["attachments"][0]
    assert att["media_url"] == f"/api/threads/{tid}/media?message=m-img&index=0"
    path, query = att["media_url"].split("?")

    got = raw_call(path, query=query, token=token_for(holder))
    assert got.status == 200 and got.body == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert got.headers["cache-control"] == "no-store"

    assert raw_call(path, query=query).status == 401
    assert raw_call(path, query=query, token=token_for("cho")).status == 403
    assert raw_call(path, query="message=m-img&index=1", token=token_for(holder)).status == 404
    assert raw_call(path, query="message=nope&index=0", token=token_for(holder)).status == 404
    assert raw_call(path, query="message=m-img&index=x", token=token_for(holder)).status == 422
    assert raw_call(path, query="index=0", token=token_for(holder)).status == 422


def test_a_file_that_could_run_as_a_page_is_only_ever_a_download(inbox: Any) -> None:
    page = b"<html><script>steal(sessionStorage)</script></html>"
    doc = inbound("m-doc", None, kind="file", attachments=[
        Attachment(type="file", media_id="media-2", mime_type="text/html", filename="invoice.html")])
    deliver_media(inbox.config, {"media-2": MediaContent(content=page, mime_type="text/html")}, doc)
    tid = thread_of()["thread_id"]
    got = raw_call(f"/api/threads/{tid}/media", query="message=m-doc&index=0", token=token_for("boss", "admin"))
    assert got.status == 200 and got.body == page
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "invoice.html" in got.headers["content-disposition"]


@pytest.mark.parametrize(("mime", "kept"), [
    ("image/png", True), ("image/jpeg", True), ("IMAGE/GIF", True), ("image/webp; q=1", True),
    ("image/svg+xml", False), ("text/html", False), ("application/pdf", False), (None, False), ("", False),
])
def test_only_raster_images_keep_their_type(mime: str | None, kept: bool) -> None:
    headers = safe_headers(mime, 'a"b/c.png')
    assert (headers["Content-Type"] != "application/octet-stream") is kept
    assert headers["Content-Disposition"].startswith("inline" if kept else "attachment")
    assert '"' not in headers["Content-Disposition"].split("''", 1)[1]
