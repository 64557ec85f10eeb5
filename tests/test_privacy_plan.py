"""What erasure deletes and what an export document says, decided from stored items alone (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from siu_core.aws.names import ResourceNames
from siu_core.privacy import document, plan
from siu_core.privacy.subject import Handle, UnknownSubject, handles_for, parse_subject
from siu_core.store.replies import record_key

NAMES = ResourceNames(**{f: f"t-{f}" for f in ResourceNames.__dataclass_fields__})
CONV = "whatsapp#acct-1#SG.1"


def _kinds(p: plan.Plan) -> list[tuple[str, str]]:
    return [(d.kind, d.table) for d in p.deletes]


@pytest.mark.parametrize(
    ("message", "deletes", "objects"),
    [
        pytest.param({"message_key": "k1", "thread_id": "th"}, [("messages", "t-messages")], [],
                     id="a bare message: its item only"),
        pytest.param({"message_key": "k1", "thread_id": "th", "fingerprint": "ab12", "snapshot_key": "events/x.json"},
                     [("dedupe", "t-dedupe"), ("messages", "t-messages")], ["events/x.json"],
                     id="fingerprint (guarded) and snapshot"),
        pytest.param({"message_key": "k1", "thread_id": "th",
                      "attachments": [{"type": "image", "media_key": "media/a/0"}, {"type": "share", "url": "https://x"}]},
                     [("messages", "t-messages")], ["media/a/0"], id="downloaded media only, not a shared link"),
        pytest.param({"message_key": "k1", "thread_id": "th", "sent_by": "user:ana", "idempotency_key": "i-1"},
                     [("dedupe", "t-dedupe"), ("messages", "t-messages")], [], id="a reply's idempotency record"),
        pytest.param({"message_key": "k1", "thread_id": "th", "sent_by": "business_app"},
                     [("messages", "t-messages")], [], id="an echo has no reply record"),
    ],
)
def test_what_a_message_takes_with_it(message: dict[str, Any], deletes: list[tuple[str, str]],
                                      objects: list[str]) -> None:
    p = plan.for_message(NAMES, message)
    assert _kinds(p) == deletes and p.objects == objects


def test_a_fingerprint_is_deleted_only_while_it_names_the_message() -> None:
    p = plan.for_message(NAMES, {"message_key": "k1", "thread_id": "th", "fingerprint": "ab12"})
    assert p.deletes[0].key == {"fingerprint": "ab12"} and p.deletes[0].only_if == ("message_key", "k1")


def test_the_reply_record_key_is_the_one_the_inbox_wrote() -> None:
    p = plan.for_message(NAMES, {"message_key": "k1", "thread_id": "th", "sent_by": "user:ana",
                                 "idempotency_key": "i-1"})
    assert p.deletes[0].key == {"fingerprint": record_key("th", "ana", "i-1")}


def test_a_thread_releases_only_a_teammates_open_assignment() -> None:
    rows = [{"seq": 1, "assignee": "ana", "status": "superseded"}, {"seq": 2, "assignee": "ben", "status": "open"}]
    p = plan.for_thread(NAMES, {"thread_id": "th"}, notes=[], assignments=rows)
    assert p.releases == [plan.Release("th", 2, "ben")]
    queued = plan.for_thread(NAMES, {"thread_id": "th"}, notes=[],
                             assignments=[{"seq": 1, "assignee": "queue#care", "status": "open"}])
    assert queued.releases == []
    assert _kinds(p)[-1] == ("threads", "t-threads")  # the thread goes last


def test_the_thread_takes_its_notifications_and_names_who_may_hold_them() -> None:
    note = {"pk": "note#th", "sk": "n1", "at": "2026-03-04T02:00:00.000000Z", "mentions": ["ana", "cho"]}
    held = [{"pk": "notify#ana", "sk": "2026-03-04T02:00:00.000000Z#aa", "thread_id": "th"},
            {"pk": "notify#ana", "sk": "2026-03-04T03:00:00.000000Z#bb", "thread_id": "other"}]
    p = plan.for_thread(NAMES, {"thread_id": "th"}, notes=[note], assignments=[], notifications=held)
    keys = [d.key for d in p.deletes if d.kind == "notifications"]
    assert keys == [{"pk": "notify#ana", "sk": "2026-03-04T02:00:00.000000Z#aa"}]  # another thread's stays
    assert {"pk": "away#th", "sk": "claim"} in [d.key for d in p.deletes]
    rows = [{"seq": 1, "assignee": "queue#care"}, {"seq": 2, "assignee": "ben"}, {"seq": 3, "assignee": "ana"}]
    assert plan.notified([note], rows) == ["ben", "ana", "cho"]


@pytest.mark.parametrize(
    ("found", "deleted"),
    [
        pytest.param({CONV: {"customer_key": CONV}}, [CONV], id="the head"),
        pytest.param({CONV: {"customer_key": CONV}, "whatsapp#acct-1#659": {"alias_of": CONV}},
                     [CONV, "whatsapp#acct-1#659"], id="the head and its alias"),
        pytest.param({"whatsapp#acct-1#659": {"alias_of": "whatsapp#acct-1#SG.other"}}, [],
                     id="an alias of someone else stays"),
        pytest.param({CONV: None}, [], id="gone already"),
    ],
)
def test_which_customer_items_go(found: dict[str, Any], deleted: list[str]) -> None:
    p = plan.for_conversations(NAMES, [CONV], found)
    assert [d.key["customer_key"] for d in p.deletes] == deleted


def test_alias_candidates_come_from_the_ids_the_items_recorded() -> None:
    message = {"event": {"customer": {"id": "SG.1", "phone": "659"}}, "customer_phone": "659"}
    assert plan.alias_candidates(CONV, plan.customer_ids(message)) == ["whatsapp#acct-1#659"]


def test_counts_by_kind() -> None:
    p = plan.for_message(NAMES, {"message_key": "k1", "thread_id": "th", "fingerprint": "f", "snapshot_key": "e"})
    assert plan.counts(p) == {**dict.fromkeys(plan.KINDS, 0), "dedupe": 1, "messages": 1, "objects": 1}


@pytest.mark.parametrize("bad", ["", "name", "a#b", "a##c", "#b#c", "a#b#" + "x" * 600])
def test_a_subject_is_a_conversation_key(bad: str) -> None:
    with pytest.raises(UnknownSubject):
        parse_subject(bad)


def test_until_the_person_record_a_subject_is_one_handle() -> None:
    assert handles_for(None, "line#acct#U1#x") == [Handle("line", "acct", "U1#x")]


# --- the export document ------------------------------------------------------------------------------


def test_a_message_entry_points_at_its_files_and_keeps_its_words() -> None:
    item = {"message_key": "k", "message_id": "m1", "thread_id": "th", "direction": "in", "text": "hi",
            "sort_key": "x", "status_rank": 2, "snapshot_key": "events/e.json",
            "attachments": [{"type": "image", "media_key": "media/m/0", "mime_type": "image/jpeg"}]}
    entry = document.message(item, audit_rows=[{"thread_id": "message#k", "ts": "t", "action": "reaction",
                                                 "by": "pipeline", "at": "t"}])
    assert entry == {"message_id": "m1", "thread_id": "th", "direction": "in", "text": "hi",
                     "snapshot": "files/events/e.json",
                     "attachments": [{"type": "image", "mime_type": "image/jpeg", "file": "files/media/m/0"}],
                     "audit": [{"scope": "message#k", "action": "reaction", "by": "pipeline", "at": "t"}]}
    assert document.files_of(item) == [("events/e.json", "snapshot"), ("media/m/0", "media")]


def test_the_header_names_format_version_and_handles() -> None:
    at = datetime(2026, 3, 4, tzinfo=UTC)
    assert document.header("whatsapp#a#1", [Handle("whatsapp", "a", "1")], at) == {
        "format": "siu.customer-export", "version": 1, "exported_at": "2026-03-04T00:00:00.000000Z",
        "customer_id": "whatsapp#a#1", "customers": [],
        "handles": [{"channel": "whatsapp", "account_id": "a", "customer_id": "1"}]}
    record = {"pk": "customer#cus_1", "sk": "record", "person_id": "cus_1", "tags": ["vip"]}
    shown = document.header("cus_1", [], at, customers=[record])["customers"]
    assert shown == [{"person_id": "cus_1", "tags": ["vip"]}]


def test_a_thread_entry_holds_notes_assignments_and_audit() -> None:
    entry = document.thread({"thread_id": "th", "status": "open", "topic": "shipping", "internal": "x"},
                            notes=[{"pk": "note#th", "sk": "n1", "text": "regular", "by": "ben", "at": "t"}],
                            assignments=[{"thread_id": "th", "seq": 1, "assignee": "ana", "status": "open"}],
                            audit_rows=[])
    assert entry == {"thread_id": "th", "status": "open", "topic": "shipping",
                     "notes": [{"note_id": "n1", "text": "regular", "by": "ben", "at": "t"}],
                     "assignments": [{"seq": 1, "assignee": "ana", "status": "open"}], "audit": []}


def test_a_missing_file_is_listed_as_missing() -> None:
    assert document.file_entry("media/x/0", kind="media", size=None, content_type=None)["missing"] is True


def test_an_audit_row_takes_the_snapshot_of_the_event_it_records() -> None:
    rows = [{"thread_id": "th", "ts": "t1", "after": {"message_key": "k", "snapshot_key": "events/r.json"}},
            {"thread_id": "th", "ts": "t2", "after": {"message_key": "k"}}, {"thread_id": "th", "ts": "t3"}]
    p = plan.for_audit_rows(NAMES, rows)
    assert p.objects == ["events/r.json"] and [d.key["ts"] for d in p.deletes] == ["t1", "t2", "t3"]
    assert document.audit_entry(rows[0])["snapshot"] == "files/events/r.json"


@pytest.mark.parametrize(("message", "query"), [
    ({"message_key": "k"}, False),
    ({"message_key": "k", "reaction_customer": {"emoji": "x"}}, True),
    ({"message_key": "k", "status": "read"}, True),
    ({"message_key": "k", "deleted": True}, True),
])
def test_only_an_annotated_message_may_have_early_audit_rows(message: dict[str, Any], query: bool) -> None:
    assert plan.may_have_early_rows(message) is query
