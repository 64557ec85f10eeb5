"""Display checks (contract 1.4): how the inbox shows the channel stays legible whatever the plugin declares.

The model already refuses malformed display data (a colour that is not ``#rrggbb``, icon path data with
markup or over the size limit); what only a rendering rule can say is checked here.
"""

from __future__ import annotations

from siu_contract.checks import ContractViolation
from siu_core.plugins import ChannelRegistry

#: WCAG 2.1 non-text contrast (1.4.11): an icon needs 3:1 against what is behind it.
MIN_ICON_CONTRAST = 3.0
#: The inbox's lightest background behind a channel icon (the queue row and the thread header).
PAGE_BACKGROUND = "#ffffff"


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def check_display(registry: ChannelRegistry, name: str) -> None:
    """A channel's accent colour must stay visible on the inbox's white rows (a teammate scans by icon)."""
    colour = registry.channels[name].info.accent_color
    if colour is None:
        return
    ratio = contrast(colour, PAGE_BACKGROUND)
    if ratio < MIN_ICON_CONTRAST:
        raise ContractViolation(
            f"channel_info().accent_color {colour} has {ratio:.2f}:1 contrast on the inbox's white background; "
            f"an icon needs at least {MIN_ICON_CONTRAST:.0f}:1 (WCAG 1.4.11): choose a darker shade"
        )
