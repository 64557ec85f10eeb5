"""Writing an export: the document streamed page by page, the files copied beside it.

Two destinations share one writer (:func:`write`): a local directory for ``siu customer export``
(the document at the path given, the files under ``<name>_files/``, downloaded), and the bucket
for the admin API (``exports/<hash of the id>/<export id>/``: the document uploaded from a temporary
file, the files copied inside S3, so a Lambda never holds them in memory), answered with presigned
download URLs. Exports expire with the bucket's ``exports/`` lifecycle rule and are deleted when the
person is erased (their prefix is derived from the id).
"""

from __future__ import annotations

import io
import json
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.customers import record
from siu_core.privacy import document, holdings, plan, subject
from siu_core.store import audit, ddb, keys

EXPORTS_PREFIX = "exports/"
AUDIT_SCOPE = "privacy#exports"
DOCUMENT_NAME = "customer.json"
#: Files copied at once inside S3 by the bucket export (each copy is one round trip of its own).
COPY_WORKERS = 16
#: How long a presigned download link works.
LINK_SECONDS = 3600

#: Called with a file's bucket key; answers its size and content type (None: the object is gone).
FileResult = tuple[int, str | None] | None
#: A sink may answer at once or with a Future (the bucket export copies files in parallel).
FileSink = Callable[[str], "FileResult | Future[FileResult]"]
Progress = Callable[[str], None]


@dataclass
class Summary:
    """What an export holds: counts by kind and the files beside the document."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("conversations", "threads", "messages", "notes", "audit_rows", "files", "missing_files"), 0))
    files: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, tuple[str, FileResult | Future[FileResult]]] = field(default_factory=dict)

    def settle(self) -> None:
        """List every file handed to the sink, waiting for those still being copied."""
        for key, (kind, got) in self.pending.items():
            result = got.result() if isinstance(got, Future) else got
            size, content_type = result if result is not None else (None, None)
            self.files.append(document.file_entry(key, kind=kind, size=size, content_type=content_type))
            self.counts["missing_files" if result is None else "files"] += 1
        self.pending.clear()


def subject_prefix(customer_id: str) -> str:
    """The bucket prefix of every export made for a person (hashed: the key names nobody)."""
    return f"{EXPORTS_PREFIX}{keys.short_hash(customer_id)}/"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def write(out: IO[str], customer_id: str, *, at: datetime, sink: FileSink, tables: Any = None,
          say: Progress | None = None) -> Summary:
    """Stream the export document to ``out``, handing each file to ``sink``; the summary."""
    say = say or (lambda _line: None)
    names = tables or resource_names()
    person = subject.person_of(names, customer_id)
    handles = subject.handles_for(names, customer_id, person)
    summary = Summary()
    head = document.header(customer_id, handles, at, customers=record.members(names, person) if person else [])
    out.write("{" + "".join(f"{_json(k)}: {_json(v)}, " for k, v in head.items()))
    conversations = holdings.conversations([h.key for h in handles])
    threads = {c: holdings.threads_of(c) for c in conversations}
    candidates = {c: list(dict.fromkeys([h.key for h in handles] + [a for t in threads[c] for a in
                                                                      plan.alias_candidates(c, plan.customer_ids(t))]))
                  for c in conversations}
    found = holdings.head_items([k for c in conversations for k in [c, *candidates[c]]])
    entries = [document.conversation(c, found.get(c), [k for k in candidates[c]
                                                      if (found.get(k) or {}).get("alias_of") == c])
               for c in conversations]
    summary.counts["conversations"] = sum(1 for c in conversations if found.get(c))
    out.write(f'"conversations": {_json(entries)}, "threads": [')
    first = True
    for conversation in conversations:
        for item in threads[conversation]:
            thread_id = str(item["thread_id"])
            notes = holdings.notes_of(thread_id)
            rows = holdings.audit_rows(thread_id)
            entry = document.thread(item, notes=notes, assignments=holdings.assignments_of(thread_id), audit_rows=rows)
            out.write(("" if first else ", ") + _json(entry))
            _take([k for r in rows for k in plan.audit_objects(r)], "snapshot", sink, summary)
            first = False
            summary.counts["threads"] += 1
            summary.counts["notes"] += len(notes)
            summary.counts["audit_rows"] += len(rows)
    out.write('], "messages": [')
    first = True
    for conversation in conversations:
        for item in threads[conversation]:
            for page in holdings.message_pages(str(item["thread_id"])):
                for message in page:
                    rows = (holdings.audit_rows(audit.message_scope(str(message["message_key"])))
                            if plan.may_have_early_rows(message) else [])
                    out.write(("" if first else ", ") + _json(document.message(message, audit_rows=rows)))
                    first = False
                    summary.counts["messages"] += 1
                    summary.counts["audit_rows"] += len(rows)
                    for key, kind in document.files_of(message):
                        _take([key], kind, sink, summary)
                    _take([k for r in rows for k in plan.audit_objects(r)], "snapshot", sink, summary)
                say(f"thread {item['thread_id']}: {summary.counts['messages']} message(s) so far")
    summary.settle()
    out.write(f'], "files": {_json(summary.files)}, "counts": {_json(summary.counts)}}}\n')
    return summary


def _take(bucket_keys: list[str], kind: str, sink: FileSink, summary: Summary) -> None:
    """Hand each file to the sink once (its listing waits for :meth:`Summary.settle`)."""
    for key in dict.fromkeys(bucket_keys):
        if key not in summary.pending:
            summary.pending[key] = (kind, sink(key))


def _audit(export_id: str, summary: Summary, *, by: str, at: datetime, where: str) -> None:
    """One audit row per export (scope ``privacy#exports``): who, when, where to, counts; nobody's data."""
    ddb.run(audit.row_op(AUDIT_SCOPE, "customer_exported", by=by, at=at, ref=export_id,
                         after={"export_id": export_id, "to": where, "counts": summary.counts}))


def _head(key: str) -> dict[str, Any] | None:
    s3 = clients.s3()
    try:
        found: dict[str, Any] = s3.head_object(Bucket=resource_names().bucket, Key=key)
    except s3.exceptions.ClientError:
        return None
    return found


def to_directory(customer_id: str, out: Path, *, at: datetime, by: str, tables: Any = None,
                 say: Progress | None = None) -> Summary:
    """Export to ``out`` (the document) with the files downloaded under ``<out stem>_files/``."""
    base = out.parent / f"{out.stem}_files"
    s3, bucket = clients.s3(), resource_names().bucket

    def download(key: str) -> tuple[int, str | None] | None:
        found = _head(key)
        if found is None:
            return None
        target = base / document.file_path(key).removeprefix(f"{document.FILES_DIR}/")
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(target))
        return int(found["ContentLength"]), found.get("ContentType")

    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as fh:
        summary = write(fh, customer_id, at=at, sink=download, tables=tables, say=say)
    partial.replace(out)
    _audit(f"ex_{uuid.uuid4().hex[:20]}", summary, by=by, at=at, where="file")
    return summary


@dataclass(frozen=True)
class BucketExport:
    """An export written to the bucket: its id, the document's link, each file's link, the summary."""

    export_id: str
    prefix: str
    document_url: str
    files: list[dict[str, Any]]
    counts: dict[str, int]
    expires_in: int = LINK_SECONDS


def to_bucket(customer_id: str, *, at: datetime, by: str, tables: Any = None) -> BucketExport:
    """Export into the bucket (``exports/<hash>/<export id>/``) and answer presigned download links."""
    s3, bucket = clients.s3(), resource_names().bucket
    export_id = f"ex_{uuid.uuid4().hex[:20]}"
    prefix = f"{subject_prefix(customer_id)}{export_id}/"

    def copy(key: str) -> tuple[int, str | None] | None:
        found = _head(key)
        if found is None:
            return None
        s3.copy_object(Bucket=bucket, Key=prefix + document.file_path(key), CopySource={"Bucket": bucket, "Key": key},
                       MetadataDirective="COPY")
        return int(found["ContentLength"]), found.get("ContentType")

    with tempfile.TemporaryFile("w+b") as raw, ThreadPoolExecutor(COPY_WORKERS) as pool:
        text = io.TextIOWrapper(raw, encoding="utf-8")
        summary = write(text, customer_id, at=at, sink=lambda key: pool.submit(copy, key), tables=tables)
        text.flush()
        text.detach()
        raw.seek(0)
        s3.upload_fileobj(raw, bucket, prefix + DOCUMENT_NAME, ExtraArgs={"ContentType": "application/json"})

    def link(key: str) -> str:
        url: str = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                             ExpiresIn=LINK_SECONDS)
        return url

    _audit(export_id, summary, by=by, at=at, where="bucket")
    files = [{**f, "url": None if f["missing"] else link(prefix + f["path"])} for f in summary.files]
    return BucketExport(export_id=export_id, prefix=prefix, document_url=link(prefix + DOCUMENT_NAME),
                        files=files, counts=summary.counts)

