"""Answer like the Messaging API for ``siu dev``: push, reply, content downloads, bot info and profiles.

The stand-in checks what LINE checks (a missing ``to`` or reply token, no messages or more than five,
an empty or too long text) and answers with LINE's error shape, so a bug in :mod:`siu_line.send`
shows up locally. Content is served from the same base (``data_api_base_url`` follows
``api_base_url`` when left empty), as a one-pixel PNG.
"""

from __future__ import annotations

import json
import re
import secrets as pysecrets
import struct
import zlib
from typing import Any

from siu_core.plugin import StandInResponse
from siu_line.config import MAX_TEXT_LENGTH
from siu_line.send import utf16_length

#: The bot the stand-in plays (what ``GET /v2/bot/info`` answers).
DEV_BOT_USER_ID = "U0000000000000000000000000000d3v"
_CONTENT_RE = re.compile(r"^/v2/bot/message/([A-Za-z0-9_-]{1,128})/content$")
_PROFILE_RE = re.compile(r"^/v2/bot/profile/([A-Za-z0-9_.:-]{1,128})$")
MAX_MESSAGES = 5


def _png_1x1() -> bytes:
    """A valid one-pixel PNG: what the stand-in serves for any content."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) \
        + chunk(b"IEND", b"")


PLACEHOLDER_CONTENT = _png_1x1()


def line_error(status: int, message: str, *details: tuple[str, str]) -> StandInResponse:
    """LINE's error shape: a message and, for a bad body, one detail per property."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [{"message": text, "property": prop} for prop, text in details]
    return StandInResponse(status=status, body=body)


def _check_messages(messages: Any) -> list[tuple[str, str]]:
    """The property errors LINE reports for a ``messages`` array siu could send (text and image messages)."""
    if not isinstance(messages, list) or not messages:
        return [("messages", "must be specified")]
    if len(messages) > MAX_MESSAGES:
        return [("messages", f"Size must be between 1 and {MAX_MESSAGES}")]
    problems: list[tuple[str, str]] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if isinstance(message, dict) and message.get("type") == "image":
            for field in ("originalContentUrl", "previewImageUrl"):
                url = message.get(field)
                if not isinstance(url, str) or not url.startswith(("https://", "http://")):  # LINE: https only
                    problems.append((f"{where}.{field}", "must be specified"))
            continue
        if not isinstance(message, dict) or message.get("type") != "text":
            problems.append((f"{where}.type", "Only text and image messages are served by the siu stand-in"))
            continue
        text = message.get("text")
        if not isinstance(text, str) or not text:
            problems.append((f"{where}.text", "must be specified"))
        elif utf16_length(text) > MAX_TEXT_LENGTH:
            problems.append((f"{where}.text", f"Length must be between 0 and {MAX_TEXT_LENGTH}"))
    return problems


def _sent(count: int) -> StandInResponse:
    sent = [{"id": str(10**17 + pysecrets.randbelow(9 * 10**17)), "quoteToken": pysecrets.token_urlsafe(24)}
            for _ in range(count)]
    return StandInResponse(status=200, body={"sentMessages": sent})


def _send(path: str, body: bytes) -> StandInResponse:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return line_error(400, "The request body could not be parsed as JSON")
    if not isinstance(data, dict):
        return line_error(400, "The request body could not be parsed as JSON")
    problems = _check_messages(data.get("messages"))
    target = "to" if path.endswith("/push") else "replyToken"
    value = data.get(target)
    if not isinstance(value, str) or not value:
        problems.insert(0, (target, "must be specified"))
    if problems:
        return line_error(400, f"The request body has {len(problems)} error(s)", *problems)
    return _sent(len(data["messages"]))


def stand_in_response(method: str, path: str, body: bytes) -> StandInResponse | None:
    """Route one call relative to ``api_base_url``; None for a call LINE would not understand."""
    if path in ("/v2/bot/message/push", "/v2/bot/message/reply"):
        if method != "POST":
            return line_error(405, "Method Not Allowed")
        return _send(path, body)
    if method != "GET":
        return None
    if _CONTENT_RE.match(path):
        return StandInResponse(status=200, body=PLACEHOLDER_CONTENT, content_type="image/png")
    if path == "/v2/bot/info":
        return StandInResponse(status=200, body={"userId": DEV_BOT_USER_ID, "basicId": "@siudev",
                                                 "displayName": "siu dev bot", "chatMode": "chat",
                                                 "markAsReadMode": "manual"})
    profile = _PROFILE_RE.match(path)
    if profile is not None:
        return StandInResponse(status=200, body={"userId": profile.group(1), "displayName": "Customer",
                                                 "language": "en"})
    return None
