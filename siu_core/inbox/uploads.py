"""``POST /api/uploads`` and the files a reply names: checked against the channel before any byte moves.

An upload is issued only for a thread the caller may act on, that is open, whose channel declares a
capability that takes this content type at this size (``channel_cannot_attach``,
``unsupported_type``, ``too_large``, ``empty_file`` otherwise: 422). A reply naming uploads
(:func:`resolve`) checks each again: issued for this thread (404 ``upload_not_found``), its object
stored (409 ``upload_incomplete``) exactly as declared (422 ``upload_mismatch``), and still within
the channel's rules; then it becomes an :class:`~siu_core.models.OutboundAttachment` with a
presigned GET the platform fetches.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from siu_core import attachments
from siu_core.errors import UnknownChannel
from siu_core.inbox import authz
from siu_core.inbox.errors import ApiError, not_found
from siu_core.models import OutboundAttachment
from siu_core.store import keys, threads
from siu_core.store import uploads as store

if TYPE_CHECKING:
    from datetime import datetime

    from siu_core.inbox.authz import Actor
    from siu_core.inbox.bodies import UploadBody
    from siu_core.inbox.services import InboxServices
    from siu_core.models import ChannelInfo
    from siu_core.plugins import Channel

#: The attachment ``type`` a sent file is stored as (the inbound vocabulary the thread view knows).
STORED_TYPES = {"image": "image", "document": "file", "video": "video", "audio": "audio"}


def refused(exc: attachments.AttachmentRefused) -> ApiError:
    """The API's answer to a file the channel cannot carry: 422 with the rule's code and limit."""
    return ApiError(422, exc.reason, exc.message, **exc.details)


def _channel(services: InboxServices, thread: Mapping[str, Any]) -> Channel:
    try:
        return services.channel(str(thread["channel"]))
    except UnknownChannel:
        raise ApiError(503, "channel_unavailable",
                       f"the {thread['channel']} channel is not available in this inbox; see its logs") from None


def create(services: InboxServices, actor: Actor, body: UploadBody) -> dict[str, Any]:
    """Issue an upload for a file the thread's channel can send: its id and the presigned POST to send it with."""
    thread = threads.get(body.thread)
    if thread is None:
        raise not_found("thread", body.thread)
    authz.require_act(actor, thread)
    authz.require_open(thread)
    channel = _channel(services, thread)
    try:
        kind = attachments.check_file(channel.info, body.content_type, body.size)
    except attachments.AttachmentRefused as exc:
        raise refused(exc) from None
    now = services.clock()
    upload_id = "up_" + uuid.uuid4().hex[:24]
    content_type = body.content_type.split(";")[0].strip().lower()
    record, post = store.issue(thread_id=body.thread, upload_id=upload_id,
                               filename=attachments.safe_filename(body.filename), content_type=content_type,
                               size=body.size, kind=kind, by=actor.id, at=now)
    return {"upload_id": upload_id, "kind": kind, "filename": record["filename"], "content_type": content_type,
            "size": body.size, "url": post["url"], "fields": post["fields"], "method": "POST",
            "expires_at": keys.ts(now + timedelta(seconds=store.POST_SECONDS))}


def resolve(info: ChannelInfo, thread_id: str, upload_ids: Sequence[str], *,
            now: datetime) -> tuple[list[OutboundAttachment], list[dict[str, Any]]]:
    """The files a reply names, checked and ready to send; and how the sent message keeps them.

    Refuses (before anything is sent) an upload of another thread or none, one not (fully) stored,
    one whose bytes are not what was declared, and one the channel no longer takes.
    """
    support = info.attachments
    lifetime = support.url_lifetime if support is not None else 0
    outbound: list[OutboundAttachment] = []
    kept: list[dict[str, Any]] = []
    for upload_id in upload_ids:
        record = store.get(thread_id, upload_id)
        if record is None:
            raise ApiError(404, "upload_not_found", f"no upload {upload_id!r} for this thread (issued uploads are "
                           f"kept {store.RECORD_DAYS} days)", upload_id=upload_id)
        try:
            found = store.stored(record)
        except store.UploadMissing:
            raise ApiError(409, "upload_incomplete", f"the file of upload {upload_id} has not reached the media "
                           "store; upload it (again) before sending", upload_id=upload_id) from None
        size, content_type = int(record["size"]), str(record["content_type"])
        if found.size != size or found.content_type.split(";")[0].strip().lower() != content_type:
            raise ApiError(422, "upload_mismatch", f"the stored file of upload {upload_id} is not the one declared "
                           f"({found.size} bytes of {found.content_type}, declared {size} of {content_type})",
                           upload_id=upload_id)
        try:
            kind = attachments.check_file(info, content_type, size)
        except attachments.AttachmentRefused as exc:
            raise refused(exc) from None
        outbound.append(OutboundAttachment(kind=kind, url=store.download_url(record, lifetime),
                                           content_type=content_type, size=size, filename=str(record["filename"]),
                                           expires_at=now + timedelta(seconds=lifetime)))
        kept.append({"type": STORED_TYPES[kind], "mime_type": content_type, "filename": record["filename"],
                     "media_key": record["object_key"], "media_size": size, "upload_id": upload_id})
    return outbound, kept
