"""The table modules on moto: conditional writes, forward-only annotations, paging, snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pipeline_support import NOW, inbound

from siu_core.aws import clients
from siu_core.store import audit, customers, ddb, dedupe, keys, loadcount, messages, roster, snapshots, threads


def test_values_round_trip_without_decimals(aws) -> None:
    table = threads.table()
    ddb.run(ddb.put_op(table, {"thread_id": "t", "n": 3, "f": 1.5, "m": {"a": [1, 2.25], "skip": None},
                               "flag": True, "none": None}))
    got = threads.get("t")
    assert got == {"thread_id": "t", "n": 3, "f": 1.5, "m": {"a": [1, 2.25]}, "flag": True}
    assert type(got["n"]) is int


def test_fingerprint_claim_is_exclusive_inside_the_window_only(aws) -> None:
    window = timedelta(hours=72)
    first = dedupe.claim_op("fp1", thread_id="t1", message_key="k1", seen=NOW, window=window)
    ddb.transact([first])
    again_same_owner = dedupe.claim_op("fp1", thread_id="t1", message_key="k1", seen=NOW, window=window)
    ddb.transact([again_same_owner])  # a retry of the same message is fine
    other = dedupe.claim_op("fp1", thread_id="t2", message_key="k2", seen=NOW + timedelta(hours=1), window=window)
    with pytest.raises(ddb.TransactionConflict) as info:
        ddb.transact([other])
    assert info.value.failed == [0]
    stored = dedupe.get("fp1")
    assert stored is not None and stored.live_at(NOW + timedelta(hours=71))
    assert not stored.live_at(NOW + window)
    assert stored.expires_at == int((NOW + window + timedelta(days=1)).timestamp())
    later = dedupe.claim_op("fp1", thread_id="t3", message_key="k3", seen=NOW + window, window=window)
    ddb.transact([later])  # expired (moto never deletes: the window check does it)
    assert dedupe.get("fp1").message_key == "k3"  # type: ignore[union-attr]


def _get(key: str) -> dict[str, Any]:
    found = messages.get(key)
    assert found is not None
    return found


def _message(key: str, thread: str = "t1", at: datetime = NOW) -> dict[str, object]:
    return {"message_key": key, "thread_id": thread, "sort_key": keys.sort_key(at, key), "direction": "out"}


def test_message_creation_happens_once(aws) -> None:
    ddb.transact([messages.create_op(_message("k"), text="hello")])
    with pytest.raises(ddb.TransactionConflict):
        ddb.transact([messages.create_op(_message("k"), text="hello again")])
    assert messages.get("k")["text"] == "hello"  # type: ignore[index]


def test_annotations_before_their_message_survive_its_creation(aws) -> None:
    ddb.run(messages.reaction_op("k", by="customer", emoji="👍", removed=False, at=NOW))
    ddb.run(messages.edit_op("k", text="edited", at=NOW))
    ddb.run(messages.status_op("k", status="read", at=NOW, error=None))
    stub = messages.get("k")
    assert not messages.is_stored(stub)
    ddb.transact([messages.create_op(_message("k"), text="original")])
    got = _get("k")
    assert messages.is_stored(got)
    assert got["text"] == "edited" and got["reaction_customer"]["emoji"] == "👍" and got["status"] == "read"


def test_status_moves_forward_only_and_failed_keeps_its_error(aws) -> None:
    ddb.transact([messages.create_op(_message("k"), text="hi")])
    ddb.run(messages.status_op("k", status="delivered", at=NOW, error=None))
    ddb.run(messages.status_op("k", status="read", at=NOW, error=None))
    with pytest.raises(ddb.ConditionFailed):
        ddb.run(messages.status_op("k", status="delivered", at=NOW, error=None))
    assert messages.get("k")["status"] == "read"  # type: ignore[index]
    ddb.run(messages.status_op("k", status="failed", at=NOW, error={"code": 131047, "title": "window"}))
    for later in ("read", "delivered", "sent"):
        with pytest.raises(ddb.ConditionFailed):
            ddb.run(messages.status_op("k", status=later, at=NOW, error=None))
    got = _get("k")
    assert got["status"] == "failed" and got["status_error"] == {"code": 131047, "title": "window"}


def test_reactions_and_edits_keep_the_latest(aws) -> None:
    ddb.transact([messages.create_op(_message("k"), text="v1")])
    ddb.run(messages.reaction_op("k", by="customer", emoji="👍", removed=False, at=NOW))
    with pytest.raises(ddb.ConditionFailed):  # an older reaction arriving late
        ddb.run(messages.reaction_op("k", by="customer", emoji="😡", removed=False, at=NOW - timedelta(seconds=1)))
    ddb.run(messages.reaction_op("k", by="customer", emoji=None, removed=True, at=NOW + timedelta(seconds=1)))
    ddb.run(messages.edit_op("k", text="v3", at=NOW + timedelta(minutes=2)))
    with pytest.raises(ddb.ConditionFailed):
        ddb.run(messages.edit_op("k", text="v2", at=NOW + timedelta(minutes=1)))
    got = _get("k")
    assert got["reaction_customer"]["removed"] is True and got["text"] == "v3"
    ddb.run(messages.unsend_op("k", at=NOW + timedelta(minutes=3)))
    got = _get("k")
    assert got["deleted"] is True and "text" not in got
    with pytest.raises(ddb.ConditionFailed):
        ddb.run(messages.edit_op("k", text="v4", at=NOW + timedelta(minutes=4)))


def test_an_outbound_reply_keeps_a_status_that_came_first(aws) -> None:
    ddb.run(messages.status_op("k", status="delivered", at=NOW, error=None))
    ddb.run(messages.put_outbound_op({**_message("k"), "text": "our reply", "status": "sent", "status_rank": 1}))
    got = _get("k")
    assert got["status"] == "delivered" and got["text"] == "our reply" and messages.is_stored(got)


def test_batch_get_splits_above_100_keys(aws) -> None:
    for i in range(130):
        ddb.run(ddb.put_op(threads.table(), {"thread_id": f"t{i}"}))
    found = ddb.batch_get([ddb.GetRequest(threads.table(), [threads.key(f"t{i}") for i in range(140)])])
    assert len(found[threads.table()]) == 130


def test_head_writes_are_guarded_by_version(aws) -> None:
    head = customers.CurrentThread(customer_key="c", channel="whatsapp", account_id="a", customer_id="u", thread_id="t",
                          seq=1, status="open", version=1)
    ddb.transact([customers.put_op(head, None)])
    with pytest.raises(ddb.TransactionConflict):
        ddb.transact([customers.put_op(head, None)])
    ddb.transact([customers.put_op(head.evolve(status="closed"), 1)])
    with pytest.raises(ddb.TransactionConflict):
        ddb.transact([customers.put_op(head.evolve(status="open"), 1)])  # stale view loses
    assert customers.get("c") == head.evolve(status="closed")


def test_counters_refuse_capacity_and_negative(aws) -> None:
    ddb.transact([loadcount.increment_op("ana", at=NOW, capacity=1)])
    with pytest.raises(ddb.TransactionConflict):
        ddb.transact([loadcount.increment_op("ana", at=NOW, capacity=1)])
    ddb.transact([loadcount.decrement_op("ana")])
    with pytest.raises(ddb.TransactionConflict):
        ddb.transact([loadcount.decrement_op("ana")])
    assert loadcount.get("ana").open_threads == 0 and loadcount.get("nobody").open_threads == 0


def test_roster_seed_keeps_live_edits(aws) -> None:
    assert [e.id for e in roster.all_entries()] == ["ana", "ben", "cho", "mei"]
    roster.set_status("ana", "away", by="user:mei", at=NOW)
    assert roster.seed(aws.config.roster) == 0
    assert roster.get("ana").status == "away"  # type: ignore[union-attr]
    rows = audit.for_scope(audit.roster_scope("ana"))
    assert rows[0]["before"] == {"status": "available"} and rows[0]["after"] == {"status": "away"}
    roster.seed(aws.config.roster, overwrite=True)
    assert roster.get("ana").status == "available"  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        roster.set_status("nobody", "away", by="x", at=NOW)


def test_snapshots_are_written_once(aws) -> None:
    ev = inbound("m1", "hello")
    key = snapshots.put_event(ev, NOW)
    assert snapshots.put_event(ev, NOW + timedelta(seconds=5)) == key
    versions = clients.s3().list_object_versions(Bucket=snapshots.bucket(), Prefix=key)["Versions"]
    assert len(versions) == 1
    assert b'"message_id":"m1"' in snapshots.get(key).replace(b" ", b"")
    media = snapshots.put_media(snapshots.media_key(ev, 0), b"\x89PNG", "image/png")
    assert snapshots.get(media) == b"\x89PNG"
    assert "acct-1" not in key  # account ids are hashed out of object keys


def test_timestamps_sort_as_text() -> None:
    a = datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC)
    b = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert keys.ts(a) < keys.ts(b) and keys.parse_ts(keys.ts(a)) == a
    assert keys.thread_id("c", 1) == keys.thread_id("c", 1) != keys.thread_id("c", 2)


def test_a_malformed_roster_entry_is_skipped_not_fatal(aws) -> None:
    ddb.run(ddb.put_op(roster.table(), {"assignee": "zed", "teams": "not-a-list"}))
    assert [e.id for e in roster.all_entries()] == ["ana", "ben", "cho", "mei"]


def _contended(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """DynamoDB cancels the next ``times`` transactions for contention (another transaction on the item)."""
    client = clients.dynamodb()
    real = client.transact_write_items
    calls: list[int] = []

    def transact_write_items(**kwargs: Any) -> Any:
        calls.append(len(kwargs["TransactItems"]))
        if len(calls) <= times:
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                     "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]}
            raise client.exceptions.TransactionCanceledException(error, "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", transact_write_items)
    monkeypatch.setattr(ddb, "CONTENTION_BACKOFF_S", 0.0)
    return calls


def test_contention_with_another_transaction_is_retried_and_lands_once(aws, monkeypatch) -> None:
    calls = _contended(monkeypatch, times=ddb.CONTENTION_ATTEMPTS - 1)
    ddb.transact([messages.create_op(_message("k"), text="hello"),
                  loadcount.increment_op("ana", at=NOW, capacity=None)])
    assert len(calls) == ddb.CONTENTION_ATTEMPTS
    assert messages.get("k")["text"] == "hello"  # type: ignore[index]
    assert loadcount.get("ana").open_threads == 1


def test_contention_that_outlasts_the_retries_reaches_the_caller_having_written_nothing(aws, monkeypatch) -> None:
    client = clients.dynamodb()
    calls = _contended(monkeypatch, times=ddb.CONTENTION_ATTEMPTS)
    with pytest.raises(client.exceptions.TransactionCanceledException):
        ddb.transact([messages.create_op(_message("k"), text="hello")])
    assert len(calls) == ddb.CONTENTION_ATTEMPTS and messages.get("k") is None


def test_an_edit_that_names_the_text_it_replaces_keeps_it_in_the_history(aws) -> None:
    ddb.transact([messages.create_op(_message("k"), text="v1")])
    ddb.run(messages.edit_op("k", text="v2", at=NOW, previous="v1"))
    with pytest.raises(ddb.ConditionFailed):  # the text changed since it was read: judge again on fresh data
        ddb.run(messages.edit_op("k", text="v3", at=NOW + timedelta(minutes=1), previous="v1"))
    ddb.run(messages.edit_op("k", text="v3", at=NOW + timedelta(minutes=1), previous="v2"))
    got = _get("k")
    assert got["text"] == "v3" and [e["text"] for e in got["edits"]] == ["v1", "v2"]
    assert got["edits"][1]["until"] == keys.ts(NOW + timedelta(minutes=1))
    ddb.run(messages.unsend_op("k", at=NOW + timedelta(minutes=2)))
    assert "edits" not in _get("k")  # the customer's deleted words go, earlier versions included
