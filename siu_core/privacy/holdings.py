"""Reading what siu holds on a person, through keys and indexes only (never a scan), page by page.

Shared by export and erasure: the conversations a person's handles lead to (an alias item is
followed to the conversation it names), each conversation's threads (the threads table's
``by-customer`` index, plus the head's current thread in case the index lags), each thread's
messages in pages, and the rows kept beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from siu_core.store import assignments, audit, ddb, messages, notes, notifications, threads, uploads
from siu_core.store import customers as heads
from siu_core.store.aliases import alias_target

#: Messages read per page: one Query page, small enough for a Lambda's memory at any thread length.
PAGE = 200


def conversations(handle_keys: Iterable[str]) -> list[str]:
    """The conversation keys the handles lead to (an alias is followed to its conversation), in order."""
    found: list[str] = []
    for key in handle_keys:
        target = alias_target(ddb.get(heads.table(), heads.key(key))) or key
        if target not in found:
            found.append(target)
    return found


def head_items(conversation_keys: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """The customers-table items under these keys (heads and aliases), strongly consistent."""
    wanted = list(dict.fromkeys(conversation_keys))
    if not wanted:
        return {}
    table = heads.table()
    got = ddb.batch_get([ddb.GetRequest(table, [heads.key(k) for k in wanted])])[table]
    by_key = {str(item["customer_key"]): item for item in got}
    return {k: by_key.get(k) for k in wanted}


def threads_of(conversation_key: str) -> list[dict[str, Any]]:
    """Every thread of a conversation, oldest first (the index, and the head's thread if it lags)."""
    found = {str(t["thread_id"]): t for t in threads.for_customer(conversation_key, newest_first=False)}
    head = heads.get(conversation_key)
    if head is not None and head.thread_id not in found:
        current = threads.get(head.thread_id)
        if current is not None:
            found[head.thread_id] = current
    return sorted(found.values(), key=lambda t: (str(t.get("opened_at") or ""), str(t["thread_id"])))


def message_pages(thread_id: str, *, page: int = PAGE) -> Iterator[list[dict[str, Any]]]:
    """A thread's messages in platform-time order, one page at a time."""
    start: ddb.Key | None = None
    while True:
        items, start = messages.page(thread_id, limit=page, start=start, newest_first=False)
        if items:
            yield items
        if not start:
            return


def audit_rows(scope: str) -> list[dict[str, Any]]:
    """The audit rows of a thread, or of a message scope (annotations that came before their message)."""
    return audit.for_scope(scope)


def notes_of(thread_id: str) -> list[dict[str, Any]]:
    """A thread's internal notes, oldest first."""
    return notes.for_thread(thread_id)


def assignments_of(thread_id: str) -> list[dict[str, Any]]:
    """A thread's assignment rows, in order."""
    return assignments.history(thread_id)


def uploads_of(thread_id: str) -> list[dict[str, Any]]:
    """The files teammates uploaded for a thread (sent or abandoned)."""
    return uploads.for_thread(thread_id)


def notifications_of(thread_id: str, teammates: Iterable[str]) -> list[dict[str, Any]]:
    """The notifications about a thread in these teammates' partitions (a month at most: they expire)."""
    found: list[dict[str, Any]] = []
    for who in teammates:
        found += [i for i in notifications.all_of(who) if i.get("thread_id") == thread_id]
    return found
