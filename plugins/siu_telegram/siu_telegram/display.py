"""How the inbox shows Telegram: icon (our own line drawing, not the trademark) and colour."""

from __future__ import annotations

from typing import Any

#: ``ChannelInfo`` display fields (contract 1.4); Telegram has no reply window, so no window wording.
DISPLAY: dict[str, Any] = {
    "accent_color": "#1b6aa8",
    "icon": ["M21 4 3 11.2l5.8 2L11 19l3-4 5 4z M8.8 13.2 17 7.5"],
}
