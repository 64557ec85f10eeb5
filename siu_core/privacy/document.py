"""The export document's parts: pure builders from stored items to the documented JSON (docs/privacy.md).

The document is written as a stream (:mod:`siu_core.privacy.exports`): a header, the conversations,
the threads (with notes, assignments and audit rows), then every message of every thread in
platform-time order, then the list of files (raw snapshots and media) that lie alongside. Bucket
objects are named by their path in the export (``files/<bucket key>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from siu_core.privacy.subject import Handle
from siu_core.store import keys

FORMAT = "siu.customer-export"
#: Bumped when a field changes meaning or goes away (adding a field keeps the version).
VERSION = 1
FILES_DIR = "files"

THREAD_FIELDS = ("thread_id", "channel", "account_id", "customer_key", "customer_name", "customer_phone",
                 "status", "opened_at", "closed_at", "team", "assignee", "topic", "urgency", "language",
                 "summary", "original_labels", "message_count", "inbound_count", "outbound_count",
                 "last_inbound_at", "last_outbound_at", "last_reply_at", "last_reply_by", "mentioned")
MESSAGE_FIELDS = ("message_id", "thread_id", "channel", "account_id", "customer_key", "direction", "type",
                  "kind", "timestamp", "received_at", "text", "edits", "edited_at", "deleted", "deleted_at",
                  "reaction_customer", "reaction_business", "status", "status_at", "status_error", "sent_by",
                  "template", "labels", "duplicate_of", "event")
NOTE_FIELDS = ("text", "by", "at", "mentions")
AUDIT_FIELDS = ("action", "by", "at", "ref", "before", "after", "notes")
HEAD_FIELDS = ("customer_key", "channel", "account_id", "customer_id", "customer_name", "thread_id", "status",
               "last_inbound_at")


def file_path(bucket_key: str) -> str:
    """Where a bucket object lies in the export (relative to the document)."""
    return f"{FILES_DIR}/{bucket_key}"


def _pick(item: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {f: item[f] for f in fields if item.get(f) is not None}


def header(customer_id: str, handles: Iterable[Handle], at: datetime,
           customers: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The document's opening fields: format, version, time, the subject, its customer records and handles."""
    return {
        "format": FORMAT, "version": VERSION, "exported_at": keys.ts(at), "customer_id": customer_id,
        "customers": [{k: v for k, v in c.items() if k not in ("pk", "sk")} for c in customers],
        "handles": [{"channel": h.channel, "account_id": h.account_id, "customer_id": h.customer_id} for h in handles],
    }


def conversation(key: str, head: Mapping[str, Any] | None, aliases: Iterable[str]) -> dict[str, Any]:
    """One conversation (customer key) with its head's facts and the other keys that name it."""
    return {"customer_key": key, "head": _pick(head, HEAD_FIELDS) if head else None, "aliases": sorted(aliases)}


def audit_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """An audit row that names the person's thread or message (with its event's snapshot file, if any)."""
    entry = {"scope": row.get("thread_id"), **_pick(row, AUDIT_FIELDS)}
    after = row.get("after")
    if isinstance(after, Mapping) and after.get("snapshot_key"):
        entry["snapshot"] = file_path(str(after["snapshot_key"]))
    return entry


def thread(item: Mapping[str, Any], *, notes: Iterable[Mapping[str, Any]], assignments: Iterable[Mapping[str, Any]],
           audit_rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One thread: its facts and labels, its internal notes, its assignment history and its audit rows."""
    return {
        **_pick(item, THREAD_FIELDS),
        "notes": [{"note_id": n.get("sk"), **_pick(n, NOTE_FIELDS)} for n in notes],
        "assignments": [_pick(a, ("seq", "assignee", "team", "status", "reason", "assigned_at", "ended_at", "by"))
                        for a in assignments],
        "audit": [audit_entry(r) for r in audit_rows],
    }


def message(item: Mapping[str, Any], *, audit_rows: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """One message (either direction), with the export paths of its snapshot and media."""
    out = _pick(item, MESSAGE_FIELDS)
    if item.get("snapshot_key"):
        out["snapshot"] = file_path(str(item["snapshot_key"]))
    attachments = []
    for att in item.get("attachments") or []:
        entry = {k: v for k, v in dict(att).items() if k != "media_key"}
        if att.get("media_key"):
            entry["file"] = file_path(str(att["media_key"]))
        attachments.append(entry)
    if attachments:
        out["attachments"] = attachments
    rows = [audit_entry(r) for r in audit_rows]
    if rows:
        out["audit"] = rows
    return out


def file_entry(bucket_key: str, *, kind: str, size: int | None, content_type: str | None) -> dict[str, Any]:
    """A file alongside the document: its path, what it is, its size (None: expired or gone)."""
    return {"path": file_path(bucket_key), "kind": kind, "size": size, "content_type": content_type,
            "missing": size is None}


def files_of(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The bucket objects a message names, as (key, kind): its raw snapshot and its media."""
    found = [(str(item["snapshot_key"]), "snapshot")] if item.get("snapshot_key") else []
    found += [(str(a["media_key"]), "media") for a in item.get("attachments") or [] if a.get("media_key")]
    return found
