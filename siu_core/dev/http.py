"""The dev server's HTTP front: webhooks, the platform stand-in, dev views, and mounted Function-URL apps.

A webhook (``/webhooks/<channel>``) reaches the connector as a Function URL event addressed the way
the client addressed this server: ``http`` (or the ``X-Forwarded-Proto`` a tunnel in front sets),
its ``Host`` header, the path and the raw query, so a platform that signs the URL verifies;
the channel's ``public_url`` setting overrides it as on AWS. The plugin's acknowledgement (status,
content type, body) is sent back as is.

What every answer of this server carries, whatever route made it:

- ``X-Request-Id`` (a fresh id per request); a 5xx body names that id and never the exception, which
  is logged with the id instead;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (a mounted app's own
  values are kept), and ``Cache-Control: no-store`` on the server's own JSON.

Until the stack says it is ready, ``/healthz`` answers ``503 {"status": "starting"}`` and every other
path ``503`` with a plain message and ``Retry-After``: the port is bound first (so a busy port fails
fast) but nothing reaches a handler whose config, secrets or tables are not in place yet.

The ``/dev/*`` views and the platform stand-in answer without a token only to a caller on loopback,
talking to a server that listens on loopback only, through no proxy (no ``X-Forwarded-For`` and
friends, which every tunnel adds). Anyone else needs ``Authorization: Bearer <dev token>``, the
random ``dev_token`` of the session file.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import json
import logging
import socket
import sys
import threading
import uuid
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
#: Max body of a browser's upload to the emulated S3 (the largest file a platform takes, 100 MB, plus the form).
MAX_UPLOAD_BYTES = 101 * 1024 * 1024
#: Where the dev server fronts the emulated S3 for the browser's presigned POST (``SIU_UPLOAD_ENDPOINT``).
S3_PREFIX = "/s3/"
#: Headers a reverse proxy or tunnel adds: a request carrying one did not come from this machine's user.
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "cf-connecting-ip", "x-forwarded-host",
                 "true-client-ip")
#: Stack states; only READY lets requests through to the handlers.
STARTING, READY, STOPPING = "starting", "ready", "stopping"


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
    #: "starting" | "ready" | "stopping" (plus anything else a health check reports, e.g. "degraded").
    state: Callable[[], str] = lambda: READY
    #: Names of background workers that died (the health check turns 503 while any is listed).
    dead_workers: Callable[[], list[str]] = list
    #: The bearer token the /dev/* views and the stand-in need from anyone not trusted as local.
    dev_token: str | None = None
    #: The emulated S3's endpoint (``http://host:port``): a presigned POST to ``/s3/<bucket>`` is relayed
    #: there, so the inbox page uploads to its own origin as it uploads to S3 on AWS. None: no front.
    s3_endpoint: Callable[[], str] | None = None


def is_loopback(host: str) -> bool:
    """Whether an address (or ``localhost``) only ever reaches this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _clean_json(data: Any) -> bytes:
    return json.dumps(data, indent=2, default=str).encode("utf-8")


class _BadRequest(Exception):
    """A dev endpoint refused its input (answered 400 with this message)."""


def _failure_spec(body: bytes, channels: list[str]) -> tuple[str, int, Any, int]:
    """Validate the body of POST /dev/outbox/fail: {"channel", "status"?, "body"?, "count"?}."""
    try:
        spec = json.loads(body or b"{}")
    except ValueError as exc:
        raise _BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise _BadRequest('body must be a JSON object like {"channel": "<name>", "status": 400, "count": 1}')
    unknown = sorted(set(spec) - {"channel", "status", "body", "count"})
    if unknown:
        raise _BadRequest(f"unknown field(s) {', '.join(unknown)}; expected channel, status, body, count")
    channel = spec.get("channel")
    if not isinstance(channel, str) or channel not in channels:
        raise _BadRequest(f"channel must be one of {channels}")
    status, count = spec.get("status", 400), spec.get("count", 1)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise _BadRequest("status must be an HTTP status code (100-599)")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise _BadRequest("count must be an integer from 1 to 10000")
    return channel, status, spec.get("body"), count


def _make_handler(app: DevApp, local_only: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "siu-dev"
        protocol_version = "HTTP/1.1"
        request_id = ""

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s - %s", self.address_string(), format % args)

        def _send(self, status: int, body: bytes, content_type: str = "application/json",
                  headers: dict[str, str] | None = None, *, own: bool = True) -> None:
            out = dict(headers or {})
            lower = {k.lower() for k in out}
            if "content-type" not in lower and status != 204:
                out["Content-Type"] = content_type
            defaults = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                        "X-Request-Id": self.request_id}
            if own and content_type.startswith("application/json"):
                defaults["Cache-Control"] = "no-store"
            for key, value in defaults.items():
                if key.lower() not in lower:
                    out[key] = value
            self.send_response(status)
            for key, value in out.items():
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            if status != 204:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and status != 204:
                self.wfile.write(body)

        def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, _clean_json(data), headers=headers)

        def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
            error: dict[str, Any] = {"code": code, "message": message}
            if status >= 500:
                error["request_id"] = self.request_id
            self._json(status, {"error": error}, headers)

        def _allow(self, methods: str) -> bool:
            """Answer OPTIONS (204) and wrong methods (405), both with ``Allow``; True when the route may go on."""
            allowed = [m.strip() for m in methods.split(",")]
            if self.command == "OPTIONS":
                self._send(204, b"", headers={"Allow": ", ".join([*allowed, "OPTIONS"])})
                return False
            if self.command not in allowed and not (self.command == "HEAD" and "GET" in allowed):
                self._error(405, "method_not_allowed", f"{self.command} is not allowed here; use {methods}",
                            {"Allow": ", ".join([*allowed, "OPTIONS"])})
                return False
            return True

        def _trusted(self) -> bool:
            """A local caller of a loopback-only server, not relayed by a proxy or tunnel, or the dev token."""
            header = self.headers.get("Authorization") or ""
            if app.dev_token and header.startswith("Bearer ") and hmac.compare_digest(
                    header[len("Bearer "):].strip().encode(), app.dev_token.encode()):
                return True
            if not local_only or not is_loopback(self.client_address[0]):
                return False
            return not any(self.headers.get(h) for h in PROXY_HEADERS)

        def _body(self) -> bytes | None:
            if self.headers.get("Transfer-Encoding"):
                self._error(411, "length_required", "send a Content-Length (chunked bodies are not accepted)")
                self.close_connection = True
                return None
            raw = self.headers.get("Content-Length") or "0"
            try:
                length = int(raw)
                if length < 0:
                    raise ValueError(raw)
            except ValueError:
                self._error(400, "bad_length", f"Content-Length {raw[:20]!r} is not a byte count")
                self.close_connection = True
                return None
            limit = MAX_UPLOAD_BYTES if urlsplit(self.path).path.startswith(S3_PREFIX) else MAX_REQUEST_BYTES
            if length > limit:
                self._error(413, "too_large", f"body over {limit} bytes")
                self.close_connection = True
                return None
            return self.rfile.read(length) if length else b""

        def _dispatch(self) -> None:
            self.request_id = uuid.uuid4().hex
            url = urlsplit(self.path)
            path = url.path
            body = self._body()
            if body is None:
                return
            try:
                self._route(path, url.query, body)
            except Exception:  # the dev server must never die on one request, nor tell what broke inside
                log.exception("request %s %s failed (request id %s)", self.command, path, self.request_id)
                self._error(500, "internal", f"internal error; the siu dev log has the details under request id "
                                             f"{self.request_id}")

        def _route(self, path: str, query: str, body: bytes) -> None:
            state = app.state()
            if path == "/healthz":
                if not self._allow("GET"):
                    return
                dead = app.dead_workers() if state == READY else []
                if state == READY and not dead:
                    self._json(200, {"status": "ok", "ok": True, "channels": app.channels()})
                else:
                    body_out: dict[str, Any] = {"status": state if state != READY else "degraded"}
                    if dead:
                        body_out["dead_workers"] = dead
                    self._json(503, body_out, {"Retry-After": "1"})
                return
            if state != READY:
                self._error(503, state, f"siu dev is {state}: retry in a moment (GET /healthz answers 200 "
                                        "when it is ready)", {"Retry-After": "1"})
                return
            if path == "/":
                if self._allow("GET"):
                    self._send(302, b"", "text/plain", {"Location": "/inbox/"})
                return
            if path.startswith("/webhooks/"):
                channel = path[len("/webhooks/"):].strip("/")
                if channel not in app.channels():
                    self._error(404, "unknown_channel", f"no channel {channel!r}; installed: {app.channels()}")
                    return
                if self.command == "OPTIONS":
                    self._allow("GET, POST")
                    return
                event = function_url_event(self.command, path, query, list(self.headers.items()), body,
                                           source_ip=self.client_address[0], domain=self._host(),
                                           scheme=self._scheme())
                status, headers, out = http_response(app.webhook(channel, event))
                self._send(status, out, headers.get("content-type", "text/plain"), headers, own=False)
                return
            if path.startswith(PLATFORM_PREFIX):
                if not self._trusted():
                    self._unauthorized()
                    return
                q = dict(parse_qsl(query, keep_blank_values=True))
                answer = app.standin.handle(self.command, path, q, dict(self.headers.items()), body)
                if isinstance(answer.body, bytes | bytearray):
                    self._send(answer.status, bytes(answer.body), answer.content_type, own=False)
                elif isinstance(answer.body, str) and answer.content_type != "application/json":
                    self._send(answer.status, answer.body.encode("utf-8"), answer.content_type, own=False)
                else:
                    self._send(answer.status, _clean_json(answer.body), own=False)
                return
            if path == "/dev" or path.startswith("/dev/"):
                self._dev(path[len("/dev/"):], body)
                return
            if path.startswith(S3_PREFIX) and app.s3_endpoint is not None:
                self._s3_post(app.s3_endpoint(), path[len(S3_PREFIX) - 1:], body)
                return
            for prefix, handler in sorted(app.mounts.items(), key=lambda kv: -len(kv[0])):
                if path == prefix.rstrip("/") or path.startswith(prefix):
                    event = function_url_event(self.command, path, query, list(self.headers.items()), body,
                                               source_ip=self.client_address[0])
                    status, headers, out = http_response(handler(event, LocalContext("siu-inbox")))
                    self._send(status, out, headers.get("content-type", "application/json"), headers, own=False)
                    return
            self._error(404, "not_found", f"nothing at {path}")

        def _s3_post(self, endpoint: str, path: str, body: bytes) -> None:
            """Relay a presigned POST (``/s3/<bucket>``, a multipart form) to the emulated S3 and answer as it did.

            Only that: a bucket's root, POST, the form's own content type. The signed policy in the form is
            the authorization, checked by S3 (moto) as on AWS; no other S3 call is reachable from here.
            """
            import urllib.error
            import urllib.request

            if not self._allow("POST"):
                return
            bucket = path.strip("/")
            content_type = self.headers.get("Content-Type") or ""
            if not bucket or "/" in bucket or not content_type.startswith("multipart/form-data"):
                self._error(400, "bad_upload", "POST a presigned upload form (multipart/form-data) to /s3/<bucket>")
                return
            request = urllib.request.Request(f"{endpoint}/{bucket}", data=body, method="POST",  # noqa: S310
                                             headers={"Content-Type": content_type})
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - our emulator on loopback
                    status, out, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
            except urllib.error.HTTPError as exc:
                status, out, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
            self._send(status, out, kind or "application/xml", own=False)

        def _host(self) -> str:
            """The host (and port) the client addressed: its Host header, else this server's address."""
            given = (self.headers.get("Host") or "").strip()
            if given and not any(c.isspace() or c in "/?#@\\" for c in given):
                return given
            address = self.server.server_address
            host, port = (str(address[0]), address[1]) if isinstance(address, tuple) else ("localhost", "")
            return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

        def _scheme(self) -> str:
            """http, unless a tunnel in front says the client used https (``X-Forwarded-Proto``)."""
            proto = (self.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
            return proto if proto in ("http", "https") else "http"

        def _unauthorized(self) -> None:
            self._error(401, "dev_token_required",
                        "this view needs `Authorization: Bearer <dev token>` (the dev_token in the siu dev "
                        "session file) unless siu dev listens on loopback and you call it from this machine",
                        {"WWW-Authenticate": 'Bearer realm="siu-dev"'})

        def _dev(self, name: str, body: bytes) -> None:
            routes = {"threads": "GET", "outbox": "GET, DELETE", "outbox/fail": "POST",
                      **{view: "GET" for view in app.views}}
            if name not in routes:
                self._error(404, "not_found", f"no dev view {name!r}; there are: {', '.join(sorted(routes))}")
                return
            if not self._allow(routes[name]):
                return
            if not self._trusted():
                self._unauthorized()
                return
            if name == "threads":
                self._json(200, app.threads())
            elif name == "outbox":
                if self.command == "DELETE":
                    app.standin.calls.clear()
                    self._json(200, [])
                else:
                    self._json(200, app.standin.outbox())
            elif name == "outbox/fail":
                try:
                    channel, status, answer, count = _failure_spec(body, app.channels())
                except _BadRequest as exc:
                    self._error(400, "bad_request", str(exc))
                    return
                app.standin.inject(channel, status, answer, count)
                self._json(200, {"ok": True})
            else:
                self._json(200, app.views[name]())

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _dispatch

    return Handler


class DevHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server whose worker threads never keep the process alive.

    ``SO_REUSEADDR`` is set on POSIX so a port freed by a killed ``siu dev`` (its connections left in
    TIME_WAIT) can be bound again at once. On Linux that option never lets two sockets listen on one
    address: a live listener still makes the bind fail (``PortBusy``). BSD/macOS let a more specific
    address share a port with a wildcard listener, so :func:`serve` also probes with a connect first.
    Windows' variant does let a second listener steal the port, so it stays off there.
    """

    daemon_threads = True
    allow_reuse_address = sys.platform != "win32"


def _someone_listens(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("", "0.0.0.0") else ("::1" if host == "::" else host)  # noqa: S104
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


def serve(app: DevApp, host: str, port: int) -> tuple[DevHTTPServer, threading.Thread]:
    """Bind and serve in a background thread; raise PortBusy with a clear message if the port is taken."""
    busy = PortBusy(f"port {port} on {host} is busy (is another `siu dev` running?); pick another with --port")
    if port and not sys.platform.startswith("linux") and _someone_listens(host, port):
        raise busy
    try:
        server = DevHTTPServer((host, port), _make_handler(app, local_only=is_loopback(host)))
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise busy from None
        raise
    thread = threading.Thread(target=server.serve_forever, name="siu-dev-http", daemon=True)
    thread.start()
    return server, thread
