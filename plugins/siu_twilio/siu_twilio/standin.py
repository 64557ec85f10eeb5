"""Answer like the Twilio REST API for ``siu dev``: create a Message, fetch a Media resource.

The stand-in checks what Twilio checks (a To, a From, a Body or a Content SID, at most 1600
characters) and answers with Twilio's error envelope, so a bug in :mod:`siu_twilio.send` shows up
locally. A created Message has Twilio's answer shape, status ``queued``.
"""

from __future__ import annotations

import re
import secrets as pysecrets
import struct
import zlib
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

from siu_core.plugin import StandInResponse
from siu_twilio.config import API_VERSION, MAX_TEXT_LENGTH

#: Any account id the deployment uses (``siu dev`` makes up its own), then Twilio's resource path.
_MESSAGES_RE = re.compile(rf"^/{API_VERSION}/Accounts/([A-Za-z0-9_-]{{2,64}})/Messages\.json$")
_MEDIA_RE = re.compile(rf"^/{API_VERSION}/Accounts/[A-Za-z0-9_-]{{2,64}}/Messages/[A-Z]{{2}}[0-9a-fA-F]{{32}}"
                       r"/Media/ME[0-9a-fA-F]{32}$")


def _png_1x1() -> bytes:
    """A valid one-pixel PNG: what the stand-in serves for any media."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) \
        + chunk(b"IEND", b"")


PLACEHOLDER_MEDIA = _png_1x1()
CONTENT_LIST_PATH = "/v1/ContentAndApprovals"
#: The templates ``siu dev`` offers: one approved by WhatsApp, one still in review.
DEV_TEMPLATES = [
    ("HX" + "de" * 16, "order_update", "en", {"1": "order number"}, "approved", "UTILITY"),
    ("HX" + "ad" * 16, "spring_offer", "en", {}, "pending", "MARKETING"),
]


def twilio_error(status: int, code: int, message: str) -> StandInResponse:
    """Twilio's error envelope."""
    return StandInResponse(status=status, body={"code": code, "message": message,
                                                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                                "status": status})


def _form(body: bytes) -> dict[str, str] | None:
    """The form's fields (a repeated field, like ``MediaUrl``, joined by spaces)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return None
    form: dict[str, str] = {}
    for key, value in pairs:
        form[key] = f"{form[key]} {value}" if key in form else value
    return form


def stand_in_response(method: str, path: str, body: bytes) -> StandInResponse | None:
    """Route one call: ``POST .../Messages.json``, ``GET .../Media/{MediaSid}`` or the Content template list."""
    messages = _MESSAGES_RE.match(path)
    if messages is not None:
        if method != "POST":
            return twilio_error(405, 20004, "Method not allowed")
        form = _form(body)
        if form is None:
            return twilio_error(400, 21609, "Invalid request body")
        return create_message(messages.group(1), form)
    if path == CONTENT_LIST_PATH:
        if method != "GET":
            return twilio_error(405, 20004, "Method not allowed")
        return StandInResponse(status=200, body=content_list())
    if _MEDIA_RE.match(path):
        if method != "GET":
            return twilio_error(405, 20004, "Method not allowed")
        return StandInResponse(status=200, body=PLACEHOLDER_MEDIA, content_type="image/png")
    return None


def create_message(account_sid: str, form: Mapping[str, str]) -> StandInResponse:
    """Check a Messages create call as Twilio does; answer 201 with the queued Message."""
    to, sender = form.get("To"), form.get("From")
    if not to:
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not sender:
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    text, content = form.get("Body"), form.get("ContentSid")
    media = (form.get("MediaUrl") or "").split()
    if len(media) > 10 or any(not url.startswith(("https://", "http://")) for url in media):
        return twilio_error(400, 21620, "Invalid media URL(s)")
    if not (text and text.strip()) and not content and not media:
        return twilio_error(400, 21619, "A text message body or media urls must be specified.")
    if text and len(text) > MAX_TEXT_LENGTH:
        return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    sid = "SM" + pysecrets.token_hex(16)
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    resource: dict[str, Any] = {
        "account_sid": account_sid, "api_version": API_VERSION, "body": text or "", "date_created": now,
        "date_sent": None, "date_updated": now, "direction": "outbound-api", "error_code": None,
        "error_message": None, "from": sender, "messaging_service_sid": None, "num_media": str(len(media)),
        "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"}, "to": to, "uri": f"{uri}.json",
    }
    return StandInResponse(status=201, body=resource)


def content_list() -> dict[str, Any]:
    """The Content API's one-page answer listing :data:`DEV_TEMPLATES` with their WhatsApp review."""
    url = f"https://content.twilio.com{CONTENT_LIST_PATH}?PageSize=500&Page=0"
    contents = [
        {"sid": sid, "friendly_name": name, "language": language, "variables": variables,
         "types": {"twilio/text": {"body": "Your order {{1}} has shipped." if variables else "Spring offer!"}},
         "approval_requests": {"name": name, "category": category, "content_type": "twilio/text",
                               "status": status, "rejection_reason": "", "allow_category_change": False}}
        for sid, name, language, variables, status, category in DEV_TEMPLATES
    ]
    return {"contents": contents, "meta": {"page": 0, "page_size": 500, "first_page_url": url,
                                           "previous_page_url": None, "url": url, "next_page_url": None,
                                           "key": "contents"}}
