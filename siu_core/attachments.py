"""The rules a teammate's file meets before it is uploaded or sent: the channel's declared capability.

Pure functions, no I/O: the upload route checks a file's type and size here before it hands out an
upload URL, the reply route again before it sends, and :meth:`siu_core.plugins.Channel.send_reply`
once more so a plugin that declared no capability is never given a file. A refusal is an
:class:`AttachmentRefused` with a machine-readable code the API answers with.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from siu_core.errors import InvalidReply

if TYPE_CHECKING:
    from siu_core.models import AttachmentSupport, ChannelInfo, OutboundKind, ReplyRequest

#: The longest file name kept (the platforms show a few tens of characters of it).
MAX_FILENAME = 120


class AttachmentRefused(InvalidReply):
    """A file the channel cannot carry: ``reason`` says why (``channel_cannot_attach``, ``unsupported_type``,
    ``too_large``, ``too_many``, ``caption_unsupported``), ``details`` what the limit is."""

    def __init__(self, reason: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.details = details


def capability_view(support: AttachmentSupport | None) -> dict[str, Any] | None:
    """The capability as the API returns it, so the composer checks type and size before uploading."""
    if support is None:
        return None
    return {"kinds": {kind: {"content_types": list(rule.content_types), "max_bytes": rule.max_bytes}
                      for kind, rule in support.kinds.items()},
            "max_per_reply": support.max_per_reply, "caption": support.caption,
            "max_caption_length": support.max_caption_length}


def check_file(info: ChannelInfo, content_type: str, size: int) -> OutboundKind:
    """The kind a file is sent as through this channel, or the refusal saying which limit it breaks."""
    support = info.attachments
    if support is None:
        raise AttachmentRefused("channel_cannot_attach", f"{info.display_name} replies cannot carry files")
    kind = support.kind_of(content_type)
    if kind is None:
        accepted = sorted(t for rule in support.kinds.values() for t in rule.content_types)
        raise AttachmentRefused("unsupported_type", f"{info.display_name} does not take {content_type} files; it takes "
                                f"{', '.join(accepted)}", accepted=accepted)
    limit = support.kinds[kind].max_bytes
    if size > limit:
        raise AttachmentRefused("too_large", f"{info.display_name} takes {kind} files of at most {limit} bytes; "
                                f"this one has {size}", limit=limit, size=size)
    if size < 1:
        raise AttachmentRefused("empty_file", "the file is empty")
    return kind


def check_reply(info: ChannelInfo, count: int, has_text: bool, text_length: int = 0) -> None:
    """Refuse a reply with more files than the channel takes at once, or text it cannot send along."""
    support = info.attachments
    if count == 0:
        return
    if support is None:
        raise AttachmentRefused("channel_cannot_attach", f"{info.display_name} replies cannot carry files")
    if count > support.max_per_reply:
        raise AttachmentRefused("too_many", f"{info.display_name} takes at most {support.max_per_reply} file(s) per "
                                "reply", limit=support.max_per_reply)
    if has_text and not support.caption:
        raise AttachmentRefused("caption_unsupported", f"{info.display_name} sends a file without text: send the "
                                "text as its own reply")
    if has_text and support.max_caption_length is not None and text_length > support.max_caption_length:
        raise AttachmentRefused("caption_too_long", f"{info.display_name} takes a caption of at most "
                                f"{support.max_caption_length} characters; this one has {text_length}",
                                limit=support.max_caption_length, size=text_length)


def check_request(info: ChannelInfo, request: ReplyRequest) -> None:
    """Every rule at once, for a request about to reach the plugin (the last guard before the platform)."""
    check_reply(info, len(request.attachments), request.text is not None, len(request.text or ""))
    for item in request.attachments:
        kind = check_file(info, item.content_type, item.size)
        if kind != item.kind:
            raise AttachmentRefused("unsupported_type", f"{item.content_type} is sent as {kind}, not {item.kind}")


def safe_filename(name: str) -> str:
    """A teammate's file name made safe for a storage key and a platform: no path, no controls, bounded."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    cleaned = cleaned.lstrip(".") or "file"
    if len(cleaned) > MAX_FILENAME:
        stem, dot, ext = cleaned.rpartition(".")
        keep_ext = bool(dot) and len(ext) <= 10
        cleaned = stem[: MAX_FILENAME - len(ext) - 1] + dot + ext if keep_ext else cleaned[:MAX_FILENAME]
    return cleaned
