"""The dev server's HTTP front: webhooks, the platform stand-in, dev views, and mounted Function-URL apps."""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from siu_core.dev.lambda_events import LocalContext, function_url_event, http_response
from siu_core.dev.standin import PREFIX as PLATFORM_PREFIX
from siu_core.dev.standin import StandIn

log = logging.getLogger("siu.dev.http")

#: A Function-URL Lambda handler: (event, context) -> response dict.
UrlHandler = Callable[[dict[str, Any], Any], Any]
#: Max body the dev server reads (Meta's 3 MB limit with headroom; the connector answers 413 above its own cap).
MAX_REQUEST_BYTES = 8 * 1024 * 1024


class PortBusy(RuntimeError):
    """The requested port is taken, most likely by another ``siu dev``."""


@dataclass
class DevApp:
    """What the dev server serves; each piece is a plain callable so tests can build one without AWS."""

    webhook: Callable[[str, dict[str, Any]], Any]
    channels: Callable[[], list[str]]
    standin: StandIn
    threads: Callable[[], list[dict[str, Any]]]
    #: URL prefix -> Function-URL handler (the inbox API and UI mount here when they exist).
    mounts: dict[str, UrlHandler] = field(default_factory=dict)
    #: Extra JSON views under /dev/ (name -> producer), e.g. queue depths.
    views: dict[str, Callable[[], Any]] = field(default_factory=dict)


def _make_handler(app: DevApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "siu-dev"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s - %s", self.address_string(), format % args)

        def _send(self, status: int, body: bytes, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            sent = {k.lower() for k in (headers or {})}
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if "content-type" not in sent:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data, indent=2, default=str).encode("utf-8"))

        def _error(self, status: int, code: str, message: str) -> None:
            self._json(status, {"error": {"code": code, "message": message}})

        def _body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST_BYTES:
                self._error(413, "too_large", f"body over {MAX_REQUEST_BYTES} bytes")
                self.close_connection = True
                return None
            return self.rfile.read(length) if length else b""

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            path = url.path
            body = self._body()
            if body is None:
                return
            try:
                self._route(path, url.query, body)
            except Exception as exc:  # the dev server must never die on one request
                log.exception("request %s %s failed", self.command, path)
                self._error(500, "internal", f"{type(exc).__name__}: {exc}")

        def _route(self, path: str, query: str, body: bytes) -> None:
            if path == "/healthz":
                self._json(200, {"ok": True, "channels": app.channels()})
                return
            if path.startswith("/webhooks/"):
                channel = path[len("/webhooks/"):].strip("/")
                if channel not in app.channels():
                    self._error(404, "unknown_channel", f"no channel {channel!r}; installed: {app.channels()}")
                    return
                event = function_url_event(self.command, path, query, list(self.headers.items()), body,
                                           source_ip=self.client_address[0])
                status, headers, out = http_response(app.webhook(channel, event))
                self._send(status, out, headers.get("content-type", "text/plain"), headers)
                return
            if path.startswith(PLATFORM_PREFIX):
                q = dict(parse_qsl(query, keep_blank_values=True))
                answer = app.standin.handle(self.command, path, q, dict(self.headers.items()), body)
                if isinstance(answer.body, bytes | bytearray):
                    self._send(answer.status, bytes(answer.body), answer.content_type)
                elif isinstance(answer.body, str) and answer.content_type != "application/json":
                    self._send(answer.status, answer.body.encode("utf-8"), answer.content_type)
                else:
                    self._json(answer.status, answer.body)
                return
            if path == "/dev/threads":
                self._json(200, app.threads())
                return
            if path == "/dev/outbox":
                if self.command == "DELETE":
                    app.standin.calls.clear()
                    self._json(200, [])
                    return
                self._json(200, app.standin.outbox())
                return
            if path == "/dev/outbox/fail" and self.command == "POST":
                spec = json.loads(body or b"{}")
                app.standin.inject(spec["channel"], int(spec.get("status", 400)), spec.get("body"),
                                   int(spec.get("count", 1)))
                self._json(200, {"ok": True})
                return
            if path.startswith("/dev/") and path[len("/dev/"):] in app.views:
                self._json(200, app.views[path[len("/dev/"):]]())
                return
            for prefix, handler in sorted(app.mounts.items(), key=lambda kv: -len(kv[0])):
                if path == prefix.rstrip("/") or path.startswith(prefix):
                    event = function_url_event(self.command, path, query, list(self.headers.items()), body,
                                               source_ip=self.client_address[0])
                    status, headers, out = http_response(handler(event, LocalContext("siu-inbox")))
                    self._send(status, out, headers.get("content-type", "application/json"), headers)
                    return
            self._error(404, "not_found", f"nothing at {path}")

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch

    return Handler


class DevHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server whose worker threads never keep the process alive."""

    daemon_threads = True
    allow_reuse_address = False


def serve(app: DevApp, host: str, port: int) -> tuple[DevHTTPServer, threading.Thread]:
    """Bind and serve in a background thread; raise PortBusy with a clear message if the port is taken."""
    try:
        server = DevHTTPServer((host, port), _make_handler(app))
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortBusy(
                f"port {port} on {host} is busy (is another `siu dev` running?); pick another with --port"
            ) from None
        raise
    thread = threading.Thread(target=server.serve_forever, name="siu-dev-http", daemon=True)
    thread.start()
    return server, thread
