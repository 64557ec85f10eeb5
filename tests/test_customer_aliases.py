"""One customer named two ways (WhatsApp phone and business-scoped user id) is one conversation.

The rule itself (pure, siu_core.store.aliases), then the pipeline on moto: first seen by phone and
later by BSUID, both in one webhook, BSUID first then phone only, and the reply's addressing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pipeline_support import NOW, inbound, install_services, run_batch

from siu_core.models import Participant
from siu_core.store import customers, keys, threads
from siu_core.store.aliases import ALIAS_OF, Resolution, resolve

PHONE, BSUID = "16505551234", "US.13491208655302741918"
P, B = keys.customer_key("whatsapp", "acct-1", PHONE), keys.customer_key("whatsapp", "acct-1", BSUID)
HEAD: dict[str, Any] = {"customer_key": "x", "thread_id": "th_1", "version": 1}


@pytest.mark.parametrize(
    ("primary", "alternate", "found", "expected"),
    [
        pytest.param(B, None, {}, Resolution(B), id="a new customer by BSUID only"),
        pytest.param(B, P, {}, Resolution(B, (P,)), id="a new customer by both: BSUID preferred, phone aliased"),
        pytest.param(B, P, {P: HEAD}, Resolution(P, (B,)), id="first seen by phone: the phone's history wins"),
        pytest.param(B, P, {B: HEAD, P: {ALIAS_OF: B}}, Resolution(B), id="both known already: nothing to record"),
        pytest.param(B, None, {B: {ALIAS_OF: P}}, Resolution(P), id="BSUID only, phone hidden: the alias finds it"),
        pytest.param(P, None, {P: {ALIAS_OF: B}}, Resolution(B), id="phone only after BSUID: the alias finds it"),
        pytest.param(B, P, {P: {ALIAS_OF: "whatsapp#acct-1#US.OLD"}}, Resolution("whatsapp#acct-1#US.OLD", (B,)),
                     id="the phone points elsewhere: follow it"),
        pytest.param(P, P, {}, Resolution(P), id="a phone-keyed event names no other key"),
    ],
)
def test_which_conversation_an_event_belongs_to(primary: str, alternate: str | None, found: dict[str, Any],
                                                expected: Resolution) -> None:
    assert resolve(primary, alternate, found) == expected


def test_an_alias_is_no_conversation_head() -> None:
    assert customers.from_item({"customer_key": B, ALIAS_OF: P}) is None


# --- the pipeline -------------------------------------------------------------------------------------


@pytest.fixture
def pipeline(aws: Any) -> Any:
    install_services(aws.config)
    return aws


def whatsapp(mid: str, text: str, *, phone: str | None, bsuid: str | None, minutes: int,
             username: str | None = None) -> Any:
    who = Participant(id=bsuid or phone or "?", phone=phone, username=username, name="Sheena")
    return inbound(mid, text, at=NOW - timedelta(minutes=minutes)).model_copy(update={"customer": who})


def conversation_threads() -> list[dict[str, Any]]:
    found = [t for key in (P, B) for t in threads.for_customer(key)]
    return sorted(found, key=lambda t: t["thread_id"])


def test_first_seen_by_phone_then_by_bsuid_then_phone_hidden_stays_one_conversation(pipeline) -> None:
    run_batch([whatsapp("m1", "Where is my order?", phone=PHONE, bsuid=None, minutes=30)])
    run_batch([whatsapp("m2", "Any news?", phone=PHONE, bsuid=BSUID, minutes=20)])
    run_batch([whatsapp("m3", "Hello??", phone=None, bsuid=BSUID, minutes=10, username="sheena.n")])
    (thread,) = conversation_threads()
    assert thread["customer_key"] == P and thread["message_count"] == 3
    assert customers.get(P) is not None and customers.get(B) is None  # B is an alias of P, not a second customer
    assert thread["customer_phone"] == PHONE


def test_both_names_in_one_webhook_then_phone_only_stays_one_conversation(pipeline) -> None:
    run_batch([whatsapp("m1", "Hi, BSUID and phone", phone=PHONE, bsuid=BSUID, minutes=30),
               whatsapp("m2", "and the same webhook again", phone=PHONE, bsuid=BSUID, minutes=29)])
    run_batch([whatsapp("m3", "an older client sends the phone only", phone=PHONE, bsuid=None, minutes=10)])
    (thread,) = conversation_threads()
    assert thread["customer_key"] == B and thread["message_count"] == 3
    assert thread["customer_id"] == BSUID and thread["customer_phone"] == PHONE


def test_a_username_only_customer_is_keyed_on_the_bsuid_and_shows_the_username(pipeline) -> None:
    run_batch([whatsapp("m1", "No phone shared", phone=None, bsuid=BSUID, minutes=5, username="sheena.n")])
    (thread,) = conversation_threads()
    assert thread["customer_key"] == B and thread["customer_username"] == "sheena.n" and "customer_phone" not in thread


# --- replies: the phone when the thread knows it, else the business-scoped user id -----------------


@pytest.mark.parametrize(("phone", "addressee"), [
    pytest.param(None, {"recipient": BSUID}, id="username only: recipient with the BSUID"),
    pytest.param(PHONE, {"to": PHONE}, id="phone known: to with the phone"),
])
def test_a_reply_addresses_the_customer_the_way_the_thread_can(inbox: Any, phone: str | None,
                                                               addressee: dict[str, str]) -> None:
    from inbox_support import call, deliver, thread_of, token_for

    deliver([whatsapp("m1", "Do you deliver?", phone=phone, bsuid=BSUID, minutes=5, username="sheena.n")],
            inbox.config)
    thread = thread_of(BSUID)
    sent = call("POST", f"/api/threads/{thread['thread_id']}/reply", token=token_for(thread["assignee"]),
                body={"text": "Yes, every weekday."}, headers={"Idempotency-Key": "k-bsuid"})
    assert sent.status == 200, sent.body
    (request,) = inbox.stub.calls
    body = request["body"]
    assert body["recipient_type"] == "individual"
    assert {k: body[k] for k in ("to", "recipient") if k in body} == addressee
    shown = call("GET", f"/api/threads/{thread['thread_id']}", token=token_for(thread["assignee"])).body["customer"]
    assert shown == {"id": BSUID, "name": "Sheena", "username": "sheena.n", **({"phone": phone} if phone else {})}


def test_one_persons_events_under_both_names_go_in_time_order_and_a_failure_holds_the_rest(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline_support import failed_ids

    from siu_core.store import messages, snapshots

    run_batch([whatsapp("m1", "first, by phone", phone=PHONE, bsuid=None, minutes=30)])
    real = snapshots.put_event

    def flaky(ev: Any, received_at: Any) -> str:
        if getattr(ev, "message_id", "") == "m2":
            raise RuntimeError("S3 hiccup")
        return real(ev, received_at)

    monkeypatch.setattr(snapshots, "put_event", flaky)
    later = [whatsapp("m3", "third, phone only", phone=PHONE, bsuid=None, minutes=10),
             whatsapp("m2", "second, by BSUID", phone=PHONE, bsuid=BSUID, minutes=20)]
    response = run_batch(later)
    assert failed_ids(response) == {"rec-0", "rec-1"}  # m2 failed, so m3 (the same person, later) waits
    monkeypatch.setattr(snapshots, "put_event", real)
    assert failed_ids(run_batch(later)) == set()
    (thread,) = conversation_threads()
    stored = [messages.get(keys.message_key("whatsapp", "acct-1", m)) for m in ("m1", "m2", "m3")]
    assert all(m is not None and m["thread_id"] == thread["thread_id"] for m in stored)
    assert thread["message_count"] == 3 and thread["last_inbound_key"].endswith("#m3")
