"""Erasing a person on moto: nothing of them is left in any table or any object version, the counters
hold, the audit keeps a row without personal data, a second run changes nothing, an interrupted run is
finished by the next one, and a later message starts a new customer.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pipeline_support import NOW, counters, echo, inbound, install_services, open_threads_by_assignee, run_batch

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.models import Participant
from siu_core.privacy import erase as erasure
from siu_core.privacy import exports, items
from siu_core.store import audit, ddb, keys, messages, notes, snapshots, threads
from siu_core.store import customers as heads

PHONE, BSUID, NAME = "6591234567", "SG.7741203395518822", "Rosalind Quek"
WORDS = "lavender parcel went missing"
SUBJECT = keys.customer_key("whatsapp", "acct-1", BSUID)
OTHER = keys.customer_key("whatsapp", "acct-1", "other-9")


def _event(mid: str, text: str, minutes: int, **fields: Any) -> Any:
    who = Participant(id=BSUID, phone=PHONE, name=NAME, username="rosq")
    return inbound(mid, text, at=NOW - timedelta(minutes=minutes), **fields).model_copy(update={"customer": who})


@pytest.fixture
def person(aws: Any) -> Any:
    """The person wrote twice (with a photo), the shop answered, a teammate noted; someone else wrote too."""
    install_services(aws.config)
    run_batch([_event("wamid.r1", f"my {WORDS}, order 5521", 30), inbound("wamid.o1", "hello", customer="other-9")])
    run_batch([echo("wamid.e1", f"Sorry {NAME}, checking", customer=BSUID)])
    run_batch([_event("wamid.r2", "urgent please", 10)])
    thread = threads.for_customer(SUBJECT)[0]
    # a downloaded photo, as the pipeline stores one (two versions: a re-upload)
    media = f"media/whatsapp/{keys.short_hash('acct-1', 16)}/2026/03/04/{keys.short_hash('wamid.r2')}/0"
    for body in (b"jpeg of Rosalind Quek", b"jpeg again"):
        clients.s3().put_object(Bucket=resource_names().bucket, Key=media, Body=body)
    ddb.run(ddb.update_op(messages.table(), messages.key(keys.message_key("whatsapp", "acct-1", "wamid.r2")),
                          set_={"attachments": [{"type": "image", "media_key": media}]}))
    notes.add(str(thread["thread_id"]), "n1", f"{NAME} is a regular", ["ana"], by="user:ben", author="ben",
              at=NOW)
    return aws


def _everything() -> list[str]:
    """Every item of every table and every version of every object, as text."""
    names = resource_names()
    out = [json.dumps(i, default=str) for t in (names.dedupe, names.threads, names.messages, names.customers,
                                                 names.assignments, names.loadcount, names.audit, names.composer)
           for i in ddb.scan_all(t)]
    s3 = clients.s3()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=names.bucket):
        for v in page.get("Versions", []):
            body = s3.get_object(Bucket=names.bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
            out.append(v["Key"] + " " + body.decode("utf-8", "replace"))
        out += [m["Key"] for m in page.get("DeleteMarkers", [])]
    return out


IDENTIFIERS = (BSUID, PHONE, NAME, "rosq", WORDS, "wamid.r1", "wamid.r2", "wamid.e1", keys.short_hash("wamid.r2"))


def _traces() -> list[str]:
    return [text for text in _everything() if any(i in text for i in IDENTIFIERS)]


def test_nothing_of_the_person_remains_and_others_are_untouched(person: Any) -> None:
    assert _traces(), "the fixture stored the person"
    exports.to_bucket(SUBJECT, at=NOW)  # an export lies in the bucket too
    before_other = threads.for_customer(OTHER)
    done = erasure.erase(SUBJECT, by="user:mei", at=NOW)
    assert _traces() == []
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
    assert _traces()  # half done
    monkeypatch.setattr(items, "delete", real)
    done = erasure.erase(SUBJECT, by="user:mei", at=NOW)
    assert done.resumed and done.audited and _traces() == []
    assert done.counts["messages"] == 3
    assert counters() == open_threads_by_assignee()


def test_a_message_after_erasure_starts_a_new_customer(person: Any) -> None:
    erasure.erase(SUBJECT, by="user:mei", at=NOW)
    run_batch([_event("wamid.r9", "hello again", 1)], now=NOW + timedelta(minutes=5))
    (thread,) = threads.for_customer(SUBJECT)
    assert thread["message_count"] == 1
    head = heads.get(SUBJECT)
    assert head is not None and head.thread_id == thread["thread_id"]
    assert [m["message_id"] for m in messages.list_thread(str(thread["thread_id"]))] == ["wamid.r9"]


def test_an_alias_names_the_same_person(person: Any) -> None:
    done = erasure.erase(keys.customer_key("whatsapp", "acct-1", PHONE), by="user:mei", at=NOW)
    assert done.counts["messages"] == 3 and _traces() == []
    assert snapshots.bucket()
