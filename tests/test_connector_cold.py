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
