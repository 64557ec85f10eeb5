"""Download an inbound file: ``getFile`` (file id -> ``file_path``), then ``GET /file/bot{token}/{file_path}``.

A bot may download files of up to 20 MB; for a larger one Telegram answers getFile with an error,
which maps to a permanent error like any other.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from siu_core.plugin import Attachment, MediaContent, PermanentSendError
from siu_telegram import api
from siu_telegram.config import bot_token, read_settings

GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})


def safe_file_path(value: Any) -> str:
    """getFile's ``file_path``, refused if it could leave the bot's file area; percent-encoded for the URL."""
    if not isinstance(value, str) or not value or value.startswith("/") or "\\" in value:
        raise PermanentSendError("Telegram gave no usable file_path for this file")
    parts = PurePosixPath(value).parts
    if any(part in ("..", ".") for part in parts):
        raise PermanentSendError("Telegram gave a file_path outside the bot's files")
    return quote(value, safe="/")


def mime_type(attachment: Attachment, resp: Any, file_path: str) -> str | None:
    """The declared type first (documents, voice), then the server's, then the file name's."""
    if attachment.mime_type:
        return attachment.mime_type
    header = resp.headers.get("Content-Type") if hasattr(resp, "headers") else None
    served = header.split(";")[0].strip().lower() if isinstance(header, str) else ""
    if served and served not in GENERIC_TYPES:
        return served
    return mimetypes.guess_type(file_path)[0]


def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch the bytes behind a Telegram file id; None when the attachment has none."""
    if not attachment.media_id:
        return None
    config = read_settings(settings)
    token = bot_token(secrets)
    info = api.call(session, config, token, "getFile", {"file_id": attachment.media_id})
    file_path = safe_file_path(info.get("file_path") if isinstance(info, dict) else None)
    resp = api.download(session, config.file_url(token, file_path), config.timeout)
    return MediaContent(
        content=resp.content,
        mime_type=mime_type(attachment, resp, file_path),
        filename=attachment.filename or PurePosixPath(file_path).name,
    )
