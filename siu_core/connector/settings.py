"""The deployment's per-channel settings overrides, read once per cold start from the environment."""

from __future__ import annotations

import json
import os
from typing import Any

from siu_core.errors import ConfigError

SETTINGS_ENV = "SIU_CHANNEL_SETTINGS"


def channel_settings_from_env() -> dict[str, Any]:
    """The deployment's settings overrides for this channel, from ``$SIU_CHANNEL_SETTINGS`` (JSON)."""
    raw = os.environ.get(SETTINGS_ENV, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{SETTINGS_ENV} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{SETTINGS_ENV} must be a JSON object")
    return value
