"""The export's sections, read and built one step at a time: the opening, a thread, a page of messages.

Both exports build the document from these (so the file on disk and the bucket's document are the
same text): ``siu customer export`` streams them into one file as it reads, and the admin API's
resumable export (:func:`siu_core.privacy.exports.to_bucket`) writes each as a part of its own and
joins the parts at the end. Each section carries its entries serialized as the document holds them
(one JSON text each), the bucket files it names (in order, once each) and the counts it adds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from siu_core.aws.names import ResourceNames
from siu_core.customers import record
from siu_core.privacy import document, holdings, plan, subject
from siu_core.store import audit

#: The counts an export reports, in the document's order (``files``/``missing_files`` come from the files).
COUNTS = ("conversations", "threads", "messages", "notes", "audit_rows", "files", "missing_files")


def to_json(value: Any) -> str:
    """One value as the document writes it (sorted keys, UTF-8 text, never a newline)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class Opening:
    """The document's head: its opening fields, the conversations, and the threads to read next."""

    head: dict[str, Any]
    conversations: list[dict[str, Any]]
    threads: list[dict[str, Any]]
    counts: dict[str, int]


@dataclass
class Section:
    """One step's share of the document: serialized entries, the files they name, the counts they add."""

    entries: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def name(self, bucket_keys: Iterable[str], kind: str) -> None:
        """Note files the entries name (the first kind a key is named with stays)."""
        for key in bucket_keys:
            self.files.setdefault(key, kind)

    def add(self, kind: str, n: int = 1) -> None:
        """Count ``n`` more of ``kind``."""
        self.counts[kind] = self.counts.get(kind, 0) + n


def opening(names: ResourceNames, customer_id: str, at: datetime) -> Opening:
    """Who the export is about, their conversations (with aliases) and every thread, oldest first."""
    person = subject.person_of(names, customer_id)
    handles = subject.handles_for(names, customer_id, person)
    head = document.header(customer_id, handles, at, customers=record.members(names, person) if person else [])
    conversations = holdings.conversations([h.key for h in handles])
    threads = {c: holdings.threads_of(c) for c in conversations}
    candidates = {c: list(dict.fromkeys([h.key for h in handles] + [a for t in threads[c] for a in
                                                                      plan.alias_candidates(c, plan.customer_ids(t))]))
                  for c in conversations}
    found = holdings.head_items([k for c in conversations for k in [c, *candidates[c]]])
    entries = [document.conversation(c, found.get(c), [k for k in candidates[c]
                                                      if (found.get(k) or {}).get("alias_of") == c])
               for c in conversations]
    return Opening(head=head, conversations=entries, threads=[t for c in conversations for t in threads[c]],
                   counts={"conversations": sum(1 for c in conversations if found.get(c))})


def thread_section(item: Mapping[str, Any]) -> Section:
    """One thread with its notes, assignments and audit rows (and the snapshots those rows name)."""
    thread_id = str(item["thread_id"])
    notes = holdings.notes_of(thread_id)
    rows = holdings.audit_rows(thread_id)
    section = Section()
    section.entries.append(to_json(document.thread(item, notes=notes, assignments=holdings.assignments_of(thread_id),
                                                   audit_rows=rows)))
    section.name([k for r in rows for k in plan.audit_objects(r)], "snapshot")
    section.add("threads")
    section.add("notes", len(notes))
    section.add("audit_rows", len(rows))
    return section


def message_section(page: Iterable[Mapping[str, Any]]) -> Section:
    """A page of messages, each with its early audit rows, and the snapshots and media they name."""
    section = Section()
    for message in page:
        rows = (holdings.audit_rows(audit.message_scope(str(message["message_key"])))
                if plan.may_have_early_rows(message) else [])
        section.entries.append(to_json(document.message(message, audit_rows=rows)))
        section.add("messages")
        section.add("audit_rows", len(rows))
        for key, kind in document.files_of(message):
            section.name([key], kind)
        section.name([k for r in rows for k in plan.audit_objects(r)], "snapshot")
    return section
