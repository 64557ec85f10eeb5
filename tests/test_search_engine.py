"""The SQLite FTS5 index on a real file: what it finds, in which languages, for whom, and what it forgets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from siu_core import search
from siu_core.search.engine import Index
from siu_core.search.filters import Filters
from siu_core.search.scope import visible

pytestmark = pytest.mark.functional


def thread(thread_id: str, **fields: Any) -> dict[str, Any]:
    base = {"thread_id": thread_id, "customer_key": f"ck-{thread_id}", "channel": "telegram", "account_id": "acc",
            "status": "open", "opened_at": "2026-01-01T00:00:00.000000Z",
            "last_message_at": "2026-01-05T00:00:00.000000Z"}
    return {**base, **fields}


def message(key: str, thread_id: str, text: str, at: str = "2026-01-02T00:00:00.000000Z",
            **fields: Any) -> dict[str, Any]:
    return {"message_key": key, "thread_id": thread_id, "text": text, "timestamp": at, "direction": "inbound", **fields}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    opened = Index(tmp_path / "search.sqlite3")
    opened.upsert_thread(thread("t1", customer_name="José Müller", customer_id="12345",
                                customer_phone="+1 (555) 010-0199", team="sales", topic="billing", urgency="high"))
    opened.upsert_thread(thread("t2", channel="line", customer_name="山田太郎", customer_username="yamada",
                                team="support", assignee="bob", status="closed", mentioned=["amy"],
                                last_message_at="2026-01-03T00:00:00.000000Z"))
    opened.upsert_message(message("m1", "t1", "Where is my café order? It was late"))
    opened.upsert_message(message("m2", "t2", "東京都の配送はいつですか", at="2026-01-03T00:00:00.000000Z"))
    opened.upsert_message(message("m3", "t2", "สวัสดีครับ ต้องการสั่งซื้อ", at="2026-01-04T00:00:00.000000Z"))
    opened.upsert_message(message("m4", "t1", "Ich möchte die Rechnung für Grüße", at="2026-01-05T00:00:00.000000Z"))
    yield opened
    opened.close()


def found(index: Index, q: str, **kw: Any) -> tuple[list[str], list[str]]:
    page = index.search(q, **kw)
    return [t.thread_id for t in page.threads], [m.message_key for m in page.messages]


@pytest.mark.parametrize(("q", "threads", "messages"), [
    ("jose", ["t1"], []),
    ("MULLER", ["t1"], []),
    ("+1 555 010 0199", ["t1"], []),
    ("0100199", ["t1"], []),
    ("12345", ["t1"], []),
    ("yamada", ["t2"], []),
    ("山田", ["t2"], []),
    ("cafe", [], ["m1"]),
    ("CAFÉ ord", [], ["m1"]),
    ("grusse", [], []),  # folding removes accents, not spelling: ß is its own letter
    ("rechnung", [], ["m4"]),
    ("東京都", [], ["m2"]),
    ("配送", [], ["m2"]),
    ("สั่งซื้อ", [], ["m3"]),
    ('"; DROP TABLE threads; --', [], []),
    ("order OR nothing", [], []),
    ("NEAR(where late)", [], []),
])
def test_finds_customers_and_words_in_every_script(index: Index, q: str, threads: list[str],
                                                   messages: list[str]) -> None:
    assert found(index, q) == (threads, messages)


def test_newest_message_first_and_paged(index: Index) -> None:
    for i in range(5):
        index.upsert_message(message(f"x{i}", "t1", f"parcel number {i}"))
    first = index.search("parcel", limit=2)
    assert [m.message_key for m in first.messages] == ["x4", "x3"] and first.more
    last = index.search("parcel", limit=2, offset=4)
    assert [m.message_key for m in last.messages] == ["x0"] and not last.more


def test_filters_narrow_threads_and_messages(index: Index) -> None:
    assert found(index, "", filters=Filters(status="closed")) == (["t2"], [])
    assert found(index, "", filters=Filters(topic="billing", urgency="high")) == (["t1"], [])
    assert found(index, "", filters=Filters(channel="line")) == (["t2"], [])
    assert found(index, "", filters=Filters(assignee="bob")) == (["t2"], [])
    assert found(index, "rechnung", filters=Filters(since="2026-01-05")) == ([], ["m4"])
    assert found(index, "rechnung", filters=Filters(until="2026-01-05")) == ([], [])
    assert found(index, "", filters=Filters()) == (["t1", "t2"], [])


def test_agents_find_only_what_they_may_read(index: Index) -> None:
    sales = visible(admin=False, user="cy", teams=["sales"])
    assert found(index, "東京都", scope=sales) == ([], [])
    assert found(index, "cafe", scope=sales) == ([], ["m1"])
    mentioned = visible(admin=False, user="amy", teams=[])
    assert found(index, "", scope=mentioned) == (["t2"], [])
    assignee = visible(admin=False, user="bob", teams=[])
    assert found(index, "yamada", scope=assignee) == (["t2"], [])


def test_reassignment_edit_and_unsend_follow_the_store(index: Index) -> None:
    index.upsert_thread(thread("t2", customer_name="山田太郎", team="sales"))
    assert found(index, "山田", scope=visible(admin=False, user="cy", teams=["sales"])) == (["t2"], [])
    index.upsert_message(message("m1", "t1", "edited words"))
    assert found(index, "cafe") == ([], []) and found(index, "edited") == ([], ["m1"])
    index.upsert_message(message("m1", "t1", "edited words", deleted=True))
    assert found(index, "edited") == ([], [])


def test_customer_terms_extend_and_replace(index: Index) -> None:
    index.set_customer_terms("ck-t1", ["jmuller_ig", "Pepe"])
    assert found(index, "pepe") == (["t1"], [])
    index.set_customer_terms("ck-t1", ["Pepito"])
    assert found(index, "pepit") == (["t1"], []) and found(index, "pepe") == ([], [])
    assert found(index, "jmuller_ig") == ([], [])
    assert found(index, "jose") == (["t1"], [])


def test_forget_erases_a_customer_by_any_handle_and_survives_reopen(index: Index, tmp_path: Path) -> None:
    index.close()
    path = tmp_path / "search.sqlite3"
    assert search.forget(path, customer_handles=["555"]) == 0  # part of a number names nobody
    assert search.forget(path, customer_handles=["+15550100199"]) == 1  # the same phone, written another way
    reopened = Index(path)
    try:
        assert found(reopened, "jose") == ([], []) and found(reopened, "rechnung") == ([], [])
        assert reopened.counts() == {"threads": 1, "messages": 2}
        assert reopened.forget(thread_ids=["t2"]) == 1 and reopened.counts() == {"threads": 0, "messages": 0}
    finally:
        reopened.close()


def test_forget_leaves_no_word_or_name_of_the_person_in_the_file(index: Index, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    before = path.read_bytes()
    assert b"Rechnung" in before and b"Rechnung".lower() in before  # the content row and the index terms
    assert index.forget(customer_handles=["12345"]) == 1
    index.close()
    after = path.read_bytes()
    for trace in (b"Rechnung", b"rechnung", "Müller".encode(), b"mller", b"0100199", b"caf"):
        assert trace not in after, trace
    assert "東京都".encode() in after  # the other customer's words stay
