"""Shared helpers for the LINE plugin's tests: the loaded channel, its shipped fixtures, a recording session."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import requests  # noqa: F401 - at collection: urllib3's first import probes IPv6 by binding a socket
from siu_contract.fixtures import load_fixtures
from siu_contract.manifest import Manifest

from siu_core.plugins import Channel, load_channels

CONTRACT = Path(__file__).resolve().parent.parent / "siu_line" / "contract"


@cache
def channel() -> Channel:
    """The LINE channel, loaded through its entry point like the connector loads it."""
    return load_channels(["line"]).get("line")


@cache
def manifest() -> Manifest:
    """The shipped manifest, strictly validated."""
    return load_fixtures(CONTRACT / "manifest.json", "line").manifest


def fixture_bytes(relative: str) -> bytes:
    """A fixture file's exact bytes."""
    return (CONTRACT / relative).read_bytes()


def body(*events: Any, destination: str = "Ubot") -> bytes:
    """A webhook body as LINE would POST it."""
    return json.dumps({"destination": destination, "events": list(events)}).encode("utf-8")


def text_event(text: str = "hi", *, message_id: str = "100", user: str = "Uabc", **extra: Any) -> dict[str, Any]:
    """A text message event from a user in a one-to-one chat."""
    return {"type": "message", "message": {"type": "text", "id": message_id, "quoteToken": "q", "text": text},
            "webhookEventId": "01JKQ0000000000000000000AA", "deliveryContext": {"isRedelivery": False},
            "timestamp": 1770714000000, "source": {"type": "user", "userId": user}, "replyToken": "r" * 32,
            "mode": "active", **extra}


@dataclass
class Answer:
    """A response as the plugin reads it: status, JSON (or not), headers, bytes."""

    status_code: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    def json(self) -> Any:
        """The JSON body, or ValueError like requests for a body that is not JSON."""
        if self.payload is None:
            raise ValueError("not JSON")
        return self.payload


@dataclass
class Session:
    """A stand-in for ``requests.Session``: answers from a list, remembers every call (no socket)."""

    answers: list[Answer]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def post(self, url: str, *, json: Any, timeout: float, headers: dict[str, str]) -> Answer:
        """Record a POST and give the next answer."""
        self.calls.append({"method": "POST", "url": url, "json": json, "headers": headers})
        return self.answers.pop(0)

    def get(self, url: str, *, timeout: float, headers: dict[str, str]) -> Answer:
        """Record a GET and give the next answer."""
        self.calls.append({"method": "GET", "url": url, "headers": headers})
        return self.answers.pop(0)
