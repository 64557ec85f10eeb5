"""How the inbox shows Twilio (SMS and WhatsApp numbers): icon, colour and template wording."""

from __future__ import annotations

from typing import Any

#: ``ChannelInfo`` display fields (contract 1.4). The channel has no channel-wide window; its
#: WhatsApp senders do, and there a template is named by its Content SID.
DISPLAY: dict[str, Any] = {
    "accent_color": "#c8102e",
    "icon": [
        "M8 2.5h8a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2v-15a2 2 0 0 1 2-2z",
        "M9.5 8h5 M9.5 11.5h3.5 M11 18.5h2",
    ],
    "template_only_note": "A WhatsApp number on Twilio only accepts an approved template until the customer "
                          "writes again.",
    "template_help": "type the Content SID (HX and 32 hex digits) of an approved template as its name, "
                     "and its language.",
}
