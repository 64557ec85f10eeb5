"""The plugin against its own stand-in and the core's cassette recorder, over real HTTP on loopback.

The stand-in is what ``siu dev`` and ``siu demo`` talk to; the recorder is how an author records
cassettes against the real Messages API. Neither may leave the Authorization header or the auth token
in a cassette.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from tw_testkit import channel  # type: ignore[import-not-found, unused-ignore]

from siu_core.cassettes import cassette_leaks, recorder
from siu_core.models import Attachment, ReplyRequest

REAL_LOOKING = {"account_sid": "AC" + "5d" * 16, "auth_token": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                "phone_number": "+14155238886"}


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
            data = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
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


def reply(text: str = "On its way!", recipient: str = "14155550123") -> ReplyRequest:
    return ReplyRequest(channel="twilio", account_id="14155238886", recipient={"id": recipient}, text=text,
                        idempotency_key="k")


def test_send_and_download_work_against_the_stand_in(standin: str) -> None:
    settings = {"api_base_url": standin}
    media_url = (f"https://api.twilio.com/2010-04-01/Accounts/{REAL_LOOKING['account_sid']}/Messages/"
                 f"MM{'1' * 32}/Media/ME{'2' * 32}")
    with requests.Session() as session:
        sms = channel().send_reply(reply(), REAL_LOOKING, session, settings)
        wa = channel().send_reply(reply(recipient="whatsapp:5511987654321"), REAL_LOOKING, session, settings)
        media = channel().download_media(Attachment(type="image", url=media_url), REAL_LOOKING, session, settings)
    assert sms.message_id.startswith("SM") and sms.recipient_id == "14155550123"
    assert wa.recipient_id == "whatsapp:5511987654321"
    assert media is not None and media.content.startswith(b"\x89PNG") and media.mime_type == "image/png"


def test_the_stand_in_refuses_like_twilio(standin: str) -> None:
    url = f"{standin}/2010-04-01/Accounts/{REAL_LOOKING['account_sid']}/Messages.json"
    with requests.Session() as session:
        long = session.post(url, data={"To": "+1", "From": "+2", "Body": "x" * 1601})
        no_to = session.post(url, data={"From": "+2", "Body": "hi"})
        empty = session.post(url, data={"To": "+1", "From": "+2"})
        unknown = session.post(f"{standin}/2010-04-01/Accounts/{REAL_LOOKING['account_sid']}/Calls.json")
    assert (long.status_code, long.json()["code"]) == (400, 21617)
    assert (no_to.status_code, no_to.json()["code"]) == (400, 21604)
    assert (empty.status_code, empty.json()["code"]) == (400, 21619)
    assert unknown.status_code == 404


def test_a_recorded_cassette_has_no_authorization_and_the_account_as_a_placeholder(
    standin: str, tmp_path: Path
) -> None:
    settings = {"api_base_url": standin}
    with recorder(tmp_path, record_mode="once", secrets=REAL_LOOKING).use_cassette("send.yaml"), \
            requests.Session() as session:
        recorded = channel().send_reply(reply(), REAL_LOOKING, session, settings)
    text = (tmp_path / "send.yaml").read_text(encoding="utf-8")
    assert REAL_LOOKING["auth_token"] not in text and "Authorization" not in text
    assert "/Accounts/<account_sid>/Messages.json" in text
    assert cassette_leaks(tmp_path / "send.yaml", REAL_LOOKING) == []
    fake = {**REAL_LOOKING, "account_sid": "AC" + "0f" * 16, "auth_token": "fake-token"}
    with recorder(tmp_path, record_mode="none", secrets=fake).use_cassette("send.yaml") as cassette, \
            requests.Session() as session:
        replayed = channel().send_reply(reply(), fake, session, settings)
    assert cassette.all_played and replayed == recorded


def test_siu_devs_made_up_secrets_carry_a_simulated_message_and_its_reply(standin: str) -> None:
    """What ``siu dev`` does with this channel: made-up secrets, a signed simulated POST, a reply to its sender."""
    from datetime import UTC, datetime

    from siu_core.dev.stack import account_id_for, dev_secret_values
    from siu_core.models import InboundRequest, MessageEvent, SimulatedMessage

    secrets = dev_secret_values(channel())
    account = account_id_for(channel(), secrets)
    url = "http://127.0.0.1:8000/webhooks/twilio"
    msg = SimulatedMessage(sender_id="whatsapp:5511987654321", sender_name="Amara", text="Oi!", message_id="dev-1",
                           timestamp=datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    (post,) = channel().simulate_webhooks([msg], account, secrets, url=url)
    request = InboundRequest.received(method="POST", url=url, headers=post.headers, body=post.body)
    channel().verify_signature(post.body, post.headers, secrets, request=request)
    (event,) = channel().normalize(post.body, post.headers, account_id=account, request=request)
    assert isinstance(event, MessageEvent) and event.account_id == account
    answer = ReplyRequest(channel="twilio", account_id=event.account_id, recipient=event.customer, text="Olá!",
                          idempotency_key="k", last_inbound_at=event.timestamp, requested_at=event.timestamp)
    with requests.Session() as session:
        sent = channel().send_reply(answer, secrets, session, {"api_base_url": standin})
    assert sent.recipient_id == "whatsapp:5511987654321"


def test_the_stand_in_lists_templates_for_siu_dev(standin: str) -> None:
    with requests.Session() as session:
        listed = channel().message_templates(REAL_LOOKING, session, {"api_base_url": standin})
    assert listed is not None
    assert [(t["status"], t["param_count"]) for t in listed] == [("APPROVED", 1), ("PENDING", 0)]
