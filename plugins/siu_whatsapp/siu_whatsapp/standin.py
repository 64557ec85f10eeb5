"""Answer like the WhatsApp Cloud API for ``siu dev``: send a message, look up and download media, list templates.

The stand-in checks requests the way Meta does (a malformed send gets Meta's ``(#100)`` error
envelope), so a bug in :mod:`siu_whatsapp.send` shows up locally rather than in production.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import uuid
import zlib
from collections.abc import Mapping
from typing import Any

from siu_meta.graph import DEFAULT_GRAPH_BASE_URL

from siu_core.plugin import StandInResponse
from siu_whatsapp.config import MAX_TEXT_LENGTH

_VERSION_RE = re.compile(r"^v\d+\.\d+$")
MEDIA_PATH = "media"


def _png_1x1() -> bytes:
    """A valid one-pixel PNG: what the stand-in serves for any media id."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PLACEHOLDER_MEDIA = _png_1x1()

#: The account's templates as ``siu dev``'s WhatsApp reports them: three approved, one still in review.
STAND_IN_TEMPLATES: tuple[dict[str, Any], ...] = (
    {"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY", "id": "1001",
     "parameter_format": "POSITIONAL",
     "components": [{"type": "BODY", "text": "Your order {{1}} has an update. Reply to this message to continue."}]},
    {"name": "appointment_reminder", "language": "en_US", "status": "APPROVED", "category": "UTILITY", "id": "1002",
     "parameter_format": "POSITIONAL",
     "components": [{"type": "HEADER", "format": "TEXT", "text": "Reminder"},
                    {"type": "BODY", "text": "Hi {{1}}, this is a reminder of your appointment on {{2}}."}]},
    {"name": "hello_world", "language": "en_US", "status": "APPROVED", "category": "UTILITY", "id": "1003",
     "parameter_format": "POSITIONAL",
     "components": [{"type": "BODY", "text": "Hello! We are here if you need anything."}]},
    {"name": "summer_sale", "language": "en_US", "status": "PENDING", "category": "MARKETING", "id": "1004",
     "parameter_format": "POSITIONAL",
     "components": [{"type": "BODY", "text": "Our summer sale starts {{1}}."}]},
)


def stand_in_response(method: str, path: str, body: bytes, settings: Mapping[str, Any]) -> StandInResponse | None:
    """Route one call: ``POST /vX/{id}/messages``, ``GET /vX/{media_id}``, ``GET /media/{id}``."""
    parts = [p for p in path.split("/") if p]
    if method == "POST" and len(parts) == 3 and _VERSION_RE.match(parts[0]) and parts[2] == "messages":
        return _send_answer(body)
    if method == "GET" and len(parts) == 3 and _VERSION_RE.match(parts[0]) and parts[2] == "message_templates":
        return StandInResponse(status=200, body={"data": [dict(t) for t in STAND_IN_TEMPLATES],
                                                 "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}})
    if method == "GET" and len(parts) == 2 and _VERSION_RE.match(parts[0]):
        return _media_info(parts[1], settings)
    if method == "GET" and len(parts) == 2 and parts[0] == MEDIA_PATH:
        return StandInResponse(status=200, body=PLACEHOLDER_MEDIA, content_type="image/png")
    return None


def graph_error(status: int, code: int, message: str, details: str | None = None) -> StandInResponse:
    """Meta's error envelope, as the Cloud API returns it."""
    error: dict[str, Any] = {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "siu-dev-stand-in"
    return StandInResponse(status=status, body={"error": error})


def _send_answer(body: bytes) -> StandInResponse:
    try:
        request = json.loads(body)
    except ValueError:
        return graph_error(400, 100, "Invalid parameter", "the request body is not JSON")
    problem = _send_problem(request)
    if problem:
        return graph_error(400, 100, "Invalid parameter", problem)
    to, bsuid = request.get("to"), request.get("recipient")
    contact = {"input": to, "wa_id": to.lstrip("+")} if isinstance(to, str) else {"input": bsuid, "user_id": bsuid}
    wamid = "wamid." + base64.b64encode(b"siu-dev:" + uuid.uuid4().bytes).decode("ascii")
    message: dict[str, str] = {"id": wamid}
    if request.get("type") == "template":
        message["message_status"] = "accepted"
    return StandInResponse(
        status=200, body={"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}
    )


def _send_problem(request: Any) -> str | None:
    """What Meta would reject in a send request, or None."""
    if not isinstance(request, dict) or request.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if not isinstance(request.get("to"), str) and not isinstance(request.get("recipient"), str):
        return "a recipient ('to' or 'recipient') is required"
    kind = request.get("type")
    if kind == "text":
        text = request.get("text")
        body = text.get("body") if isinstance(text, dict) else None
        if not isinstance(body, str) or not body:
            return "text.body is required"
        if len(body) > MAX_TEXT_LENGTH:
            return f"text.body is longer than {MAX_TEXT_LENGTH} characters"
        return None
    if kind == "template":
        template = request.get("template")
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            return "template.name is required"
        language = template.get("language")
        if not isinstance(language, dict) or not isinstance(language.get("code"), str):
            return "template.language.code is required"
        return None
    if kind in ("image", "document", "video", "audio"):
        media = request.get(kind)
        link = media.get("link") if isinstance(media, dict) else None
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            return f"{kind}.link must be an http(s) URL"
        caption = media.get("caption") if isinstance(media, dict) else None
        if caption is not None and (kind == "audio" or not isinstance(caption, str) or len(caption) > 1024):
            return f"{kind}.caption is not allowed or longer than 1024 characters"
        return None
    return f"the stand-in does not handle message type {kind!r}"


def _media_info(media_id: str, settings: Mapping[str, Any]) -> StandInResponse:
    base = str(settings.get("api_base_url") or DEFAULT_GRAPH_BASE_URL).rstrip("/")
    return StandInResponse(
        status=200,
        body={
            "messaging_product": "whatsapp",
            "url": f"{base}/{MEDIA_PATH}/{media_id}",
            "mime_type": "image/png",
            "sha256": hashlib.sha256(PLACEHOLDER_MEDIA).hexdigest(),
            "file_size": len(PLACEHOLDER_MEDIA),
            "id": media_id,
        },
    )
