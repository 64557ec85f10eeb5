"""siu_core.cassettes: recording scrubs credentials, replays still match, and the leak scan finds what slips."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from siu_core.cassettes import (
    SCRUBBED_REQUEST_HEADERS,
    cassette_leaks,
    confidential_secrets,
    find_leaks,
    recorder,
    scrubber,
)

REAL_TOKEN = "EAAG" + "Zx9" * 30
REAL = {"access_token": REAL_TOKEN, "app_secret": "real-app-secret-7f3a", "page_id": "1029384756"}
FAKE = {"access_token": "fake-token-123456", "app_secret": "fake-app-secret-0000", "page_id": "1029384756"}


class _Graph(BaseHTTPRequestHandler):
    """A loopback stand-in for the Graph API that answers like Meta does, credentials included."""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.rfile.read(length)
        body = json.dumps({"message_id": "m.1", "debug": {"access_token": REAL_TOKEN}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=abc")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def graph() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Graph)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _send(base: str, secrets: dict[str, str]) -> requests.Response:
    return requests.post(
        f"{base}/v1.0/{secrets['page_id']}/messages?access_token={secrets['access_token']}&fields=id",
        json={"recipient": {"id": "U-1"}, "message": {"text": "hi"}, "appsecret_proof": secrets["app_secret"]},
        headers={"Authorization": f"Bearer {secrets['access_token']}"},
        timeout=5,
    )


def test_a_recorded_cassette_is_clean_and_replays_with_fake_secrets(graph: str, tmp_path: Path) -> None:
    with recorder(tmp_path, record_mode="once", secrets=REAL).use_cassette("send.yaml"):
        assert _send(graph, REAL).status_code == 200
    text = (tmp_path / "send.yaml").read_text()
    assert cassette_leaks(tmp_path / "send.yaml", REAL) == []
    assert REAL_TOKEN not in text and "real-app-secret-7f3a" not in text and "session=abc" not in text
    assert "/v1.0/1029384756/messages" in text, "account ids are configuration, not secrets: kept"

    with recorder(tmp_path, record_mode="none", secrets=FAKE).use_cassette("send.yaml") as cassette:
        response = _send(graph, FAKE)
        assert response.json()["message_id"] == "m.1"
        assert cassette.all_played


def test_replay_refuses_a_request_with_another_body(graph: str, tmp_path: Path) -> None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    with recorder(tmp_path, record_mode="once", secrets=REAL).use_cassette("send.yaml"):
        _send(graph, REAL)
    replaying = recorder(tmp_path, record_mode="none", secrets=FAKE).use_cassette("send.yaml")
    with replaying, pytest.raises(CannotOverwriteExistingCassetteException, match="body"):
        requests.post(f"{graph}/v1.0/1029384756/messages?access_token=x&fields=id",
                      json={"recipient": {"id": "U-2"}, "message": {"text": "hi"}}, timeout=5)


def test_plugins_can_add_scrubbed_names_but_never_remove_the_core_ones() -> None:
    scrub = scrubber(extra_headers=["X-Custom-Key"], extra_query_parameters=["sig"], extra_body_fields=["pin"])
    assert scrub.request_headers > SCRUBBED_REQUEST_HEADERS
    assert "x-custom-key" in scrub.request_headers and "authorization" in scrub.request_headers
    assert {"sig", "access_token"} <= scrub.query_parameters and {"pin", "access_token"} <= scrub.body_fields


def test_identifiers_are_not_treated_as_secrets() -> None:
    assert confidential_secrets(FAKE) == {"access_token": FAKE["access_token"], "app_secret": FAKE["app_secret"]}
    assert confidential_secrets({"verify_token": "abc"}) == {}, "too short to search for"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (f"uri: https://graph.facebook.com/v1/me?access_token={REAL_TOKEN}", "a Meta access token"),
        ("Authorization: Bearer abcdef123456", "a bearer token"),
        ("uri: https://x.test/v1/me?access_token=abc123&x=1", "an unredacted access_token value"),
        ('string: \'{"client_secret": "s3cr3t"}\'', "an unredacted client_secret value"),
        ("body: fake-app-secret-0000", "the value of secret 'app_secret'"),
        ("token: xoxb-2048-1024-AbCdEfGhIjKl", "a Slack token"),
    ],
)
def test_find_leaks_spots_credentials(text: str, what: str) -> None:
    leaks = find_leaks(text, FAKE)
    assert [leak.what for leak in leaks if leak.what.startswith(what)], leaks
    assert all(FAKE["app_secret"] not in str(leak) and REAL_TOKEN not in str(leak) for leak in leaks)


def test_a_channel_declares_its_own_token_shapes() -> None:
    """The core knows no platform's token format: a channel's ``secret_patterns`` are scanned like the core's."""
    text = "uri: https://api.example.test/bot7123456789:AAH4kq9ZlX0bT2yR8vW1mN5cP3sJ6dF7gQe/send"
    assert find_leaks(text) == []
    patterns = {"a bot token": r"(?<!\d)\d{6,12}:AA[A-Za-z0-9_-]{30,}"}
    assert [(leak.what, leak.line) for leak in find_leaks(text, patterns=patterns)] == [("a bot token", 1)]


@pytest.mark.parametrize(
    "text",
    [
        "uri: https://graph.facebook.com/v1/1029384756/messages?access_token=REDACTED",
        "Authorization: Bearer REDACTED",
        'string: \'{"access_token": "REDACTED", "client_secret": null}\'',
        "uri: https://x.test/?access_token=<access_token>",
        "message: Invalid OAuth access token - Cannot parse access token",
        "id: 1029384756",
        "uri: https://api.telegram.org/bot<bot_token>/sendMessage",
        "text: 'meet at 10:30 tomorrow'",
        "token: xoxb-REDACTED",
    ],
)
def test_find_leaks_accepts_placeholders_and_identifiers(text: str) -> None:
    assert find_leaks(text, FAKE) == []


def test_cassette_leaks_reports_unscrubbed_headers_and_unreadable_files(tmp_path: Path) -> None:
    cassette = tmp_path / "c.yaml"
    cassette.write_text(
        "interactions:\n- request:\n    body: null\n    headers:\n      authorization:\n      - Basic x\n"
        "    method: GET\n    uri: https://x.test/\n  response:\n    body: {string: ''}\n"
        "    headers:\n      Set-Cookie:\n      - a=b\n    status: {code: 200, message: OK}\nversion: 1\n"
    )
    assert [str(leak) for leak in cassette_leaks(cassette)] == [
        "interaction 1: request header 'authorization' must be scrubbed",
        "interaction 1: response header 'Set-Cookie' must be scrubbed",
    ]
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [\n")
    assert [leak.what for leak in cassette_leaks(broken)] == ["not a readable cassette: ParserError"]
