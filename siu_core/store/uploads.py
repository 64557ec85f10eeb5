"""A teammate's file on its way to a customer: its record in the composer table and its object in the media store.

``POST /api/uploads`` issues an upload: a record (``upload#<thread>`` / upload id) saying what was
declared (file name, content type, size, kind, who) and a presigned POST whose S3 policy admits
exactly that (the key, the ``Content-Type``, ``content-length-range`` of exactly the size), valid for
:data:`POST_SECONDS`. The browser sends the bytes straight to S3 under ``uploads/<thread>/<upload id>/``.
The reply that names the upload checks the object is there as declared (``HeadObject``) and hands
the platform a presigned GET of it. A record expires (the table's TTL) :data:`RECORD_DAYS` after it
was issued; the object stays, as the message that carried it points at it.

``SIU_UPLOAD_ENDPOINT`` replaces the S3 endpoint in the POST's URL (``siu dev`` sets ``/s3``: the
dev server fronts its emulated S3 on the inbox's own origin, so the browser posts there).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from siu_core.aws import clients
from siu_core.store import ddb, keys, snapshots
from siu_core.store.saved_replies import table

#: Where uploads live in the snapshot bucket (the inbox role may put and get objects only here).
PREFIX = "uploads/"
#: How long a presigned POST admits the upload.
POST_SECONDS = 15 * 60
#: How long the record of an upload is kept for a reply to name it.
RECORD_DAYS = 2
#: The environment variable that replaces the S3 endpoint in an upload URL (``siu dev``).
ENDPOINT_ENV = "SIU_UPLOAD_ENDPOINT"


class UploadMissing(Exception):
    """No object under the upload's key yet: the browser did not (or not yet) finish sending it."""


@dataclass(frozen=True)
class StoredObject:
    """What the media store holds under an upload's key."""

    size: int
    content_type: str


def partition(thread_id: str) -> str:
    """The partition of a thread's uploads."""
    return f"upload#{thread_id}"


def object_key(thread_id: str, upload_id: str, filename: str) -> str:
    """Where an upload's bytes go: under the thread's uploads, in a folder of its own, by its file name."""
    return f"{PREFIX}{thread_id}/{upload_id}/{filename}"


def issue(*, thread_id: str, upload_id: str, filename: str, content_type: str, size: int, kind: str, by: str,
          at: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """Store the upload's record (a new id only) and sign the POST that admits exactly the declared file.

    Returns the record and ``{"url", "fields"}`` for the browser's multipart form.
    """
    key = object_key(thread_id, upload_id, filename)
    item = {"pk": partition(thread_id), "sk": upload_id, "thread_id": thread_id, "upload_id": upload_id,
            "object_key": key, "filename": filename, "content_type": content_type, "size": size, "kind": kind,
            "by": by, "created_at": keys.ts(at), "expires_at": int((at + timedelta(days=RECORD_DAYS)).timestamp())}
    post = clients.s3().generate_presigned_post(
        Bucket=snapshots.bucket(), Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=POST_SECONDS,
    )
    ddb.run(ddb.put_op(table(), item, ddb.Cond.missing("sk")))
    return item, {"url": _public_url(str(post["url"])), "fields": dict(post["fields"])}


def for_thread(thread_id: str) -> list[dict[str, Any]]:
    """Every upload record a thread still holds (sent or not): what an erasure must also remove."""
    return list(ddb.query_all(table(), key_condition="#p = :p", names={"#p": "pk"},
                              vals=ddb.values(p=partition(thread_id))))


def _public_url(url: str) -> str:
    """The POST's URL as the browser must call it: S3's, or the configured front's."""
    front = os.environ.get(ENDPOINT_ENV, "").rstrip("/")
    if not front:
        return url
    return f"{front}/{snapshots.bucket()}"


def get(thread_id: str, upload_id: str) -> dict[str, Any] | None:
    """An upload's record, or None (never issued for this thread, or expired)."""
    return ddb.get(table(), {"pk": partition(thread_id), "sk": upload_id})


def stored(record: Mapping[str, Any]) -> StoredObject:
    """The size and content type the media store holds for an upload (``UploadMissing`` when nothing is there)."""
    from botocore.exceptions import ClientError

    try:
        head = clients.s3().head_object(Bucket=snapshots.bucket(), Key=str(record["object_key"]))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise UploadMissing(str(record["upload_id"])) from None
        raise
    return StoredObject(size=int(head.get("ContentLength", 0)), content_type=str(head.get("ContentType") or ""))


def download_url(record: Mapping[str, Any], seconds: int) -> str:
    """A presigned GET of the upload, valid ``seconds``, for the platform to fetch it."""
    url: str = clients.s3().generate_presigned_url(
        "get_object", Params={"Bucket": snapshots.bucket(), "Key": str(record["object_key"])}, ExpiresIn=seconds)
    return url
