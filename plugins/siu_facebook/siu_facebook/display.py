"""How the inbox shows Messenger: name, icon (our own line drawing, not the trademark), colour, wording."""

from __future__ import annotations

from typing import Any

#: ``ChannelInfo`` display fields (contract 1.4).
DISPLAY: dict[str, Any] = {
    "short_name": "Messenger",
    "accent_color": "#0b57d0",
    "icon": [
        "M12 3.5c-4.9 0-8.5 3.5-8.5 8 0 2.4 1 4.5 2.8 6V21l3.1-1.7c.8.2 1.7.3 2.6.3 "
        "4.9 0 8.5-3.5 8.5-8S16.9 3.5 12 3.5z",
    ],
    "icon_solid": ["M7.5 13.5l3-3.2 2.2 1.8 3.8-2.6-3 3.2-2.2-1.8z"],
    "human_agent_note": "Meta allows it only for a person answering the customer, with no promotions or "
                        "automated messages.",
}
