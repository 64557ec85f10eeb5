"""Answer like the Bot API for ``siu dev``: ``sendMessage``, ``sendPhoto`` & co. (by URL), ``getFile``,
``getMe`` and file downloads.

The stand-in checks what Telegram checks (a missing chat id, an empty or too long text) and answers
with Telegram's error envelope, so a bug in :mod:`siu_telegram.send` shows up locally.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets as pysecrets
import struct
import time
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from siu_core.plugin import StandInResponse
from siu_telegram.config import MAX_TEXT_LENGTH

#: The bot the stand-in plays when its token does not start with a bot id.
DEFAULT_BOT_ID = 7000000001
_TOKEN_RE = re.compile(r"^bot([A-Za-z0-9:_-]+)$")


def _png_1x1() -> bytes:
    """A valid one-pixel PNG: what the stand-in serves for any file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) \
        + chunk(b"IEND", b"")


PLACEHOLDER_FILE = _png_1x1()


def bot_error(code: int, description: str, **parameters: Any) -> StandInResponse:
    """Telegram's error envelope; ``error_code`` mirrors the HTTP status."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return StandInResponse(status=code, body=body)


def _ok(result: Any) -> StandInResponse:
    return StandInResponse(status=200, body={"ok": True, "result": result})


def _params(query: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
    """Parameters as Telegram reads them: query string, then a JSON or form body on top."""
    params: dict[str, Any] = dict(query)
    if not body:
        return params
    try:
        data = json.loads(body)
    except ValueError:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            return None
    if not isinstance(data, dict):
        return None
    params.update(data)
    return params


def _bot_id(token: str) -> int:
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() and len(head) <= 15 else DEFAULT_BOT_ID


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,16}", value):
        return int(value)
    return None


def stand_in_response(method: str, path: str, query: Mapping[str, str], body: bytes) -> StandInResponse | None:
    """Route one call: ``/bot{token}/{method}`` or ``GET /file/bot{token}/{file_path}``."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "file" and _TOKEN_RE.match(parts[1]):
        if method != "GET":
            return bot_error(405, "Method Not Allowed")
        return StandInResponse(status=200, body=PLACEHOLDER_FILE, content_type="image/png")
    if len(parts) != 2:
        return None
    token = _TOKEN_RE.match(parts[0])
    if token is None:
        return bot_error(404, "Not Found")
    params = _params(query, body)
    if params is None:
        return bot_error(400, "Bad Request: can't parse request parameters")
    name = parts[1].lower()
    if name == "sendmessage":
        return _send_message(params, _bot_id(token.group(1)))
    if name in _FILE_METHODS:
        return _send_file(_FILE_METHODS[name], params, _bot_id(token.group(1)))
    if name == "getfile":
        return _get_file(params)
    if name == "getme":
        return _ok({"id": _bot_id(token.group(1)), "is_bot": True, "first_name": "siu dev bot",
                    "username": "siu_dev_bot"})
    return bot_error(404, "Not Found: method not found")


def _send_message(params: Mapping[str, Any], bot_id: int) -> StandInResponse:
    chat = _int(params.get("chat_id"))
    if chat is None:
        return bot_error(400, "Bad Request: chat_id is empty" if "chat_id" not in params else
                         "Bad Request: chat not found")
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        return bot_error(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        return bot_error(400, "Bad Request: message is too long")
    message: dict[str, Any] = {
        "message_id": pysecrets.randbelow(2_000_000_000) + 1,
        "from": {"id": bot_id, "is_bot": True, "first_name": "siu dev bot", "username": "siu_dev_bot"},
        "chat": {"id": chat, "type": "private"},
        "date": int(time.time()),
        "text": text,
    }
    reply = params.get("reply_parameters")
    if reply is not None:
        target = _int(reply.get("message_id")) if isinstance(reply, dict) else None
        if target is None:
            return bot_error(400, "Bad Request: can't parse reply parameters JSON object")
        message["reply_to_message"] = {"message_id": target, "chat": {"id": chat, "type": "private"}, "date": 0}
    return _ok(message)


#: sendPhoto & co.: the parameter naming the file, and the field the sent Message describes it in.
_FILE_METHODS = {"sendphoto": "photo", "senddocument": "document", "sendvideo": "video", "sendaudio": "audio"}


def _send_file(field: str, params: Mapping[str, Any], bot_id: int) -> StandInResponse:
    """A file sent by URL: the URL must be http(s) (the stand-in does not fetch it); the caption within 1024."""
    chat = _int(params.get("chat_id"))
    if chat is None:
        return bot_error(400, "Bad Request: chat_id is empty" if "chat_id" not in params else
                         "Bad Request: chat not found")
    url = params.get(field)
    if not isinstance(url, str) or not re.match(r"^https?://", url):
        return bot_error(400, f"Bad Request: there is no {field} in the request")
    caption = params.get("caption")
    if caption is not None and (not isinstance(caption, str) or len(caption) > 1024):
        return bot_error(400, "Bad Request: message caption is too long")
    unique = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    described: Any = {"file_id": f"dev-{unique}", "file_unique_id": unique}
    message: dict[str, Any] = {
        "message_id": pysecrets.randbelow(2_000_000_000) + 1,
        "from": {"id": bot_id, "is_bot": True, "first_name": "siu dev bot", "username": "siu_dev_bot"},
        "chat": {"id": chat, "type": "private"},
        "date": int(time.time()),
        field: [described] if field == "photo" else described,
    }
    if caption:
        message["caption"] = caption
    return _ok(message)


def _get_file(params: Mapping[str, Any]) -> StandInResponse:
    file_id = params.get("file_id")
    if not isinstance(file_id, str) or not file_id:
        return bot_error(400, "Bad Request: file_id not specified")
    unique = hashlib.sha256(file_id.encode("utf-8")).hexdigest()[:16]
    return _ok({"file_id": file_id, "file_unique_id": unique, "file_size": len(PLACEHOLDER_FILE),
                "file_path": f"photos/file_{unique}.png"})
