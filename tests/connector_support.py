"""Test helpers for the connector: a tiny Graph-style channel plugin and Function URL events.

The fake channel signs and verifies like Meta (``X-Hub-Signature-256`` over the raw bytes, through
``siu_meta.graph``) and normalizes ``{"object": "fake", "entry": [{"messages": [...]}]}``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from siu_meta import graph

from siu_core.errors import MalformedPayload
from siu_core.hookspecs import CONTRACT_VERSION, hookimpl
from siu_core.models import (
    ChannelInfo,
    Event,
    HandshakeResponse,
    MessageEvent,
    Participant,
    ReplyRequest,
    SendResult,
    StatusEvent,
)
from siu_core.plugins import ChannelRegistry, new_plugin_manager

APP_SECRET = "fake-app-secret-0123456789"
VERIFY_TOKEN = "fake-verify-token"
ACCOUNT_ID = "acct-1"


class FakeChannel:
    """A minimal but honest channel plugin: real signature checks, real parsing errors."""

    @hookimpl
    def channel_info(self) -> ChannelInfo:
        return ChannelInfo(
            name="fake",
            display_name="Fake",
            version="0.0.1",
            contract_version=CONTRACT_VERSION,
            secret_fields=["app_secret", "verify_token"],
            signing_secret_fields=["app_secret"],
        )

    @hookimpl
    def handshake(self, query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
        return graph.hub_handshake(query, secrets.get("verify_token"))

    @hookimpl
    def verify_signature(self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
        return graph.verify_hub_signature(body, headers, secrets.get("app_secret"))

    @hookimpl
    def normalize(self, body: bytes) -> list[Event]:
        data = graph.load_json_body(body, "fake")
        events: list[Event] = []
        for entry in data["entry"]:
            if not isinstance(entry, dict):
                raise MalformedPayload("entry item is not an object")
            for m in entry.get("messages", []):
                ts = graph.parse_timestamp(m.get("timestamp")) or datetime(2026, 1, 1, tzinfo=UTC)
                if "status" in m:
                    events.append(
                        StatusEvent(
                            type="status", channel="fake", account_id=ACCOUNT_ID,
                            customer=Participant(id=m["from"]), timestamp=ts, status=m["status"],
                            message_ids=[m["id"]],
                        )
                    )
                    continue
                events.append(
                    MessageEvent(
                        type="message", channel="fake", account_id=ACCOUNT_ID,
                        customer=Participant(id=m["from"]), timestamp=ts, message_id=m["id"],
                        kind="text", text=m.get("text"),
                    )
                )
        return events

    @hookimpl
    def send_reply(self, request: ReplyRequest) -> SendResult:
        return SendResult(message_id=f"out-{request.idempotency_key}")


def fake_registry() -> ChannelRegistry:
    """A registry holding only the fake channel (what ``load_channels(['fake'])`` would return)."""
    registry = ChannelRegistry(pm=new_plugin_manager())
    registry.register(FakeChannel(), "fake")
    return registry


def payload(n: int = 1, *, text: str = "where is my order?", start: int = 0, sender: str = "cust-1") -> bytes:
    """A webhook body with n customer messages, as compact JSON bytes."""
    messages = [
        {"id": f"m-{start + i}", "from": sender, "timestamp": 1767225600 + i, "text": f"{text} #{start + i}"}
        for i in range(n)
    ]
    return json.dumps({"object": "fake", "entry": [{"messages": messages}]}, separators=(",", ":")).encode()


def url_event(
    method: str = "POST",
    body: bytes | str = b"",
    *,
    secret: str | None = APP_SECRET,
    headers: dict[str, str] | None = None,
    base64_encoded: bool = False,
    raw_query: str | None = None,
) -> dict[str, Any]:
    """A Lambda Function URL event (payload format 2.0) signed with ``secret`` (None: unsigned)."""
    raw = body.encode() if isinstance(body, str) else body
    hdrs = {"content-type": "application/json", "user-agent": "facebookexternalua"}
    if secret is not None and method == "POST":
        hdrs["x-hub-signature-256"] = graph.sign_body(raw, secret)
    hdrs.update(headers or {})
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": raw_query or "",
        "headers": hdrs,
        "requestContext": {
            "accountId": "anonymous",
            "requestId": "req-123",
            "http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
        },
        "isBase64Encoded": base64_encoded,
    }
    if method == "POST":
        event["body"] = base64.b64encode(raw).decode() if base64_encoded else raw.decode("utf-8")
    return event
