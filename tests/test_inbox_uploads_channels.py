"""Telegram, LINE and Twilio send a teammate's photo: upload -> reply -> the platform's stand-in, as in ``siu dev``.

The plugins' own stand-ins (what ``siu dev`` answers with, recorded as ``/dev/outbox`` records them)
serve on loopback; the inbox runs under moto with those three channels loaded. WhatsApp, Messenger
and Instagram go the same way in ``tests/test_inbox_uploads.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from inbox_support import Clock, browser_upload, call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound, make_config

from siu_core.dev.standin import StandIn
from siu_core.plugins import load_channels

CHANNELS = ("telegram", "line", "twilio")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
#: (account as events carry it, customer, the secrets the plugin needs): the contract fixtures' fake ones.
ACCOUNTS = {
    "telegram": ("7000000001", "523041977", {"bot_token": "7000000001:AAFakeTokenForSiuContractTests01234",
                                             "secret_token": "siu-fake-telegram-secret_token-0123456789",
                                             "bot_id": "7000000001"}),
    "line": ("Uc07f11ac89117493d651996e75f5ee20", "U3c38aafb0579dafe18bb584dce2786cc",
             {"channel_secret": "siu-fake-line-channel_secret-8c1f0e2d",
              "channel_access_token": "siuFakeLineChannelAccessToken+Contract/0123456789=",
              "bot_user_id": "Uc07f11ac89117493d651996e75f5ee20"}),
    # no phone_number: one Twilio account serves every number it owns (plugins/siu_twilio/README.md)
    "twilio": ("14155238886", "14155550123", {"account_sid": "AC5f1ca7c0ffee5e1a2b3c4d5e6f708192",
                                               "auth_token": "siu-fake-twilio-auth-token-0123456789"}),
}


@pytest.fixture
def platforms() -> Iterator[tuple[StandIn, str]]:
    """The three plugins' stand-ins behind one loopback server, as ``siu dev`` serves them."""
    standin = StandIn(load_channels(list(CHANNELS)))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = standin.handle("POST", parts.path, dict(parse_qsl(parts.query)), dict(self.headers.items()), body)
            data = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield standin, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def inbox(aws: Any, platforms: tuple[StandIn, str]) -> Iterator[Any]:
    """The inbox on moto with Telegram, LINE and Twilio pointed at their stand-ins."""
    from types import SimpleNamespace

    from siu_core.auth import SigningKeys, ensure_signing_key
    from siu_core.aws import clients
    from siu_core.handlers import inbox as handler
    from siu_core.inbox.services import InboxServices
    from siu_core.secrets import SecretStore

    standin, origin = platforms
    config = make_config(channels={name: {"api_base_url": standin.base_url(origin, name)} for name in CHANNELS})
    aws.push_config(config, changed_only=True)
    ssm = clients.client("ssm")
    for name, (_, _, secrets) in ACCOUNTS.items():
        ssm.put_parameter(Type="SecureString", Name=f"/siu/secrets/{name}", Value=json.dumps(secrets), Overwrite=True)
    ensure_signing_key()
    services = InboxServices(config=config, channels=load_channels(list(CHANNELS)), secrets=SecretStore(),
                             keys=SigningKeys(), clock=Clock(), sleep=lambda _: None)
    handler.set_services(services)
    yield SimpleNamespace(config=config, standin=standin)
    handler.set_services(None)


@pytest.mark.parametrize(("channel", "caption", "sent"), [
    ("telegram", "The blue one", lambda body: (body["photo"], body["caption"])),
    ("line", "The blue one", lambda body: (body["messages"][0]["originalContentUrl"], body["messages"][1]["text"])),
    ("twilio", "The blue one", lambda body: (body["MediaUrl"], body["Body"])),
])
def test_a_photo_reaches_the_platforms_stand_in_with_its_caption(inbox: Any, channel: str, caption: str,
                                                                 sent: Any) -> None:
    account, customer, _ = ACCOUNTS[channel]
    deliver([inbound(f"m-{channel}", "A photo please?", channel=channel, account=account, customer=customer,
                     at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of(customer, channel, account)
    tid, token = str(thread["thread_id"]), token_for(str(thread["assignee"]))
    issued = call("POST", "/api/uploads", token=token,
                  body={"thread": tid, "filename": "blue.png", "content_type": "image/png", "size": len(PNG)})
    assert issued.status == 201, issued.body
    assert browser_upload(issued.body, PNG, "image/png").status_code in (200, 201, 204)
    answer = call("POST", f"/api/threads/{tid}/reply", token=token, headers={"Idempotency-Key": "k"},
                  body={"text": caption, "attachments": [issued.body["upload_id"]]})
    assert answer.status == 200, answer.body
    (recorded,) = inbox.standin.outbox()  # what /dev/outbox shows
    body = recorded["body"]
    if channel == "twilio":  # a form, recorded as its text
        body = dict(parse_qsl(str(body)))
    link, text = sent(body)
    assert "/uploads/" in link and "blue.png" in link and text == caption
    assert answer.body["message"]["attachments"][0]["filename"] == "blue.png"
