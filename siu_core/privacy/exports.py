"""Writing an export: the document built section by section, the files copied beside it.

Two destinations share the sections (:mod:`siu_core.privacy.sections`), so both write the same
document. ``siu customer export`` (:func:`to_directory`) streams them into one local file as it reads,
with the files downloaded under ``<name>_files/``. The admin API (:func:`to_bucket`) works within the
request's time and goes on where it stopped when called again: each step (the opening, a thread, a
page of messages) copies its files inside S3 to ``exports/<hash of the id>/<export id>/files/...`` and
then writes its part (``parts/<step>-<digest>.jsonl``: one line of metadata, one line per entry), and
only then records its progress in the job item (:mod:`siu_core.privacy.export_job`); the last step
joins the parts into ``customer.json`` (streamed through a temporary file, so a Lambda never holds
the document in memory), writes the file list beside it (``files.json``) and, in one transaction,
the audit row and the job's ``done``. A step retried after a crash rewrites the same part under the
same name and is recorded once. Exports expire with the bucket's ``exports/`` lifecycle rule (and
their job with its TTL) and are deleted when the person is erased (their prefix is derived from the id).
"""

from __future__ import annotations

import io
import json
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from siu_core.aws import clients
from siu_core.aws.names import ResourceNames, resource_names
from siu_core.privacy import document, export_cursor, export_job, holdings, sections
from siu_core.privacy.steps import OutOfTime, Progress, Unfinished
from siu_core.store import audit, ddb, keys, messages, threads

EXPORTS_PREFIX = "exports/"
AUDIT_SCOPE = "privacy#exports"
DOCUMENT_NAME = "customer.json"
#: The list of files beside a finished bucket export (what a repeated call answers links for).
FILES_INDEX = "files.json"
#: Files copied at once inside S3 by the bucket export (each copy is one round trip of its own).
COPY_WORKERS = 16
#: How long a presigned download link works.
LINK_SECONDS = 3600

#: Called with a file's bucket key; answers its size and content type (None: the object is gone).
FileResult = tuple[int, str | None] | None
#: A sink may answer at once or with a Future (the bucket export copies files in parallel).
FileSink = Callable[[str], "FileResult | Future[FileResult]"]


@dataclass
class Summary:
    """What an export holds: counts by kind and the files beside the document."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(sections.COUNTS, 0))
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

    def add(self, counts: Mapping[str, int]) -> None:
        """Add a section's counts."""
        for kind, n in counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n


def subject_prefix(customer_id: str) -> str:
    """The bucket prefix of every export made for a person (hashed: the key names nobody)."""
    return f"{EXPORTS_PREFIX}{keys.short_hash(customer_id)}/"


class _Document:
    """The document's text, written in order: opening, threads, messages, files and counts."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.first = True

    def open(self, head: Iterable[tuple[str, Any]], conversations: list[dict[str, Any]]) -> None:
        """The opening fields, the conversations, and the start of the threads."""
        self.out.write("{" + "".join(f"{sections.to_json(k)}: {sections.to_json(v)}, " for k, v in head))
        self.out.write(f'"conversations": {sections.to_json(conversations)}, "threads": [')

    def entry(self, text: str) -> None:
        """One serialized thread or message."""
        self.out.write(("" if self.first else ", ") + text)
        self.first = False

    def messages(self) -> None:
        """The end of the threads, the start of the messages."""
        self.out.write('], "messages": [')
        self.first = True

    def close(self, files: list[dict[str, Any]], counts: Mapping[str, int]) -> None:
        """The files beside the document and the counts."""
        self.out.write(f'], "files": {sections.to_json(files)}, "counts": {sections.to_json(counts)}}}\n')


def write(out: IO[str], customer_id: str, *, at: datetime, sink: FileSink, tables: Any = None,
          say: Progress | None = None) -> Summary:
    """Stream the export document to ``out``, handing each file to ``sink``; the summary."""
    say = say or (lambda _line: None)
    names = tables or resource_names()
    summary = Summary()
    start = sections.opening(names, customer_id, at)
    doc = _Document(out)
    doc.open(start.head.items(), start.conversations)
    summary.add(start.counts)
    for item in start.threads:
        _into(doc, sections.thread_section(item), sink, summary)
    doc.messages()
    for item in start.threads:
        for page in holdings.message_pages(str(item["thread_id"])):
            _into(doc, sections.message_section(page), sink, summary)
            say(f"thread {item['thread_id']}: {summary.counts['messages']} message(s) so far")
    summary.settle()
    doc.close(summary.files, summary.counts)
    return summary


def _into(doc: _Document, section: sections.Section, sink: FileSink, summary: Summary) -> None:
    """Write a section's entries and hand its files to the sink once each."""
    for text in section.entries:
        doc.entry(text)
    summary.add(section.counts)
    for key, kind in section.files.items():
        if key not in summary.pending:
            summary.pending[key] = (kind, sink(key))


def _audit_op(export_id: str, counts: Mapping[str, int], *, by: str, at: datetime, where: str) -> ddb.TxItem:
    """One audit row per export (scope ``privacy#exports``): who, when, where to, counts; nobody's data."""
    return audit.row_op(AUDIT_SCOPE, "customer_exported", by=by, at=at, ref=export_id,
                        after={"export_id": export_id, "to": where, "counts": dict(counts)})


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
    ddb.run(_audit_op(f"ex_{uuid.uuid4().hex[:20]}", summary.counts, by=by, at=at, where="file"))
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


def to_bucket(customer_id: str, *, at: datetime, by: str, tables: Any = None, fresh: bool = False,
              out_of_time: OutOfTime | None = None, page: int = holdings.PAGE) -> BucketExport:
    """Export into the bucket (``exports/<hash>/<export id>/``) and answer presigned download links.

    Goes on with the person's unfinished export, answers a finished one again (new links) unless
    ``fresh``, and raises :class:`Unfinished` when ``out_of_time`` answers True between two steps.
    """
    names = tables or resource_names()
    job, _resumed = export_job.begin(names, customer_id, by=by, at=at, fresh=fresh)
    run = _BucketRun(names, customer_id, job, page=page)
    while run.job["state"] != export_job.DONE:
        if out_of_time is not None and out_of_time():
            raise Unfinished("export", run.export_id, _counts(run.job))
        run.step(at)
    return run.answer()


def _counts(job: Mapping[str, Any]) -> dict[str, int]:
    """The counts a job recorded, every kind present."""
    got = job.get("counts") or {}
    return {kind: int(got.get(kind) or 0) for kind in sections.COUNTS}


def _lines(body: Any) -> Iterator[str]:
    """A part's lines as text, streamed."""
    for line in body.iter_lines():
        if line:
            yield line.decode("utf-8")


class _BucketRun:
    """The steps of one bucket export: each writes its part, then records its progress in the job."""

    def __init__(self, names: ResourceNames, customer_id: str, job: dict[str, Any], *, page: int) -> None:
        self.names, self.customer_id, self.job, self.page = names, customer_id, job, page
        self.export_id = str(job["export_id"])
        self.prefix = f"{subject_prefix(customer_id)}{self.export_id}/"
        self.s3 = clients.s3()
        self.files: list[dict[str, Any]] | None = None

    def step(self, at: datetime) -> None:
        """Do the cursor's step (a concurrent call that recorded it first: go on from where it got)."""
        cursor = export_cursor.from_item(self.job.get("cursor"))
        try:
            if cursor.phase == "assemble":
                self._assemble(at)
            else:
                self._read(cursor)
        except (ddb.ConditionFailed, ddb.TransactionConflict):
            found = export_job.load(self.names, self.customer_id, at)
            if found is None or str(found["export_id"]) != self.export_id:
                raise Unfinished("export", self.export_id, _counts(self.job)) from None  # replaced or erased meanwhile
            self.job = found

    def _read(self, cursor: export_cursor.Cursor) -> None:
        """One reading step: the opening, a thread, or a page of a thread's messages."""
        ids = [str(t) for t in self.job.get("threads") or []]
        if cursor.phase == "opening":
            start = sections.opening(self.names, self.customer_id, keys.parse_ts(str(self.job["started_at"])))
            ids = [str(t["thread_id"]) for t in start.threads]
            meta = {"section": "opening", "head": list(start.head.items()), "conversations": start.conversations}
            section = sections.Section(counts=dict(start.counts))
            self._record(section, meta, export_cursor.after_opening(len(ids)), threads=ids)
        elif cursor.phase == "threads":
            item = threads.get(ids[cursor.thread])
            section = sections.thread_section(item) if item is not None else sections.Section()
            self._record(section, {"section": "threads"}, export_cursor.after_thread(cursor, len(ids)))
        else:
            start_key = json.loads(cursor.start) if cursor.start else None
            items, last = messages.page(ids[cursor.thread], limit=self.page, start=start_key, newest_first=False)
            self._record(sections.message_section(items), {"section": "messages"},
                         export_cursor.after_page(cursor, len(ids), json.dumps(last, sort_keys=True) if last else None))

    def _record(self, section: sections.Section, meta: dict[str, Any], after: export_cursor.Cursor,
                threads: list[str] | None = None) -> None:
        """Copy the section's files, write its part, then move the job on (in that order: retry-safe)."""
        copied = self._copy(list(section.files))
        counts = _counts(self.job)
        for kind, n in section.counts.items():
            counts[kind] += n
        listed = []
        for key, kind in section.files.items():
            size, content_type = copied[key] or (None, None)
            listed.append([key, kind, size, content_type])
            counts["missing_files" if size is None else "files"] += 1
        part = None
        if section.entries or listed or meta["section"] == "opening":
            body = "\n".join([sections.to_json({**meta, "files": listed}), *section.entries]) + "\n"
            part = f"parts/{int(self.job['step']):06d}-{keys.short_hash(body, 16)}.jsonl"
            self.s3.put_object(Bucket=self.names.bucket, Key=self.prefix + part, Body=body.encode("utf-8"),
                               ContentType="application/x-ndjson")
        self.job = export_job.advance(self.names, self.customer_id, self.job, cursor=after, counts=counts, part=part,
                                      threads=threads)

    def _copy(self, bucket_keys: list[str]) -> dict[str, FileResult]:
        """Copy files beside the document (in parallel; copying one again writes the same bytes)."""
        if not bucket_keys:
            return {}
        with ThreadPoolExecutor(min(COPY_WORKERS, len(bucket_keys))) as pool:
            return dict(zip(bucket_keys, pool.map(self._copy_one, bucket_keys), strict=True))

    def _copy_one(self, key: str) -> FileResult:
        found = _head(key)
        if found is None:
            return None
        self.s3.copy_object(Bucket=self.names.bucket, Key=self.prefix + document.file_path(key),
                            CopySource={"Bucket": self.names.bucket, "Key": key}, MetadataDirective="COPY")
        return int(found["ContentLength"]), found.get("ContentType")

    def _assemble(self, at: datetime) -> None:
        """Join the parts into the document, list its files, then audit and finish the job in one transaction."""
        files: dict[str, dict[str, Any]] = {}
        with tempfile.TemporaryFile("w+b") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8")
            doc = _Document(text)
            in_messages = False
            for part in self.job.get("parts") or []:
                body = self.s3.get_object(Bucket=self.names.bucket, Key=self.prefix + str(part))["Body"]
                lines = _lines(body)
                meta = json.loads(next(lines))
                if meta["section"] == "opening":
                    doc.open([(str(k), v) for k, v in meta["head"]], meta["conversations"])
                elif meta["section"] == "messages" and not in_messages:
                    doc.messages()
                    in_messages = True
                for line in lines:
                    doc.entry(line)
                for key, kind, size, content_type in meta["files"]:
                    files.setdefault(key, document.file_entry(key, kind=kind, size=size,
                                                              content_type=content_type))
            if not in_messages:
                doc.messages()
            listed = list(files.values())
            counts = _counts(self.job)
            counts["files"] = sum(1 for f in listed if not f["missing"])
            counts["missing_files"] = len(listed) - counts["files"]
            doc.close(listed, counts)
            text.flush()
            text.detach()
            raw.seek(0)
            self.s3.upload_fileobj(raw, self.names.bucket, self.prefix + DOCUMENT_NAME,
                                   ExtraArgs={"ContentType": "application/json"})
        self.s3.put_object(Bucket=self.names.bucket, Key=self.prefix + FILES_INDEX,
                           Body=sections.to_json(listed).encode("utf-8"), ContentType="application/json")
        ddb.transact([_audit_op(self.export_id, counts, by=str(self.job.get("by") or ""), at=at, where="bucket"),
                      export_job.finish_op(self.names, self.customer_id, self.job, counts=counts, at=at)])
        self.job = {**self.job, "state": export_job.DONE, "counts": counts}
        self.files = listed

    def answer(self) -> BucketExport:
        """Links to the finished export's document and files (valid for :data:`LINK_SECONDS`)."""
        listed = self.files
        if listed is None:
            body = self.s3.get_object(Bucket=self.names.bucket, Key=self.prefix + FILES_INDEX)["Body"].read()
            listed = json.loads(body)

        def link(key: str) -> str:
            url: str = self.s3.generate_presigned_url("get_object", Params={"Bucket": self.names.bucket, "Key": key},
                                                      ExpiresIn=LINK_SECONDS)
            return url

        files = [{**f, "url": None if f["missing"] else link(self.prefix + f["path"])} for f in listed]
        return BucketExport(export_id=self.export_id, prefix=self.prefix, files=files, counts=_counts(self.job),
                            document_url=link(self.prefix + DOCUMENT_NAME))
