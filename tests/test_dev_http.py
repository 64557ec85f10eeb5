"""siu dev's own HTTP answers, without AWS: readiness, hygiene headers, dev token, bad input, port reuse."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from test_dev_parts import _registry

from siu_core.dev.http import READY, STARTING, DevApp, DevHTTPServer, PortBusy, _make_handler, serve
from siu_core.dev.standin import StandIn

DEV_TOKEN = "dev-token-for-tests"


class _State:
    def __init__(self) -> None:
        self.value = STARTING
        self.dead: list[str] = []


def _app(state: _State, webhook: Any = None) -> DevApp:
    def default_webhook(channel: str, event: dict[str, Any]) -> Any:
        return {"statusCode": 200, "body": "ok", "headers": {"content-type": "text/plain"}}

    def inbox(event: dict[str, Any], context: Any) -> Any:
        return {"statusCode": 200, "headers": {"content-type": "text/html", "referrer-policy": "same-origin"},
                "body": "<html></html>"}

    return DevApp(webhook=webhook or default_webhook, channels=lambda: ["demo"], standin=StandIn(_registry()),
                  threads=lambda: [{"thread_id": "t1"}], mounts={"/inbox": inbox},
                  views={"queues": lambda: {"intake_visible": 0}}, state=lambda: state.value,
                  dead_workers=lambda: state.dead, dev_token=DEV_TOKEN)


@pytest.fixture
def front() -> Iterator[tuple[str, _State]]:
    state = _State()
    server, _ = serve(_app(state), "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def test_healthz_and_everything_else_answer_503_until_ready(front: tuple[str, _State]) -> None:
    base, state = front
    health = requests.get(f"{base}/healthz", timeout=5)
    assert health.status_code == 503 and health.json() == {"status": "starting"}
    for method, path in (("POST", "/webhooks/demo"), ("GET", "/inbox/"), ("GET", "/dev/threads"), ("GET", "/")):
        resp = requests.request(method, f"{base}{path}", timeout=5)
        assert resp.status_code == 503, path
        assert resp.json()["error"]["code"] == "starting" and "retry" in resp.json()["error"]["message"]
        assert resp.headers["Retry-After"] == "1"
    state.value = READY
    assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
    state.dead = ["queue-poller"]
    degraded = requests.get(f"{base}/healthz", timeout=5)
    assert degraded.status_code == 503 and degraded.json() == {"status": "degraded", "dead_workers": ["queue-poller"]}


def test_every_answer_carries_the_hygiene_headers(front: tuple[str, _State]) -> None:
    base, state = front
    state.value = READY
    for path in ("/healthz", "/dev/threads", "/nowhere", "/webhooks/demo"):
        resp = requests.get(f"{base}{path}", timeout=5)
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["Referrer-Policy"] == "no-referrer", path
        assert len(resp.headers["X-Request-Id"]) == 32, path
    assert requests.get(f"{base}/dev/threads", timeout=5).headers["Cache-Control"] == "no-store"
    inbox = requests.get(f"{base}/inbox/", timeout=5)  # a mounted app keeps its own values, gains nosniff
    assert inbox.headers["Referrer-Policy"] == "same-origin" and inbox.headers["X-Content-Type-Options"] == "nosniff"


def test_root_redirects_to_the_inbox_and_options_is_answered(front: tuple[str, _State]) -> None:
    base, state = front
    state.value = READY
    root = requests.get(f"{base}/", timeout=5, allow_redirects=False)
    assert root.status_code == 302 and root.headers["Location"] == "/inbox/"
    for path, allowed in (("/healthz", "GET"), ("/dev/outbox", "DELETE"), ("/webhooks/demo", "POST"), ("/", "GET")):
        resp = requests.options(f"{base}{path}", timeout=5)
        assert resp.status_code == 204, path
        assert allowed in resp.headers["Allow"] and "OPTIONS" in resp.headers["Allow"]
    wrong = requests.post(f"{base}/dev/threads", timeout=5)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, OPTIONS"


@pytest.mark.parametrize("body", [b"not json", b"[]", b"{}", b'{"channel": "nope"}',
                                  b'{"channel": "demo", "status": "x"}', b'{"channel": "demo", "count": 0}',
                                  b'{"channel": "demo", "extra": 1}'])
def test_bad_input_to_a_dev_endpoint_is_a_400_that_says_why(front: tuple[str, _State], body: bytes) -> None:
    base, state = front
    state.value = READY
    resp = requests.post(f"{base}/dev/outbox/fail", data=body, timeout=5)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "bad_request" and resp.json()["error"]["message"]


def test_a_good_failure_spec_is_taken(front: tuple[str, _State]) -> None:
    base, state = front
    state.value = READY
    resp = requests.post(f"{base}/dev/outbox/fail", json={"channel": "demo", "status": 429, "count": 2}, timeout=5)
    assert resp.status_code == 200


def test_a_bad_content_length_is_a_400(front: tuple[str, _State]) -> None:
    base, _ = front
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /dev/outbox/fail HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")


def test_a_crash_answers_500_with_a_request_id_and_no_exception_text(caplog: pytest.LogCaptureFixture) -> None:
    state = _State()
    state.value = READY

    def broken(channel: str, event: dict[str, Any]) -> Any:
        raise RuntimeError("secret internals: ConfigError no config parameters")

    server, _ = serve(_app(state, broken), "127.0.0.1", 0)
    try:
        resp = requests.post(f"http://127.0.0.1:{server.server_address[1]}/webhooks/demo", data=b"{}", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert resp.status_code == 500
    error = resp.json()["error"]
    assert "internals" not in resp.text and "RuntimeError" not in resp.text
    assert error["request_id"] == resp.headers["X-Request-Id"] and error["request_id"] in error["message"]
    assert any(error["request_id"] in r.getMessage() for r in caplog.records)


def test_dev_views_need_the_dev_token_through_a_proxy(front: tuple[str, _State]) -> None:
    base, state = front
    state.value = READY
    assert requests.get(f"{base}/dev/threads", timeout=5).status_code == 200  # loopback, no proxy
    tunneled = {"X-Forwarded-For": "203.0.113.9"}
    for method, path in (("GET", "/dev/threads"), ("GET", "/dev/outbox"), ("DELETE", "/dev/outbox"),
                         ("GET", "/dev/queues"), ("POST", "/dev/outbox/fail"), ("GET", "/platform/demo/x")):
        resp = requests.request(method, f"{base}{path}", headers=tunneled, timeout=5)
        assert resp.status_code == 401, path
        assert resp.json()["error"]["code"] == "dev_token_required"
    wrong = requests.get(f"{base}/dev/threads", headers={**tunneled, "Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 401
    ok = requests.get(f"{base}/dev/threads", headers={**tunneled, "Authorization": f"Bearer {DEV_TOKEN}"}, timeout=5)
    assert ok.status_code == 200 and ok.json() == [{"thread_id": "t1"}]
    # webhooks are for the platforms: no dev token, they carry their own signature
    assert requests.post(f"{base}/webhooks/demo", headers=tunneled, data=b"{}", timeout=5).status_code == 200


def test_a_server_not_on_loopback_only_wants_the_token_even_from_loopback() -> None:
    state = _State()
    state.value = READY
    server = DevHTTPServer(("127.0.0.1", 0), _make_handler(_app(state), local_only=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert requests.get(f"{base}/dev/threads", timeout=5).status_code == 401
        assert requests.get(f"{base}/dev/threads", headers={"Authorization": f"Bearer {DEV_TOKEN}"},
                            timeout=5).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_left_in_time_wait_binds_at_once_but_a_live_listener_is_busy() -> None:
    state = _State()
    state.value = READY
    first, _ = serve(_app(state), "127.0.0.1", 0)
    port = first.server_address[1]
    resp = requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Connection": "close"}, timeout=5)
    assert resp.status_code == 200  # the server closed that connection first: its end sits in TIME_WAIT
    first.shutdown()
    first.server_close()  # what a killed siu dev leaves behind
    plain = socket.socket()
    with pytest.raises(OSError):  # without SO_REUSEADDR the port would stay taken for a minute
        plain.bind(("127.0.0.1", port))
    plain.close()
    second, _ = serve(_app(state), "127.0.0.1", port)
    try:
        with pytest.raises(PortBusy, match="another `siu dev`"):
            serve(_app(state), "127.0.0.1", port)
    finally:
        second.shutdown()
        second.server_close()


def test_the_options_answer_of_a_webhook_names_its_methods(front: tuple[str, _State]) -> None:
    base, state = front
    state.value = READY
    resp = requests.options(f"{base}/webhooks/demo", timeout=5)
    assert json.loads(resp.content or b"null") is None and resp.headers["Allow"] == "GET, POST, OPTIONS"


def test_the_s3_front_relays_only_a_presigned_post_form_to_a_bucket() -> None:
    """``/s3/<bucket>``: a multipart POST reaches the emulated S3 as sent, its answer comes back; nothing else."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, self.headers["Content-Type"], body))
            self.send_response(204)
            self.end_headers()

    s3 = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=s3.serve_forever, daemon=True).start()
    state = _State()
    state.value = READY
    app = _app(state)
    app.s3_endpoint = lambda: f"http://127.0.0.1:{s3.server_address[1]}"
    server, _ = serve(app, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        sent = requests.post(f"{base}/s3/siu-message-snapshots", data={"key": "uploads/t/u/a.png"},
                             files={"file": ("a.png", b"png", "image/png")}, timeout=5)
        assert sent.status_code == 204
        ((path, kind, body),) = seen
        assert path == "/siu-message-snapshots" and kind.startswith("multipart/form-data")
        assert b"uploads/t/u/a.png" in body
        assert requests.get(f"{base}/s3/siu-message-snapshots", timeout=5).status_code == 405  # no reads, no listing
        deeper = requests.post(f"{base}/s3/siu-message-snapshots/uploads/x", files={"f": b"x"}, timeout=5)
        assert deeper.status_code == 400
        assert requests.post(f"{base}/s3/siu-message-snapshots", data=b"{}", timeout=5).status_code == 400
        assert len(seen) == 1
    finally:
        server.shutdown()
        s3.shutdown()
