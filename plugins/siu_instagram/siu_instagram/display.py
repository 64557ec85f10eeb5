"""How the inbox shows Instagram: icon (our own line drawing, not the trademark), colour, wording."""

from __future__ import annotations

from typing import Any

#: ``ChannelInfo`` display fields (contract 1.4).
DISPLAY: dict[str, Any] = {
    "accent_color": "#b1226a",
    "icon": [
        "M8.5 4h7A4.5 4.5 0 0 1 20 8.5v7a4.5 4.5 0 0 1-4.5 4.5h-7A4.5 4.5 0 0 1 4 15.5v-7A4.5 4.5 0 0 1 8.5 4z",
        "M8.2 12a3.8 3.8 0 1 0 7.6 0a3.8 3.8 0 1 0-7.6 0z",
        "M16.6 7.4h.01",  # a dot: the round line cap draws it
    ],
    "human_agent_note": "Meta allows it only for a person answering the customer, with no promotions or "
                        "automated messages.",
}
