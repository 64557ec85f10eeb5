"""Download an inbound attachment: media id -> ``GET /{media_id}`` -> short-lived URL -> bytes.

Both calls carry the access token (Meta's media URLs need it), so the token is only ever sent to
an ``https`` URL, or to the configured API host itself (the local stand-in runs on plain http).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

from siu_meta.graph import graph_get

from siu_core.plugin import Attachment, MediaContent, PermanentSendError, TransientSendError, require_secret
from siu_whatsapp.config import CHANNEL, Settings, read_settings
from siu_whatsapp.send import POLICY

#: Media calls have no reply window: every other mapping is the send path's.
MEDIA_POLICY = replace(POLICY, window_closed=frozenset(), window_closed_allowed=())


def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch the bytes behind a WhatsApp media id; None when the attachment has no media id."""
    if not attachment.media_id:
        return None  # a plain URL needs no token and is not ours to fetch
    config = read_settings(settings)
    token = require_secret(secrets, "access_token", CHANNEL)
    meta = graph_get(
        session,
        config.url(quote(attachment.media_id, safe="")),
        access_token=token,
        policy=MEDIA_POLICY,
        timeout=config.timeout,
    )
    info = _media_info(meta)
    url = info["url"]
    _check_url(url, config)
    resp = graph_get(session, url, access_token=token, policy=MEDIA_POLICY, timeout=config.timeout)
    mime = info.get("mime_type") or _content_type(resp) or attachment.mime_type
    return MediaContent(content=resp.content, mime_type=mime, filename=attachment.filename)


def _media_info(resp: Any) -> dict[str, Any]:
    try:
        info = resp.json()
    except ValueError:
        info = None
    if not isinstance(info, dict) or not isinstance(info.get("url"), str) or not info["url"]:
        raise TransientSendError("the media lookup answered without a download URL")
    if not isinstance(info.get("mime_type"), str):
        info.pop("mime_type", None)
    return info


def _check_url(url: str, config: Settings) -> None:
    parts, base = urlsplit(url), urlsplit(config.api_base_url)
    if parts.scheme == "https" and parts.netloc:
        return
    if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
        return
    raise PermanentSendError("the media URL is not https; the access token is not sent there")


def _content_type(resp: Any) -> str | None:
    value = resp.headers.get("Content-Type") if hasattr(resp, "headers") else None
    if not isinstance(value, str):
        return None
    return value.split(";")[0].strip() or None
