"""The plugin against its own stand-in and the core's cassette recorder, over real HTTP on loopback.

The stand-in is what ``siu dev`` and ``siu demo`` talk to; the recorder is how an author records
cassettes against the real Bot API. Both must cope with the token sitting in the URL path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from tg_testkit import CONTRACT, channel  # type: ignore[import-not-found, unused-ignore]

from siu_core import Attachment, ReplyRequest, SimulatedMessage
from siu_core.cassettes import cassette_leaks, recorder

REAL_LOOKING = {"bot_token": "6123456789:AAE-real-looking_TokenValue0123456789", "secret_token": "tok-1",
                "bot_id": "6123456789"}


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = channel().stand_in_response(self.command, parts.path, dict(parse_qsl(parts.query)), body)
            if answer is None:
                self.send_response(404)
                self.end_headers()
                return
            data = answer.body if isinstance(answer.body, bytes) else __import__("json").dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            return

    return Handler


@pytest.fixture(scope="module")
def standin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def reply(text: str = "On its way!", **extra: Any) -> ReplyRequest:
    return ReplyRequest(channel="telegram", account_id=REAL_LOOKING["bot_id"], recipient={"id": "523041977"},
                        text=text, idempotency_key="k", **extra)


def test_send_and_download_work_against_the_stand_in(standin: str) -> None:
    settings = {"api_base_url": standin}
    with requests.Session() as session:
        sent = channel().send_reply(reply(reply_to="523041977:12"), REAL_LOOKING, session, settings)
        media = channel().download_media(Attachment(type="image", media_id="AgAC-file"), REAL_LOOKING, session,
                                         settings)
    assert sent.message_id.startswith("523041977:") and sent.recipient_id == "523041977"
    assert media is not None and media.content.startswith(b"\x89PNG") and media.mime_type == "image/png"


def test_the_stand_in_refuses_like_telegram(standin: str) -> None:
    with requests.Session() as session:
        resp = session.post(f"{standin}/bot1:x/sendMessage", json={"chat_id": 1, "text": "x" * 4097})
        missing = session.post(f"{standin}/bot1:x/sendMessage", data={"text": "hi"})
        unknown = session.post(f"{standin}/bot1:x/sendCarrierPigeon", json={})
    assert (resp.status_code, resp.json()["description"]) == (400, "Bad Request: message is too long")
    assert missing.json() == {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"}
    assert unknown.status_code == 404


def test_a_cassette_recorded_with_the_core_recorder_holds_a_placeholder_not_the_token(
    standin: str, tmp_path: Path
) -> None:
    settings = {"api_base_url": standin}
    with recorder(tmp_path, record_mode="once", secrets=REAL_LOOKING).use_cassette("send.yaml"), \
            requests.Session() as session:
        recorded = channel().send_reply(reply(), REAL_LOOKING, session, settings)
    text = (tmp_path / "send.yaml").read_text(encoding="utf-8")
    assert REAL_LOOKING["bot_token"] not in text and "/bot<bot_token>/sendMessage" in text
    patterns = channel().info.secret_patterns
    assert cassette_leaks(tmp_path / "send.yaml", REAL_LOOKING, patterns=patterns) == []
    # Replayed with other (fake) secrets, as the contract suite does: the placeholder takes their token.
    fake = {**REAL_LOOKING, "bot_token": "6123456789:AAFake"}
    with recorder(tmp_path, record_mode="none", secrets=fake).use_cassette("send.yaml") as cassette, \
            requests.Session() as session:
        replayed = channel().send_reply(reply(), fake, session, settings)
    assert cassette.all_played and replayed == recorded


def test_no_committed_cassette_holds_anything_shaped_like_a_bot_token() -> None:
    import re

    shaped = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
    for path in sorted((CONTRACT / "cassettes").glob("*.yaml")):
        assert not shaped.search(path.read_text(encoding="utf-8")), path.name


def test_simulated_messages_make_one_post_each_and_say_which_ids_they_became() -> None:
    at = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    msgs = [SimulatedMessage(sender_id="523041977", sender_name="Mira Okafor", text="hi", message_id="demo-1",
                             timestamp=at),
            SimulatedMessage(sender_id="523041977", text="again", message_id="523041977:77", timestamp=at)]
    posts = channel().simulate_webhooks(msgs, REAL_LOOKING["bot_id"], REAL_LOOKING)
    assert len(posts) == 2
    ids = []
    for post in posts:
        channel().verify_signature(post.body, post.headers, REAL_LOOKING)
        ids += [e.message_id for e in channel().normalize(post.body, post.headers,
                                                          account_id=REAL_LOOKING["bot_id"])]
    assert posts[0].message_ids == {"demo-1": ids[0]} and posts[1].message_ids == {}
    assert ids[1] == "523041977:77"
    with pytest.raises(ValueError, match="simulate_webhooks"):
        channel().simulate_webhook(msgs, REAL_LOOKING["bot_id"], REAL_LOOKING)
