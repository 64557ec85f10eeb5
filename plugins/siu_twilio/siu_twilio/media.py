"""Download inbound media: ``GET`` the ``MediaUrl`` with basic auth; Twilio redirects to its media CDN.

The account's credentials only ever go to Twilio: the URL must be a Media resource of this account
(``/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}``) on ``api.twilio.com``
or the configured ``api_base_url``, and it is fetched from ``api_base_url`` (so ``siu dev``'s stand-in
serves it). ``requests`` drops the credentials when the redirect leaves the API host.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from siu_core.plugin import Attachment, MediaContent, PermanentSendError, require_secret
from siu_twilio import api
from siu_twilio.config import API_VERSION, CHANNEL, account_sid, read_settings

TWILIO_API_HOST = "api.twilio.com"
_MEDIA_PATH_RE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[A-Za-z0-9_-]{{2,64}})/Messages/[A-Z]{{2}}[0-9a-fA-F]{{32}}"
    r"/Media/(?P<media>ME[0-9a-fA-F]{32})$"
)
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})


def media_path(url: str, api_base_url: str, account: str) -> tuple[str, str]:
    """``(path, media SID)`` of a Media resource URL of this account on Twilio's API, or a permanent refusal.

    The path is Twilio's (``/2010-04-01/...``): a URL on ``api_base_url`` loses that base's own path first.
    """
    parts = urlsplit(url)
    base = urlsplit(api_base_url)
    path = parts.path
    if parts.hostname == base.hostname and base.path.strip("/") and path.startswith(base.path.rstrip("/") + "/"):
        path = path[len(base.path.rstrip("/")):]
    if parts.scheme not in ("https", "http") or parts.hostname not in (TWILIO_API_HOST, base.hostname):
        raise PermanentSendError("the media URL is not on Twilio's API: siu sends the account's credentials "
                                 "to Twilio only")
    match = _MEDIA_PATH_RE.match(path)
    if match is None:
        raise PermanentSendError("the media URL is not a Twilio Media resource")
    if match.group("account") != account:
        raise PermanentSendError("the media belongs to another Twilio account than secret field 'account_sid'")
    return path, match.group("media")


def mime_type(attachment: Attachment, resp: Any) -> str | None:
    """The type the webhook declared first, then the one the CDN served."""
    if attachment.mime_type:
        return attachment.mime_type
    header = resp.headers.get("Content-Type") if hasattr(resp, "headers") else None
    served = header.split(";")[0].strip().lower() if isinstance(header, str) else ""
    return served if served and served not in GENERIC_TYPES else None


def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch the bytes behind an inbound ``MediaUrl``; None when the attachment has no URL."""
    if not attachment.url:
        return None
    config = read_settings(settings)
    sid = account_sid(secrets)
    token = require_secret(secrets, "auth_token", CHANNEL)
    path, media_sid = media_path(attachment.url, config.api_base_url, sid)
    resp = api.get(session, config.api_base_url + path, (sid, token), config.timeout)
    mime = mime_type(attachment, resp)
    extension = mimetypes.guess_extension(mime) if mime else None
    return MediaContent(content=resp.content, mime_type=mime,
                        filename=attachment.filename or f"{media_sid}{extension or ''}")
