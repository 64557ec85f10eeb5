"""Erasing a person on moto: nothing of them is left in any table or any object version, the counters
hold, the audit keeps a row without personal data, a second run changes nothing, an interrupted run is
finished by the next one, and a later message starts a new customer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pipeline_support import NOW, counters, open_threads_by_assignee, run_batch
from privacy_support import OTHER, PHONE, SUBJECT, person_message, seed_person, traces

from siu_core.privacy import erase as erasure
from siu_core.privacy import exports, items
from siu_core.store import audit, keys, messages, threads
from siu_core.store import customers as heads


@pytest.fixture
def person(aws: Any) -> Any:
    """The person of privacy_support, stored through the pipeline."""
    return seed_person(aws)


def test_nothing_of_the_person_remains_and_others_are_untouched(person: Any) -> None:
    assert traces(), "the fixture stored the person"
    exports.to_bucket(SUBJECT, at=NOW, by="user:mei")  # an export lies in the bucket too
    before_other = threads.for_customer(OTHER)
    done = erasure.erase(SUBJECT, by="user:mei", at=NOW)
    assert traces() == []
    assert done.audited and not done.resumed
    assert done.counts["messages"] == 3 and done.counts["threads"] == 1 and done.counts["notes"] == 1
    assert done.counts["conversations"] == 2  # the head and the phone's alias
    assert threads.for_customer(OTHER) == before_other
    (row,) = audit.for_scope(erasure.AUDIT_SCOPE)
    assert row["by"] == "user:mei" and row["after"]["counts"] == done.counts
    assert counters() == open_threads_by_assignee()


def test_a_second_run_finds_nothing_and_audits_nothing(person: Any) -> None:
    erasure.erase(SUBJECT, by="user:mei", at=NOW)
    again = erasure.erase(SUBJECT, by="user:mei", at=NOW + timedelta(minutes=1))
    assert not again.audited and not any(again.counts.values())
    assert len(audit.for_scope(erasure.AUDIT_SCOPE)) == 1


def test_an_interrupted_run_is_finished_by_the_next(person: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = items.delete
    calls = {"n": 0}

    def crash_on_third(deletes: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("Lambda timed out")
        real(deletes)

    monkeypatch.setattr(items, "delete", crash_on_third)
    with pytest.raises(RuntimeError):
        erasure.erase(SUBJECT, by="user:mei", at=NOW)
    assert traces()  # half done
    monkeypatch.setattr(items, "delete", real)
    done = erasure.erase(SUBJECT, by="user:mei", at=NOW)
    assert done.resumed and done.audited and traces() == []
    assert done.counts["messages"] == 3
    assert counters() == open_threads_by_assignee()


def test_a_message_after_erasure_starts_a_new_customer(person: Any) -> None:
    erasure.erase(SUBJECT, by="user:mei", at=NOW)
    run_batch([person_message("wamid.r9", "hello again", 1)], now=NOW + timedelta(minutes=5))
    (thread,) = threads.for_customer(SUBJECT)
    assert thread["message_count"] == 1
    head = heads.get(SUBJECT)
    assert head is not None and head.thread_id == thread["thread_id"]
    assert [m["message_id"] for m in messages.list_thread(str(thread["thread_id"]))] == ["wamid.r9"]


def test_an_alias_names_the_same_person(person: Any) -> None:
    done = erasure.erase(keys.customer_key("whatsapp", "acct-1", PHONE), by="user:mei", at=NOW)
    assert done.counts["messages"] == 3 and traces() == []
