"""The search index: one SQLite file with FTS5 full-text tables over threads (who the customer is)
and messages (what was written), kept by a single writer and read by the inbox API.

- ``threads``: one row per thread, the columns the filters and the visibility rule need, and
  ``who`` (customer name, id, phone, username, aliases and any terms the customer record adds with
  :meth:`Index.set_customer_terms`) with ``who_digits`` (the digits of its numbers).
- ``messages``: one row per message with text, in arrival order (the rowid, so "newest first" is
  FTS5's own descending-rowid order and needs no sort).
- FTS5 tables with external content: ``threads_fts``/``messages_fts`` (``unicode61 remove_diacritics
  2``: words of every spaced script, accents folded) and ``threads_tri``/``messages_tri``
  (``trigram``: substrings, for scripts written without spaces and for phone digits; only messages in
  such scripts are in ``messages_tri``, which keeps it small).

The file uses SQLite's rollback journal (not WAL), so it also works on a network file system with
one writer. Queries are built by :mod:`siu_core.search.query` (user words are always quoted) and
narrowed by :mod:`siu_core.search.scope` and :mod:`siu_core.search.filters`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siu_core.errors import SiuError
from siu_core.search import query
from siu_core.search.filters import NO_FILTERS, Filters, thread_where
from siu_core.search.scope import ALL, Where

#: Bumped when the schema changes: an index of another version is rebuilt (``siu search reindex``).
SCHEMA_VERSION = "1"
_WORDS = "unicode61 remove_diacritics 2"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS threads(
    id INTEGER PRIMARY KEY, thread_id TEXT NOT NULL UNIQUE, customer_key TEXT, channel TEXT, account_id TEXT,
    status TEXT, team TEXT, assignee TEXT, topic TEXT, urgency TEXT, opened_at TEXT, last_at TEXT,
    names TEXT NOT NULL, who TEXT NOT NULL, who_digits TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS threads_last ON threads(last_at);
CREATE INDEX IF NOT EXISTS threads_customer ON threads(customer_key);
CREATE TABLE IF NOT EXISTS mentions(thread_id TEXT NOT NULL, user TEXT NOT NULL,
    PRIMARY KEY(thread_id, user)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS customer_terms(customer_key TEXT NOT NULL, term TEXT NOT NULL,
    PRIMARY KEY(customer_key, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY, message_key TEXT NOT NULL UNIQUE, thread_id TEXT NOT NULL, at TEXT,
    direction TEXT, text TEXT NOT NULL, unspaced INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id);
CREATE INDEX IF NOT EXISTS messages_unspaced ON messages(id) WHERE unspaced = 1;
CREATE VIRTUAL TABLE IF NOT EXISTS threads_fts USING fts5(who, content='threads', content_rowid='id',
    tokenize='{_WORDS}');
CREATE VIRTUAL TABLE IF NOT EXISTS threads_tri USING fts5(who_digits, who, content='threads', content_rowid='id',
    tokenize='trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages', content_rowid='id',
    tokenize='{_WORDS}');
CREATE VIRTUAL TABLE IF NOT EXISTS messages_tri USING fts5(text, content='messages', content_rowid='id',
    tokenize='trigram');
"""
_SNIPPET_TOKENS = 16


class SearchUnavailable(SiuError):
    """This Python's SQLite lacks FTS5 (or its trigram tokenizer): search cannot run here."""


def check_fts5() -> None:
    """Fail clearly when the SQLite this Python links has no FTS5 with the trigram tokenizer (3.34+)."""
    conn = sqlite3.connect(":memory:")
    try:
        options = {row[0] for row in conn.execute("PRAGMA compile_options")}
        if "ENABLE_FTS5" not in options:
            raise SearchUnavailable(f"SQLite {sqlite3.sqlite_version} was built without FTS5; search needs it "
                                    "(use a Python whose sqlite3 has ENABLE_FTS5, e.g. python.org or distro builds)")
        try:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        except sqlite3.OperationalError:
            raise SearchUnavailable(f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer; "
                                    "search needs SQLite 3.34 or newer") from None
    finally:
        conn.close()


class IndexMissing(SearchUnavailable):
    """A read-only open found no index file: the Indexer has not written its first batch yet."""


@dataclass(frozen=True)
class ThreadHit:
    """A thread whose customer matched (or that the filters alone selected)."""

    thread_id: str


@dataclass(frozen=True)
class MessageHit:
    """A message whose text matched, with a short excerpt around the match."""

    thread_id: str
    message_key: str
    at: str | None
    direction: str | None
    snippet: str


@dataclass(frozen=True)
class Page:
    """One page of hits of each kind and whether more follow."""

    threads: list[ThreadHit]
    messages: list[MessageHit]
    more: bool


def _digits_of(values: Iterable[str]) -> str:
    return " ".join(d for v in values if len(d := query.digits(v)) >= 3)


def _names_match(handles: set[str], names: list[str]) -> bool:
    """Whether one of ``handles`` is one of ``names``, phone numbers compared by their digits."""
    if handles & set(names):
        return True
    phones = {query.digits(h) for h in handles if query.is_phone(h)}
    return bool(phones & {query.digits(n) for n in names if query.is_phone(n)})


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Index:
    """An open search index file; every method is safe to call from several threads of one process."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        check_fts5()
        self.path = Path(path) if str(path) != ":memory:" else None
        self._lock = threading.RLock()
        if read_only:
            # The Search function's view of the Indexer's file (an EFS mount it may not write): no
            # schema, no journal of its own; a file the Indexer has not created yet is an error.
            if self.path is None or not self.path.is_file():
                raise IndexMissing(f"no search index at {path} yet (the Indexer creates it on its first batch)")
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                         check_same_thread=False, isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA cache_size=-32000")
            return
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Customers' words: readable by this user only (SQLite gives its journal the same mode).
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        # One writer at a time: a second process (``siu search reindex`` beside ``siu dev``) waits its turn.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=DELETE")
        # A deleted row's bytes are overwritten, not left in a free page: an erased customer's words go.
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA cache_size=-32000")
        with self._write() as conn:
            for statement in _SCHEMA.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def close(self) -> None:
        """Release the file."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Apply many changes in one transaction (a reindex, a stream batch): all or none."""
        with self._write():
            yield

    def _in_tx(self) -> bool:
        return self._conn.in_transaction

    @contextmanager
    def _change(self) -> Iterator[sqlite3.Connection]:
        if self._in_tx():
            with self._lock:
                yield self._conn
        else:
            with self._write() as conn:
                yield conn

    # --- writing ---------------------------------------------------------------------------------

    def _fts(self, conn: sqlite3.Connection, table: str, rowid: int, columns: Mapping[str, str], *,
             delete: bool) -> None:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        if delete:
            conn.execute(f"INSERT INTO {table}({table}, rowid, {names}) VALUES ('delete', ?, {marks})",
                         (rowid, *columns.values()))
        else:
            conn.execute(f"INSERT INTO {table}(rowid, {names}) VALUES (?, {marks})", (rowid, *columns.values()))

    def _unindex_thread(self, conn: sqlite3.Connection, thread_id: str) -> int | None:
        row = conn.execute("SELECT id, who, who_digits FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
        if row is None:
            return None
        rowid, who, who_digits = row
        self._fts(conn, "threads_fts", rowid, {"who": who}, delete=True)
        self._fts(conn, "threads_tri", rowid, {"who_digits": who_digits, "who": who}, delete=True)
        return int(rowid)

    def _who(self, conn: sqlite3.Connection, names: str, customer_key: str | None) -> tuple[str, str]:
        extra = [r[0] for r in conn.execute("SELECT term FROM customer_terms WHERE customer_key = ?",
                                            (customer_key,))] if customer_key else []
        every = list(dict.fromkeys([*names.split("\n"), *extra]))
        every = [n for n in every if n]
        return " ".join(every), _digits_of(every)

    def upsert_thread(self, item: Mapping[str, Any]) -> None:
        """Index a thread item as stored (its customer, state, labels, team, assignee and mentions)."""
        thread_id = str(item["thread_id"])
        customer_key = str(item.get("customer_key") or "") or None
        own = [str(item[f]) for f in ("customer_name", "customer_id", "customer_phone", "customer_username")
               if item.get(f)]
        own += [str(a) for a in item.get("aliases") or () if isinstance(a, str)]
        names = "\n".join(dict.fromkeys(own))
        team = item.get("team") or item.get("queued_team")
        last = item.get("last_message_at") or item.get("last_inbound_at") or item.get("opened_at")
        with self._change() as conn:
            who, who_digits = self._who(conn, names, customer_key)
            values = (customer_key, item.get("channel"), item.get("account_id"), item.get("status"), team,
                      item.get("assignee"), item.get("topic"), item.get("urgency"), item.get("opened_at"), last,
                      names, who, who_digits)
            rowid = self._unindex_thread(conn, thread_id)
            columns = ("customer_key", "channel", "account_id", "status", "team", "assignee", "topic", "urgency",
                       "opened_at", "last_at", "names", "who", "who_digits")
            if rowid is None:
                cur = conn.execute(f"INSERT INTO threads(thread_id, {', '.join(columns)}) "
                                   f"VALUES (?{', ?' * len(values)})", (thread_id, *values))
                rowid = int(cur.lastrowid or 0)
            else:
                sets = ", ".join(f"{c} = ?" for c in columns)
                conn.execute(f"UPDATE threads SET {sets} WHERE id = ?", (*values, rowid))
            self._fts(conn, "threads_fts", rowid, {"who": who}, delete=False)
            self._fts(conn, "threads_tri", rowid, {"who_digits": who_digits, "who": who}, delete=False)
            conn.execute("DELETE FROM mentions WHERE thread_id = ?", (thread_id,))
            conn.executemany("INSERT INTO mentions VALUES (?, ?)",
                             [(thread_id, str(u)) for u in sorted(set(item.get("mentioned") or ()))])

    def _unindex_message(self, conn: sqlite3.Connection, message_key: str) -> None:
        row = conn.execute("SELECT id, text, unspaced FROM messages WHERE message_key = ?", (message_key,)).fetchone()
        if row is None:
            return
        rowid, text, unspaced = row
        self._fts(conn, "messages_fts", rowid, {"text": text}, delete=True)
        if unspaced:
            self._fts(conn, "messages_tri", rowid, {"text": text}, delete=True)
        conn.execute("DELETE FROM messages WHERE id = ?", (rowid,))

    def upsert_message(self, item: Mapping[str, Any]) -> None:
        """Index a message item as stored: its text now (an edit replaces it; unsent or empty drops it)."""
        message_key = str(item["message_key"])
        text = "" if item.get("deleted") else str(item.get("text") or "").strip()
        with self._change() as conn:
            existing = conn.execute("SELECT id, text FROM messages WHERE message_key = ?", (message_key,)).fetchone()
            if existing is not None and existing[1] == text:
                return
            self._unindex_message(conn, message_key)
            if not text or not item.get("thread_id"):
                return  # an annotation stub, a media-only message or an unsent one: nothing to find
            unspaced = query.has_unspaced_script(text)
            # Keep the rowid of an edited message (its place in "newest first").
            cur = conn.execute(
                "INSERT INTO messages(id, message_key, thread_id, at, direction, text, unspaced) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (existing[0] if existing else None, message_key, str(item["thread_id"]),
                 item.get("timestamp"), item.get("direction"), text, int(unspaced)))
            rowid = int(cur.lastrowid or 0)
            self._fts(conn, "messages_fts", rowid, {"text": text}, delete=False)
            if unspaced:
                self._fts(conn, "messages_tri", rowid, {"text": text}, delete=False)

    def remove_message(self, message_key: str) -> None:
        """Drop a message from the index (its item was deleted)."""
        with self._change() as conn:
            self._unindex_message(conn, message_key)

    def remove_thread(self, thread_id: str) -> None:
        """Drop a thread and its messages from the index."""
        with self._change() as conn:
            keys = [r[0] for r in conn.execute("SELECT message_key FROM messages WHERE thread_id = ?", (thread_id,))]
            for key in keys:
                self._unindex_message(conn, key)
            rowid = self._unindex_thread(conn, thread_id)
            if rowid is not None:
                conn.execute("DELETE FROM threads WHERE id = ?", (rowid,))
            conn.execute("DELETE FROM mentions WHERE thread_id = ?", (thread_id,))

    def set_customer_terms(self, customer_key: str, terms: Iterable[str]) -> None:
        """Make a customer findable by more names (the customer record's handles, a merged profile's
        names): every thread of ``customer_key`` is re-indexed with them. Replaces the earlier terms."""
        wanted = sorted({t.strip() for t in terms if t and t.strip()})
        with self._change() as conn:
            conn.execute("DELETE FROM customer_terms WHERE customer_key = ?", (customer_key,))
            conn.executemany("INSERT INTO customer_terms VALUES (?, ?)", [(customer_key, t) for t in wanted])
            rows = conn.execute("SELECT id, thread_id, names FROM threads WHERE customer_key = ?",
                                (customer_key,)).fetchall()
            for rowid, thread_id, names in rows:
                self._unindex_thread(conn, thread_id)
                who, who_digits = self._who(conn, names, customer_key)
                conn.execute("UPDATE threads SET who = ?, who_digits = ? WHERE id = ?", (who, who_digits, rowid))
                self._fts(conn, "threads_fts", rowid, {"who": who}, delete=False)
                self._fts(conn, "threads_tri", rowid, {"who_digits": who_digits, "who": who}, delete=False)

    def forget(self, *, thread_ids: Iterable[str] = (), customer_handles: Iterable[str] = ()) -> int:
        """Erase from the index the given threads and every thread of a customer named by one of
        ``customer_handles`` (customer key, id, phone or username), with their messages; the number
        of threads erased. For the customer erasure: the index keeps nothing of them afterwards."""
        with self._change() as conn:
            handles = [h for h in customer_handles if h]
            explicit = set(thread_ids)
            doomed = set(explicit)
            for handle in handles:
                doomed.update(r[0] for r in conn.execute(
                    "SELECT thread_id FROM threads WHERE customer_key = ?", (handle,)))
                quoted = '"' + handle.replace('"', '""') + '"'
                doomed.update(r[0] for r in conn.execute(
                    "SELECT t.thread_id FROM threads_fts f JOIN threads t ON t.id = f.rowid "
                    "WHERE threads_fts MATCH ?", (quoted,)))
                doomed.update(r[0] for r in conn.execute(
                    "SELECT t.thread_id FROM threads_tri f JOIN threads t ON t.id = f.rowid "
                    "WHERE threads_tri MATCH ?", (quoted,)) if len(handle) >= 3)
                if query.is_phone(handle):
                    doomed.update(r[0] for r in conn.execute(
                        "SELECT t.thread_id FROM threads_tri f JOIN threads t ON t.id = f.rowid "
                        "WHERE threads_tri MATCH ?", (f'who_digits : "{query.digits(handle)}"',)))
                conn.execute("DELETE FROM customer_terms WHERE customer_key = ?", (handle,))
            exact = set(handles)
            erased = 0
            for thread_id in sorted(doomed):
                row = conn.execute("SELECT names, customer_key FROM threads WHERE thread_id = ?",
                                   (thread_id,)).fetchone()
                # A handle matched by words must be one of the thread's own names (a phone in any
                # format: the same digits), not part of another's.
                if row is not None and thread_id not in explicit and row[1] not in exact \
                        and not _names_match(exact, str(row[0]).split("\n")):
                    continue
                self.remove_thread(thread_id)
                erased += 1
            if erased:
                self.purge_deleted()
            return erased

    def purge_deleted(self) -> None:
        """Merge the full-text segments: FTS5 keeps a deleted row's terms in older segments until a
        merge, so after an erasure no word of the person stays in the file (secure_delete zeroes the
        freed pages). Costs a rewrite of the index: only for erasures (a thread deleted), never per message."""
        with self._change() as conn:
            for table in ("threads_fts", "threads_tri", "messages_fts", "messages_tri"):
                conn.execute(f"INSERT INTO {table}({table}) VALUES('optimize')")

    def clear(self) -> None:
        """Empty the index (before a rebuild from the store)."""
        with self._change() as conn:
            for table in ("mentions", "customer_terms", "messages", "threads"):
                conn.execute(f"DELETE FROM {table}")
            for fts in ("threads_fts", "threads_tri", "messages_fts", "messages_tri"):
                conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")

    def optimize(self) -> None:
        """Merge the FTS5 segments (after a bulk load: smaller file, faster queries)."""
        with self._change() as conn:
            for fts in ("threads_fts", "threads_tri", "messages_fts", "messages_tri"):
                conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")

    def counts(self) -> dict[str, int]:
        """How many threads and messages the index holds."""
        with self._lock:
            return {table: int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                    for table in ("threads", "messages")}

    # --- reading ---------------------------------------------------------------------------------

    def search(self, q: str, *, filters: Filters = NO_FILTERS, scope: Where = ALL, limit: int = 20,
               offset: int = 0) -> Page:
        """Threads whose customer matches ``q`` and messages whose text does (newest first), narrowed
        by the filters and the caller's scope; with an empty ``q``, the threads the filters select."""
        match = query.build(q)
        with self._lock:
            threads = self._threads(match, filters, scope, limit + 1, offset)
            found = [] if match.empty else self._messages(match, filters, scope, limit + 1, offset)
        more = len(threads) > limit or len(found) > limit
        return Page(threads[:limit], found[:limit], more)

    def _threads(self, match: query.Match, filters: Filters, scope: Where, limit: int,
                 offset: int) -> list[ThreadHit]:
        where = thread_where(filters)
        parts = [scope.sql, where.sql]
        params: list[Any] = [*scope.params, *where.params]
        if not match.empty:
            any_of: list[str] = []
            if match.words:
                any_of.append("t.id IN (SELECT rowid FROM threads_fts WHERE threads_fts MATCH ?)")
                params.append(match.words)
            if match.phone:
                any_of.append("t.id IN (SELECT rowid FROM threads_tri WHERE threads_tri MATCH ?)")
                params.append("who_digits : " + match.phone)
            if match.trigrams:
                any_of.append("t.id IN (SELECT rowid FROM threads_tri WHERE threads_tri MATCH ?)")
                params.append("who : (" + match.trigrams + ")")
            for term in match.short:
                any_of.append("t.who LIKE ? ESCAPE '\\'")
                params.append(_like(term))
            parts.append("(" + " OR ".join(any_of) + ")")
        sql = (f"SELECT t.thread_id FROM threads t WHERE {' AND '.join(parts)} "
               "ORDER BY t.last_at DESC, t.id DESC LIMIT ? OFFSET ?")
        return [ThreadHit(r[0]) for r in self._conn.execute(sql, (*params, limit, offset))]

    def _messages(self, match: query.Match, filters: Filters, scope: Where, limit: int,
                  offset: int) -> list[MessageHit]:
        where = thread_where(filters, message_at="m.at")
        conditions: list[tuple[str, str]] = []  # (fts table, match) the message must meet
        if match.words:
            conditions.append(("messages_fts", match.words))
        if match.trigrams:
            conditions.append(("messages_tri", match.trigrams))
        parts = [scope.sql, where.sql]
        params: list[Any] = []
        if conditions:
            driver, first = conditions[0]
            source = f"{driver} f JOIN messages m ON m.id = f.rowid"
            parts.insert(0, f"{driver} MATCH ?")
            params.append(first)
            snippet = f"snippet({driver}, 0, '', '', '…', {_SNIPPET_TOKENS})"
            order = "f.rowid DESC"
        else:
            source = "messages m"
            parts.insert(0, "m.unspaced = 1")
            snippet = "substr(m.text, 1, 120)"
            order = "m.id DESC"
        params += [*scope.params, *where.params]
        for table, expression in conditions[1:]:
            parts.append(f"m.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)")
            params.append(expression)
        for term in match.short:
            parts.append("m.text LIKE ? ESCAPE '\\'")
            params.append(_like(term))
        sql = (f"SELECT m.thread_id, m.message_key, m.at, m.direction, {snippet} FROM {source} "
               f"JOIN threads t ON t.thread_id = m.thread_id WHERE {' AND '.join(parts)} "
               f"ORDER BY {order} LIMIT ? OFFSET ?")
        return [MessageHit(r[0], r[1], r[2], r[3], r[4]) for r in self._conn.execute(sql, (*params, limit, offset))]
