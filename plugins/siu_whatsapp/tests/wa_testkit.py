"""Shared helpers for the WhatsApp plugin's tests: the shipped manifest, the loaded channel, fake HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import requests
from siu_contract.manifest import MANIFEST_DIR, MANIFEST_FILE, Manifest
from siu_contract.mappings import as_models  # noqa: F401  # re-exported for the tests
from siu_whatsapp.config import DEFAULT_SETTINGS

from siu_core.plugins import Channel, load_channels


def contract_dir() -> Path:
    """The fixtures folder as installed (the same files the wheel ships)."""
    return Path(str(resources.files("siu_whatsapp").joinpath(MANIFEST_DIR)))


@cache
def manifest() -> Manifest:
    """The plugin's manifest, validated by the contract suite's strict model."""
    raw = (contract_dir() / MANIFEST_FILE).read_text(encoding="utf-8")
    return Manifest.model_validate(json.loads(raw))


def fixture_bytes(rel: str) -> bytes:
    """A fixture file's raw bytes, exactly as a webhook would deliver them."""
    return (contract_dir() / rel).read_bytes()


@cache
def channel() -> Channel:
    """The whatsapp channel loaded through entry points, the way the core loads it."""
    registry = load_channels(["whatsapp"])
    assert not registry.failures, registry.failures
    return registry.get("whatsapp")


def settings(**overrides: Any) -> dict[str, Any]:
    """Default settings plus the manifest's, plus overrides."""
    return {**DEFAULT_SETTINGS, **manifest().settings, **overrides}


def response(
    status: int, body: Any = None, *, content: bytes | None = None, content_type: str = "application/json"
) -> requests.Response:
    """A real requests.Response with a canned answer."""
    resp = requests.Response()
    resp.status_code = status
    resp._content = content if content is not None else json.dumps(body).encode()
    resp.headers["Content-Type"] = content_type
    return resp


@dataclass
class FakeSession:
    """Answers POST/GET from a queue and records every call (so tests can see headers and bodies)."""

    answers: list[requests.Response | Exception] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def _answer(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        """Record a POST and return the next canned answer."""
        return self._answer("POST", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """Record a GET and return the next canned answer."""
        return self._answer("GET", url, **kwargs)

