"""Slack's message limits, and splitting long notices under them. Pure: no I/O.

Slack cuts a message's ``text`` above 40,000 characters and advises keeping it under 4,000; a message
holds at most 50 blocks, and a section block's text at most 3,000 characters. A long SLA notice or
digest is therefore posted as several messages, each inside every limit, lines never cut mid-way
(a single line longer than a part is cut, with a marker).
"""

from __future__ import annotations

from collections.abc import Sequence

#: The longest ``text`` a part carries (Slack's advice is under 4,000 characters).
MAX_TEXT = 3_900
#: Blocks in one message.
MAX_BLOCKS = 50
#: Characters in one section block's text.
MAX_SECTION_TEXT = 3_000
CUT = " …"


def split_lines(lines: Sequence[str], limit: int = MAX_TEXT) -> list[list[str]]:
    """The lines in consecutive parts whose joined text (newline-separated) is at most ``limit`` characters."""
    if limit <= len(CUT):
        raise ValueError("limit too small")
    parts: list[list[str]] = []
    part: list[str] = []
    size = 0
    for raw in lines:
        line = raw if len(raw) <= limit else raw[: limit - len(CUT)] + CUT
        extra = len(line) + (1 if part else 0)
        if part and size + extra > limit:
            parts.append(part)
            part, size, extra = [], 0, len(line)
        part.append(line)
        size += extra
    if part:
        parts.append(part)
    return parts


def split_text(header: str, lines: Sequence[str], limit: int = MAX_TEXT) -> list[str]:
    """``header`` then ``lines``, as one text or several, each with the header (numbered) and under ``limit``."""
    room = limit - len(header) - len(" (part 99/99)") - 1
    parts = split_lines(lines, room)
    if len(parts) <= 1:
        return ["\n".join([header, *(parts[0] if parts else [])])]
    return ["\n".join([f"{header} (part {i}/{len(parts)})", *part]) for i, part in enumerate(parts, 1)]
