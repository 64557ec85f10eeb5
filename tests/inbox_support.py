"""Helpers for the inbox API tests: a platform stand-in on 127.0.0.1, services on a fixed clock, calls.

The stand-in is a real HTTP server on loopback: the channel plugins send through ``requests`` exactly
as in production, only ``api_base_url`` points here. Answers are scripted per test; every call is
recorded, so a test counts what reached "the platform".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipeline_support import NOW, install_services, make_config, run_batch
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from siu_core.config import SiuConfig
from siu_core.models import Event

WA_SECRETS = {"app_secret": "wa-app-secret-for-tests", "verify_token": "wa-verify", "access_token": "wa-access-token",
              "phone_number_id": "acct-1"}
FB_SECRETS = {"app_secret": "fb-app-secret-for-tests", "verify_token": "fb-verify", "access_token": "fb-access-token",
              "page_id": "page-1"}
IG_SECRETS = {"app_secret": "ig-app-secret-for-tests", "verify_token": "ig-verify", "access_token": "ig-access-token",
              "ig_account_id": "igacct-1", "page_id": "page-1"}
TEMPLATES = [{"name": "order_update", "language": "en_US", "param_count": 1}]


@dataclass
class Answer:
    """One scripted answer of the stand-in."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class _Loopback:
    """A threaded HTTP server on 127.0.0.1 with a free port, for the stand-ins below."""

    _server: ThreadingHTTPServer | None = None
    url_path = ""

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.url_path}"

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class PlatformStub(_Loopback):
    """A loopback HTTP server answering like Meta's send APIs; scripted answers first, then success."""

    script: list[Answer] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    #: When set, every request waits for it before answering (to hold a send in flight).
    gate: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    #: What ``GET /{version}/{waba}/message_templates`` answers (a Graph ``data`` list), or an error Answer.
    templates: list[dict[str, Any]] | Answer = field(default_factory=list)
    template_gets: list[str] = field(default_factory=list)
    #: What ``GET /{version}/{person id}?fields=...`` (the Messenger / Instagram user-profile API) answers, by id.
    profiles: dict[str, Any] = field(default_factory=dict)
    #: The Authorization header of every GET, in order.
    get_auth: list[str | None] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> PlatformStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with stub._lock:
                    stub.template_gets.append(self.path)
                    stub.get_auth.append(self.headers.get("Authorization"))
                    listed = stub.templates
                found = "/message_templates" in self.path
                answer = listed if isinstance(listed, Answer) else Answer(body={"data": listed, "paging": {}})
                person = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
                if not found and "?fields=" in self.path and person in stub.profiles:
                    profile = stub.profiles[person]
                    answer = profile if isinstance(profile, Answer) else Answer(body={**profile, "id": person})
                elif not found:
                    answer = Answer(status=404, body=graph_error(100, "Unknown path"))
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with stub._lock:
                    stub.calls.append({"path": self.path, "body": json.loads(raw or b"null"),
                                       "auth": self.headers.get("Authorization")})
                    answer = stub.script.pop(0) if stub.script else None
                    number = len(stub.calls)
                stub.arrived.set()
                if stub.gate is not None:
                    stub.gate.wait(10)
                if answer is None:
                    answer = Answer(body=_success(self.path, number))
                if answer.delay:
                    time.sleep(answer.delay)
                data = json.dumps(answer.body).encode() if answer.body is not None else b""
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._serve(Handler)
        return self

    def stop(self) -> None:
        if self.gate is not None:
            self.gate.set()
        super().stop()


def _success(path: str, number: int) -> dict[str, Any]:
    if "/acct-1/" in path:  # WhatsApp Cloud API
        return {"messaging_product": "whatsapp", "contacts": [{"input": "cust-1", "wa_id": "cust-1"}],
                "messages": [{"id": f"wamid.REPLY{number}"}]}
    return {"recipient_id": "cust-1", "message_id": f"m_REPLY{number}"}


def graph_error(code: int, message: str, *, status: int = 400, subcode: int | None = None) -> dict[str, Any]:
    """A Graph error envelope."""
    err: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atrace"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


def inbox_config(stub_url: str, **overrides: Any) -> SiuConfig:
    """The pipeline tests' config with every channel pointed at the stand-in."""
    channels = {
        "whatsapp": {"api_base_url": stub_url, "templates": TEMPLATES, "timeout_seconds": 2},
        "facebook": {"api_base_url": stub_url, "human_agent_enabled": True},
        "instagram": {"api_base_url": stub_url},
    }
    return make_config(channels=overrides.pop("channels", channels), **overrides)


def put_secrets() -> None:
    """The channel secrets and the inbox signing key as (moto's) SSM SecureStrings."""
    from siu_core.auth import ensure_signing_key
    from siu_core.aws import clients

    sm = clients.client("ssm")
    for name, values in (("whatsapp", WA_SECRETS), ("facebook", FB_SECRETS), ("instagram", IG_SECRETS)):
        sm.put_parameter(Type="SecureString", Name=f"/siu/secrets/{name}", Value=json.dumps(values))
    ensure_signing_key()


@dataclass
class Clock:
    """A fixed clock tests move by hand."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


def build_services(config: SiuConfig, clock: Clock, **kwargs: Any) -> Any:
    """Inbox services on the fixed clock, installed in the handler; sleeping is recorded, not done."""
    from siu_core.auth import SigningKeys
    from siu_core.handlers import inbox
    from siu_core.inbox.services import InboxServices
    from siu_core.plugins import load_channels
    from siu_core.secrets import SecretStore

    sleeps: list[float] = []
    services = InboxServices(config=config, channels=load_channels(["whatsapp", "facebook", "instagram"]),
                             secrets=SecretStore(), keys=SigningKeys(), clock=clock,
                             sleep=kwargs.pop("sleep", sleeps.append), **kwargs)
    services.sleeps = sleeps  # type: ignore[attr-defined]
    inbox.set_services(services)
    return services


@dataclass
class Result:
    """An API answer, decoded."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code") if isinstance(self.body, dict) else None


def call(method: str, path: str, *, token: str | None = None, body: Any = None, raw: bytes | None = None,
         headers: Mapping[str, str] | None = None, query: str = "") -> Result:
    """One request through the Lambda handler, as a Function URL would deliver it."""
    from siu_core.dev.lambda_events import function_url_event
    from siu_core.handlers import inbox

    hdrs = dict(headers or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    if data:
        hdrs.setdefault("Content-Type", "application/json")
    event = function_url_event(method, path, query, list(hdrs.items()), data)
    out = inbox.handler(event, None)
    text = out.get("body") or ""
    return Result(int(out["statusCode"]), json.loads(text) if text else None,
                  {k.lower(): v for k, v in (out.get("headers") or {}).items()})


def token_for(user: str, role: str = "agent", *, ttl: timedelta = timedelta(hours=12), now: datetime = NOW) -> str:
    """A token as ``siu token issue --user USER [--role admin]`` makes it: at the teammate's session generation.

    The token carries no role: ``role="admin"`` for someone not on the roster adds them as an admin
    first (status off, the first team of the roster), as the CLI bootstraps a first admin.
    """
    from siu_core.auth import issue_token, read_signing_key
    from siu_core.store import roster, roster_edits

    member = roster.member(user)
    if member is None and role == "admin":
        team = min((t for e in roster.all_entries() for t in e.teams), default="care")
        roster_edits.add_first_admin(user, team=team, time_zone="UTC", by="test", at=now)
        member = roster.member(user)
    return issue_token(user, key=read_signing_key(), now=now, ttl=ttl,
                       generation=member.generation if member else 0)


def deliver(events: list[Event], config: SiuConfig, *, now: datetime = NOW) -> None:
    """Run customer events through the real labeler pipeline (threads, routing, counters)."""
    install_services(config)
    result = run_batch(events, now=now)
    assert not result.get("batchItemFailures"), result


def thread_of(customer: str = "cust-1", channel: str = "whatsapp", account: str = "acct-1") -> dict[str, Any]:
    """The customer's current thread item."""
    from siu_core.store import customers, keys, threads

    head = customers.get(keys.customer_key(channel, account, customer))
    assert head is not None
    thread = threads.get(head.thread_id)
    assert thread is not None
    return thread


def audit_actions(thread_id: str) -> list[str]:
    """The actions audited on a thread, in order."""
    from siu_core.store import audit

    return [str(r["action"]) for r in audit.for_scope(thread_id)]


def stub_server() -> Iterator[PlatformStub]:
    """Fixture body: a started stand-in, stopped after the test."""
    stub = PlatformStub().start()
    try:
        yield stub
    finally:
        stub.stop()


def concurrently(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run ``fn(i)`` for i in range(n) on n threads released together; their results in order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except BaseException as exc:  # surfaced to the test
            results[i] = exc

    workers = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return results


def atomic_dynamodb(monkeypatch: Any) -> None:
    """Make moto's DynamoDB answer each request atomically, as DynamoDB does (what ``siu dev`` installs).

    The code under test still interleaves between its requests; see :mod:`siu_core.dev.emulation`.
    """
    from siu_core.dev.emulation import emulator_patches

    for target, name, value in emulator_patches():
        monkeypatch.setattr(target, name, value)


def emitted_metrics(stdout: str) -> dict[str, float]:
    """Totals of the counts a handler printed in its EMF lines: CloudWatch metrics (those an alarm reads)
    and the counts kept as properties of the line (siu_core.obs.METRIC_DIMENSIONS says which is which)."""
    totals: dict[str, float] = {}
    for line in stdout.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        blob = json.loads(line)
        for name, value in blob.items():
            if name != "_aws" and isinstance(value, list):
                totals[name] = totals.get(name, 0.0) + sum(value)
    return totals


def actor_of(user: str) -> Any:
    """The caller as the API resolves a valid token of ``user``: their rights read from the roster now."""
    from siu_core.auth import Session
    from siu_core.inbox import identity
    from siu_core.store import roster

    member = roster.member(user)
    session = Session(user=user, generation=member.generation if member else 0, issued_at=NOW,
                      expires_at=NOW + timedelta(hours=1), token_id="test")
    return identity.actor_from(session, member)


def reply_directly(user: str, thread_id: str, body: dict[str, Any], key: str) -> Any:
    """The reply path below HTTP, as two Lambda instances would run it side by side (for races)."""
    from siu_core.handlers import inbox
    from siu_core.inbox import reply
    from siu_core.inbox.bodies import ReplyBody
    from siu_core.inbox.errors import ApiError

    actor = actor_of(user)
    try:
        return reply.reply(inbox.services(), actor, thread_id, ReplyBody.model_validate(body), key)
    except ApiError as exc:
        return exc


@dataclass
class SlackStub(_Loopback):
    """A loopback stand-in for Slack's Web API (``chat.postMessage``); scripted errors, recorded posts."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    url_path = "/api/"

    def start(self) -> SlackStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                body = json.loads(raw) if raw.strip().startswith(b"{") else {}
                stub.posts.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                answer: dict[str, Any] = {"ok": True, "channel": body.get("channel"), "ts": f"{len(stub.posts)}.0"}
                if stub.errors:
                    answer = {"ok": False, "error": stub.errors.pop(0)}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._serve(Handler)
        return self


def slack_server() -> Iterator[SlackStub]:
    """Fixture body: a started Slack stand-in."""
    stub = SlackStub().start()
    try:
        yield stub
    finally:
        stub.stop()


def emulation(monkeypatch: Any, tmp_path: Any, config: SiuConfig) -> Iterator[dict[str, Any]]:
    """Fixture body: what ``siu dev`` leaves behind for the operator commands, without the dev server.

    A moto server on loopback provisioned from the template, the config in its SSM, the roster seeded,
    the signing key created, and a session file naming its endpoint (``aws_endpoint``).
    """
    import requests
    from moto.server import ThreadedMotoServer

    from siu_core.auth import ensure_signing_key
    from siu_core.aws import clients
    from siu_core.aws.provision import provision
    from siu_core.config import clear_config_cache, config_to_parameters
    from siu_core.dev.session import write_session
    from siu_core.store import roster

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # The server shares this process's moto backends: start empty, as `siu dev` does, whatever ran before.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("SIU_STATE_DIR", str(tmp_path))
    for service in ("DYNAMODB", "SQS", "S3", "SSM", "STS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    clients.reset_clients()
    clear_config_cache()
    try:
        for key, value in provision().env().items():
            monkeypatch.setenv(key, value)
        ssm = clients.client("ssm")
        for name, value in config_to_parameters(config).items():
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
        roster.seed(config.roster, overwrite=True)
        ensure_signing_key()
        session = {"base_url": "http://127.0.0.1:8765", "aws_endpoint": endpoint, "region": "ap-southeast-1"}
        write_session(session)
        yield session
    finally:
        requests.post(f"{endpoint}/moto-api/reset", timeout=10)  # and leave nothing to the next test
        server.stop()
        clients.reset_clients()
        clear_config_cache()


class MotoS3(BaseAdapter):
    """A ``requests`` transport that hands the browser's POST to moto's S3, as moto does with botocore's calls.

    The presigned POST is the one S3 call made with plain HTTP rather than botocore; this sends its exact
    bytes (the multipart form) to the same emulated bucket the code under test reads.
    """

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """Answer the request as moto's S3 does."""
        import requests
        from moto.core.models import botocore_stubber

        answered = botocore_stubber.process_prepared_request(request)
        assert answered is not None, request.url
        status, headers, body = answered
        response = requests.Response()
        response.status_code, response.url, response.request = int(status), request.url or "", request
        response.headers = CaseInsensitiveDict(headers)
        response._content = body if isinstance(body, bytes) else str(body).encode()
        return response

    def close(self) -> None:
        """Nothing to release."""


def browser_upload(issued: Mapping[str, Any], data: bytes, content_type: str) -> Any:
    """What the inbox page does with ``POST /api/uploads``' answer: a multipart POST of its fields and the file."""
    import requests

    browser = requests.Session()
    browser.mount("https://", MotoS3())
    return browser.post(str(issued["url"]), data=dict(issued["fields"]), files={"file": ("f", data, content_type)},
                        timeout=10)
