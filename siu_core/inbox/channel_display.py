"""How the inbox shows each installed channel: the plugins' display data with generic defaults.

The web UI names no platform: its channel names, icons, colours and reply-window wording come from
here (``GET /api/me`` -> ``channels``), so a third-party channel looks at home without a UI change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siu_core.models import ChannelInfo
    from siu_core.plugins import ChannelRegistry

#: The human-agent period's rule when the plugin does not word it.
HUMAN_AGENT_NOTE = "answer the customer yourself; no promotions or automated messages."


def window_name(info: ChannelInfo) -> str:
    """The reply window as teammates say it ("24-hour window"), from the channel's own policy."""
    hours = info.reply_window.standard_hours
    return f"{hours}-hour window" if hours else "reply window"


def display_view(info: ChannelInfo) -> dict[str, Any]:
    """One channel's display data, every field filled (a plugin that sets none gets generic wording)."""
    name = info.short_name or info.display_name
    return {
        "name": name,
        "accent_color": info.accent_color,
        "icon": {"outline": list(info.icon), "solid": list(info.icon_solid)},
        "window_name": window_name(info),
        "template_only_note": info.template_only_note
        or f"{name} only accepts an approved template until the customer writes again.",
        "template_help": info.template_help or "type the name and language of a template the platform approved.",
        "human_agent_note": info.human_agent_note or HUMAN_AGENT_NOTE,
    }


def channels_view(registry: ChannelRegistry) -> Mapping[str, dict[str, Any]]:
    """Every loaded channel's display data by channel name (what the inbox page reads once)."""
    return {name: display_view(registry.get(name).info) for name in registry.names()}
