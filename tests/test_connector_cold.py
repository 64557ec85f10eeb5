"""The connector's cold start: what a fresh process importing the handler does and does not do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The handler first, then the models (what loading a plugin builds): pydantic must not have scanned.
_CHILD = """
import siu_core.handlers.connector
from siu_core.models import ChannelInfo
ChannelInfo(name="x", display_name="X", version="1", contract_version="1.4", secret_fields=[])
import pydantic.plugin._loader as loader
print(loader._plugins is None)
"""


@pytest.mark.functional
def test_a_cold_connector_does_not_scan_for_pydantic_plugins() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, cwd=REPO,
                         check=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr


# Every part of the connector (siu_core.connector.*): none needs the models to import or to queue a mapping.
_PARTS = """
import sys
from datetime import UTC, datetime
from siu_core.connector import bodies, inbound, pointer, queue, request, settings, signature, unreadable
event = {"type": "message", "channel": "x", "account_id": "a", "customer": {"id": "c"},
         "timestamp": "2026-03-02T09:00:00Z", "message_id": "m1", "kind": "text", "text": "hi"}
now = datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)
found = unreadable.set_aside_unreadable("x", [event], now)
pointer.queue_bodies("x", found, now)
bodies.event_ids(found)
print("pydantic" in sys.modules)
"""


@pytest.mark.functional
def test_the_connector_parts_queue_an_event_mapping_without_pydantic() -> None:
    out = subprocess.run([sys.executable, "-c", _PARTS], capture_output=True, text=True, cwd=REPO, check=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr
