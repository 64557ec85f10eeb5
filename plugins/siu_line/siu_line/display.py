"""How the inbox shows LINE: icon (our own line drawing, not the trademark) and colour."""

from __future__ import annotations

from typing import Any

#: ``ChannelInfo`` display fields (contract 1.4); LINE has no reply window, so no window wording.
#: The colour is LINE's green darkened to 4.5:1 on white (the brand green itself is too light).
DISPLAY: dict[str, Any] = {
    "accent_color": "#007a35",
    "icon": [
        "M12 4c-5 0-9 3.1-9 7 0 3.4 3 6.2 7.1 6.8l-.6 2.7 4.3-2.8c3.9-.8 6.2-3.5 6.2-6.7 0-3.9-4-7-9-7z",
        "M8 9.5v3h1.6 M11.2 9.5v3 M13.4 12.5v-3l2.2 3v-3",
    ],
}
