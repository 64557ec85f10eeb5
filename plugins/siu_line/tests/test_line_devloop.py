"""The plugin against its own stand-in and the core's cassette recorder, over real HTTP on loopback.

The stand-in is what ``siu dev`` and ``siu demo`` talk to; the recorder is how an author records
cassettes against the real Messaging API: the Bearer token must never land in one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from line_testkit import CONTRACT, channel  # type: ignore[import-not-found, unused-ignore]

from siu_core import Attachment, ReplyRequest
from siu_core.cassettes import cassette_leaks, recorder

REAL_LOOKING = {"channel_secret": "0123456789abcdef0123456789abcdef",
                "channel_access_token": "realLookingLineToken/abc+DEF0123456789xyz=",
                "bot_user_id": "U0123456789abcdef0123456789abcdef"}


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = channel().stand_in_response(self.command, urlsplit(self.path).path, {}, body, {})
            status = 404 if answer is None else answer.status
            data = b"" if answer is None else answer.body if isinstance(answer.body, bytes) \
                else json.dumps(answer.body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if answer is None else answer.content_type)
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


def reply(text: str = "On its way!") -> ReplyRequest:
    return ReplyRequest(channel="line", account_id=REAL_LOOKING["bot_user_id"],
                        recipient={"id": "Uf0000000000000000000000000000001"}, text=text, idempotency_key="k")


def test_send_and_download_work_against_the_stand_in(standin: str) -> None:
    settings = {"api_base_url": standin}
    with requests.Session() as session:
        sent = channel().send_reply(reply(), REAL_LOOKING, session, settings)
        media = channel().download_media(Attachment(type="image", media_id="590000000000055433"), REAL_LOOKING,
                                         session, settings)
    assert sent.message_id.isdigit() and sent.recipient_id == "Uf0000000000000000000000000000001"
    assert media is not None and media.content.startswith(b"\x89PNG") and media.mime_type == "image/png"


def test_a_cassette_recorded_with_the_core_recorder_holds_no_token(standin: str, tmp_path: Path) -> None:
    settings = {"api_base_url": standin}
    with recorder(tmp_path, record_mode="once", secrets=REAL_LOOKING).use_cassette("send.yaml"), \
            requests.Session() as session:
        channel().send_reply(reply(), REAL_LOOKING, session, settings)
    text = (tmp_path / "send.yaml").read_text(encoding="utf-8")
    assert REAL_LOOKING["channel_access_token"] not in text and "Authorization" not in text
    assert "X-Line-Retry-Key" in text
    assert cassette_leaks(tmp_path / "send.yaml", REAL_LOOKING) == []


def test_no_committed_fixture_holds_a_token_or_an_authorization_header() -> None:
    for path in sorted(CONTRACT.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "Authorization" not in text and "Bearer" not in text, path.name
