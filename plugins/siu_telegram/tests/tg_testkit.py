"""Shared helpers for the Telegram plugin's tests: the loaded channel and its shipped fixtures."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from siu_contract.fixtures import load_fixtures
from siu_contract.manifest import Manifest

from siu_core.plugins import Channel, load_channels

CONTRACT = Path(__file__).resolve().parent.parent / "siu_telegram" / "contract"


@cache
def channel() -> Channel:
    """The Telegram channel, loaded through its entry point like the connector loads it."""
    return load_channels(["telegram"]).get("telegram")


@cache
def manifest() -> Manifest:
    """The shipped manifest, strictly validated."""
    return load_fixtures(CONTRACT / "manifest.json", "telegram").manifest


def fixture_bytes(relative: str) -> bytes:
    """A fixture file's exact bytes."""
    return (CONTRACT / relative).read_bytes()


def webhook(payload: dict[str, Any]) -> bytes:
    """A body as Telegram would POST it."""
    return json.dumps(payload).encode("utf-8")


def private_message(**content: Any) -> dict[str, Any]:
    """An Update carrying one private-chat message from a fixed customer."""
    user = {"id": 42, "is_bot": False, "first_name": "Ana", "last_name": "Lima"}
    message = {"message_id": 7, "from": user, "chat": {"id": 42, "first_name": "Ana", "type": "private"},
               "date": 1770714000, **content}
    return {"update_id": 1, "message": message}
