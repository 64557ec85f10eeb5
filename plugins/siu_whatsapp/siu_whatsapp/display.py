"""How the inbox shows WhatsApp: name, icon (our own line drawing, not the trademark), colour, wording."""

from __future__ import annotations

from typing import Any

#: ``ChannelInfo`` display fields (contract 1.4).
DISPLAY: dict[str, Any] = {
    "accent_color": "#17803d",
    "icon": ["M20.5 11.6a8.5 8.5 0 0 1-12.6 7.5L3.5 20.5l1.4-4.2A8.5 8.5 0 1 1 20.5 11.6z"],
    "icon_solid": ["M9.2 8.2c-.4 2.6 2.6 6.2 5.9 6.3l1.1-1.4-1.9-1-.9.7a5 5 0 0 1-2.3-2.3l.7-.9-1-1.9z"],
    "template_only_note": "WhatsApp only accepts an approved template until the customer writes again.",
    "template_help": "type the name and language of a template approved in WhatsApp Manager.",
}
