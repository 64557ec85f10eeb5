"""Download an inbound file: ``GET {data_api_base_url}/v2/bot/message/{messageId}/content``.

LINE keeps a user's content for a limited time (then 404: permanent). Video and audio may still be
converting when the webhook arrives: LINE then answers 202, read as transient so the core tries
again later. Content an external provider holds (``contentProvider.type == "external"``) comes from
its URL, without the channel access token: it is never sent anywhere but LINE.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from typing import Any

from siu_core.plugin import Attachment, MediaContent, PermanentSendError, TransientSendError
from siu_line import api
from siu_line.config import access_token, read_settings

_MESSAGE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})


def served_type(resp: Any) -> str | None:
    """The Content-Type the server gave, unless it is the generic one (then the file name's type is used)."""
    header = resp.headers.get("Content-Type") if hasattr(resp, "headers") else None
    served = header.split(";")[0].strip().lower() if isinstance(header, str) else ""
    return served if served and served not in GENERIC_TYPES else None


def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch the bytes behind a LINE message id (or an external provider's URL); None when there are none."""
    config = read_settings(settings)
    if attachment.media_id:
        if not _MESSAGE_ID_RE.match(attachment.media_id):
            raise PermanentSendError("the attachment's media id is not a LINE message id")
        resp = api.download(session, config.content_url(attachment.media_id), config.timeout,
                            access_token(secrets))
    elif attachment.url and attachment.url.startswith("https://"):
        resp = api.download(session, attachment.url, config.timeout, None)
    else:
        return None
    if resp.status_code == 202:
        raise TransientSendError("LINE is still preparing this video or audio; try again shortly",
                                 http_status=202)
    mime = attachment.mime_type or served_type(resp) or (
        mimetypes.guess_type(attachment.filename)[0] if attachment.filename else None)
    return MediaContent(content=resp.content, mime_type=mime, filename=attachment.filename)
